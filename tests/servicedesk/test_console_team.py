"""The console's own open incidents, the desk manager's team view, and their self-refresh."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import services

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TEAM = reverse("servicedesk:team")
CONSOLE = reverse("servicedesk:console")


@pytest.fixture
def steady_caches(monkeypatch):
    """The per-process configuration caches stay warm for the whole test (a loaded machine
    can take longer than their TTL between the warm-up and the measured request)."""
    monkeypatch.setattr("itsm.configcache.TTL", 3600.0)


def _count_queries(client, url):
    client.get(url)  # warm the per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- the console: my open incidents ------------------------------------------------------------


def test_console_shows_the_agents_own_open_incidents(client, world):
    mine = world.assigned(title="我登记的")
    other = world.assigned(title="别人登记的", by=world.desk_manager)
    done = world.resolved(title="已解决的")
    client.force_login(world.agent)
    body = client.get(CONSOLE).content.decode()
    section = body.split('id="my-open"')[1].split('id="awaiting-list"')[0]
    assert mine.number in section
    assert other.number not in section
    assert done.number not in section  # resolved is not open
    assert 'data-refresh="' in body


def test_console_my_open_fragment_for_htmx(client, world):
    world.assigned()
    client.force_login(world.agent)
    body = client.get(CONSOLE, HTTP_HX_TARGET="my-open", **HTMX).content.decode()
    assert body.startswith('<div id="my-open"')
    client.force_login(world.desk_manager)
    body = client.get(CONSOLE, HTTP_HX_TARGET="my-open", **HTMX).content.decode()
    assert 'id="my-open-empty"' in body


def test_console_query_count_with_own_incidents_at_25_and_100(
    client, world, django_assert_num_queries, steady_caches
):
    def add(n):
        for _ in range(n):
            world.assigned()
            world.incident()

    add(2)
    client.force_login(world.agent)
    few = _count_queries(client, CONSOLE)
    add(48)
    client.get(CONSOLE)
    with django_assert_num_queries(few):
        body = client.get(CONSOLE).content.decode()
    assert body.split('id="my-open-table"')[1].count("data-incident=") == 25


# --- the team view -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("desk_manager", 200),
        ("incident_manager", 200),
        ("agent", 403),
        ("lead", 403),
        ("tech", 403),
        ("requester", 403),
        ("director", 403),
    ],
)
def test_team_view_by_role(client, world, who, status):
    client.force_login(getattr(world, who))
    assert client.get(TEAM).status_code == status


def test_team_view_needs_sign_in(client, world):
    assert client.get(TEAM).status_code == 302


def test_team_view_shows_who_has_what_and_the_oldest_resolutions(client, world):
    world.incident()  # at the desk, owned by the agent
    world.assigned()  # at a section, owned by the agent
    old = world.resolved(title="早解决的")
    new = world.resolved(title="晚解决的", by=world.desk_manager)
    client.force_login(world.desk_manager)
    body = client.get(TEAM).content.decode()
    agent_row = body.split(f'data-member="{world.agent.pk}"')[1].split("</tr>")[0]
    assert '<td class="text-end" data-count="open">2</td>' in agent_row
    assert '<td class="text-end" data-count="at_desk">1</td>' in agent_row
    assert '<td class="text-end" data-count="unconfirmed">1</td>' in agent_row
    waiting = body.split('id="team-waiting"')[1]
    assert waiting.index(old.number) < waiting.index(new.number)  # oldest first
    assert "data-age" in waiting


def test_team_view_empty_states(client, world):
    client.force_login(world.desk_manager)
    body = client.get(TEAM).content.decode()
    assert 'id="team-waiting-empty"' in body
    body = client.get(TEAM, HTTP_HX_TARGET="team-waiting", **HTMX).content.decode()
    assert body.startswith('<div id="team-waiting"')


def test_team_view_in_the_navigation_of_the_desk_manager_only(client, world):
    client.force_login(world.desk_manager)
    assert 'data-nav="desk-team"' in client.get(CONSOLE).content.decode()
    client.force_login(world.agent)
    assert 'data-nav="desk-team"' not in client.get(CONSOLE).content.decode()


def test_team_view_query_count_at_25_and_100(
    client, world, django_assert_num_queries, steady_caches
):
    def add(n):
        for _ in range(n):
            world.resolved()

    add(2)
    client.force_login(world.desk_manager)
    few = _count_queries(client, TEAM)
    add(23)
    client.get(TEAM)
    with django_assert_num_queries(few):
        client.get(TEAM)
    add(75)
    client.get(TEAM)
    with django_assert_num_queries(few):
        body = client.get(TEAM).content.decode()
    assert body.split('id="team-waiting-table"')[1].count("data-incident=") == 25


def test_a_returned_incident_keeps_its_owner_in_my_open(client, world):
    inc = world.assigned()
    services.incident_return(incident=inc, by=world.tech, reason="不是网络问题")
    client.force_login(world.agent)
    body = client.get(CONSOLE).content.decode()
    assert inc.number in body.split('id="my-open"')[1].split('id="awaiting-list"')[0]


def test_a_refreshing_console_list_reads_only_its_own_rows(client, world, steady_caches):
    world.incident()
    world.resolved()
    client.force_login(world.agent)
    whole = _count_queries(client, CONSOLE)
    client.get(CONSOLE, HTTP_HX_TARGET="my-open", **HTMX)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(CONSOLE, HTTP_HX_TARGET="my-open", **HTMX).content.decode()
    assert body.startswith('<div id="my-open"')
    assert len(ctx.captured_queries) < whole


def test_console_query_count_with_returned_rows_is_constant(
    client, world, django_assert_num_queries, steady_caches
):
    def add(n):
        for _ in range(n):
            inc = world.assigned()
            services.incident_return(incident=inc, by=world.tech, reason="不是网络问题")

    add(2)
    client.force_login(world.agent)
    few = _count_queries(client, CONSOLE)
    add(28)
    client.get(CONSOLE)
    with django_assert_num_queries(few):
        body = client.get(CONSOLE).content.decode()
    assert body.count("data-dispatch=") == 25
