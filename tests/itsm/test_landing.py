"""Each role lands on its place after signing in (itsm/landing.py), and the workspace cards
show counts ("待派单 12") with a constant number of queries."""

import pytest
from django.urls import NoReverseMatch

from itsm import landing
from itsm.roles import Role
from tests.itsm.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _incident_manager_place() -> str:
    try:
        return landing.reverse("incidents:all")
    except NoReverseMatch:  # the list ships with the search work; until then the disputes
        return "/incidents/disputes/"


def sign_in(client, username, **extra):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD, **extra})


@pytest.mark.parametrize(
    ("role", "place"),
    [
        (Role.AGENT, "/desk/console/"),
        (Role.DESK_MANAGER, "/desk/console/"),
        (Role.TECHNICIAN, "/incidents/queue/"),
        (Role.SECTION_LEAD, "/incidents/queue/"),
        (Role.VENDOR, "/incidents/queue/"),
        (Role.REQUESTER, "/desk/portal/"),
        (Role.ADMINISTRATOR, "/"),
    ],
)
def test_each_role_lands_on_its_place(client, make_user, role, place):
    make_user(role, username="someone")
    response = sign_in(client, "someone")
    assert response.status_code == 302
    assert response["Location"] == place


def test_the_incident_manager_lands_on_the_all_incidents_list_or_the_disputes(client, make_user):
    make_user(Role.INCIDENT_MANAGER, username="im")
    assert sign_in(client, "im")["Location"] == _incident_manager_place()


def test_a_director_lands_on_the_dashboard_once_it_exists_else_the_workspace(client, make_user):
    make_user(Role.DIRECTOR, username="boss")
    try:
        expected = landing.reverse("reports:dashboard")
    except NoReverseMatch:
        expected = "/"
    assert sign_in(client, "boss")["Location"] == expected


def test_a_missing_page_falls_back_to_the_next_name_then_the_workspace(make_user, monkeypatch):
    user = make_user(Role.INCIDENT_MANAGER, username="im")
    monkeypatch.setattr(
        landing,
        "LANDING",
        ((Role.INCIDENT_MANAGER, ("nowhere:at-all", "incidents:disputes")),),
    )
    assert landing.landing_url(user) == "/incidents/disputes/"
    monkeypatch.setattr(landing, "LANDING", ((Role.INCIDENT_MANAGER, ("nowhere:at-all",)),))
    assert landing.landing_url(user) == "/"


def test_the_first_role_in_the_rule_wins_for_a_person_with_several(make_user):
    from itsm.services import user_grant_role

    user = make_user(Role.TECHNICIAN, username="both")
    user_grant_role(user=user, role=Role.INCIDENT_MANAGER)
    assert landing.landing_url(user) == _incident_manager_place()


def test_next_still_wins_when_given(client, make_user):
    make_user(Role.AGENT, username="agent7")
    assert sign_in(client, "agent7", next="/sections/")["Location"] == "/sections/"


def test_an_unsafe_next_is_ignored_for_the_landing(client, make_user):
    make_user(Role.AGENT, username="agent7")
    response = sign_in(client, "agent7", next="https://evil.example/")
    assert response["Location"] == "/desk/console/"


def test_a_signed_in_user_opening_the_login_page_goes_to_their_place(client, make_user):
    client.force_login(make_user(Role.REQUESTER, username="u1"))
    assert client.get("/accounts/login/")["Location"] == "/desk/portal/"


# --- the workspace cards -------------------------------------------------------------------


def test_the_desk_card_counts_incidents_to_dispatch(client, world):
    world.incident()
    world.incident()
    world.assigned()  # dispatched: no longer the desk's
    client.force_login(world.agent)
    body = client.get("/").content.decode()
    assert 'data-card-count="console"' in body
    card = body.split('data-card-count="console"')[1].split("</p>")[0]
    assert "待派单" in card
    assert ">2<" in card


def test_the_queue_card_counts_what_nobody_accepted(client, world):
    world.assigned()
    world.in_progress()
    client.force_login(world.tech)
    body = client.get("/").content.decode()
    card = body.split('data-card-count="queue"')[1].split("</p>")[0]
    assert "待受理" in card
    assert ">1<" in card


def test_the_portal_card_counts_the_requesters_open_incidents(client, world):
    world.incident()
    world.closed()
    client.force_login(world.requester)
    body = client.get("/").content.decode()
    card = body.split('data-card-count="portal"')[1].split("</p>")[0]
    assert ">1<" in card


@pytest.mark.parametrize("incidents", [1, 12])
def test_the_workspace_costs_the_same_whatever_the_counts(
    client, world, django_assert_max_num_queries, incidents
):
    for _ in range(incidents):
        world.incident()
    client.force_login(world.incident_manager)
    client.get("/")  # warm the per-process caches
    # session, user, roles (cached), departments, one COUNT per card (console, disputes,
    # inbox) and the memberships of the section queue: the number does not grow.
    with django_assert_max_num_queries(9):
        response = client.get("/")
    assert response.status_code == 200


def test_a_card_counts_up_to_99_then_shows_99_plus(client, world, monkeypatch):
    from incidents import selectors

    monkeypatch.setattr(selectors, "CARD_COUNT_CAP", 2)
    for _ in range(4):
        world.incident()
    assert selectors.to_dispatch_count(world.agent) == 3  # reads at most CAP + 1 rows
    client.force_login(world.agent)
    monkeypatch.setattr(selectors, "CARD_COUNT_CAP", 99)
    body = client.get("/").content.decode()
    card = body.split('data-card-count="console"')[1].split("</p>")[0]
    assert ">4<" in card
