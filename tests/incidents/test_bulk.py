"""Bulk actions from the queue (claim several, a lead assigns several) with a result per row;
the assignment forms' sections and members; the queue's self-refresh markup."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from incidents import services
from incidents.exceptions import StaleIncident
from incidents.forms import AssignForm, DispatchForm, DisputeAssignForm
from incidents.models import Incident
from itsm import services as itsm_services
from itsm.models import DepartmentKind
from itsm.people import person_name
from itsm.roles import Role
from tests.itsm.factories import DepartmentFactory, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
BULK = reverse("incidents:queue_bulk")


def zh(text):
    with translation.override("zh-hans"):
        return str(translation.gettext(text))


def reload(incident):
    return Incident.objects.get(pk=incident.pk)


def pick(*incidents, version=None):
    return [f"{i.number}:{i.version if version is None else version}" for i in incidents]


# --- the service -----------------------------------------------------------------------------


def test_bulk_claim_takes_each_row_in_its_own_transaction(world):
    a, b, c = world.assigned(), world.assigned(), world.assigned()
    services.incident_accept(incident=b, by=world.tech2)  # b is taken meanwhile
    outcomes = services.incidents_bulk_act(
        by=world.tech,
        action="accept",
        items=[(a.number, a.version), (b.number, b.version), (c.number, c.version)],
    )
    assert [o.done for o in outcomes] == [True, False, True]
    assert isinstance(outcomes[1].error, StaleIncident)
    assert reload(a).assignee == world.tech
    assert reload(a).status == "in_progress"
    assert reload(b).assignee == world.tech2  # the refusal changed nothing there
    assert reload(c).assignee == world.tech


def test_bulk_refuses_what_the_user_may_not_see_as_not_found(world):
    mine = world.assigned()
    elsewhere = world.incident()
    elsewhere = services.incident_assign(
        incident=elsewhere, by=world.agent, department=world.systems
    )
    outcomes = services.incidents_bulk_act(
        by=world.tech,
        action="accept",
        items=[(elsewhere.number, None), ("INC-1999-000001", None), (mine.number, None)],
    )
    assert [o.done for o in outcomes] == [False, False, True]
    assert outcomes[0].incident is None
    assert isinstance(outcomes[0].error, Incident.DoesNotExist)
    assert reload(elsewhere).assignee_id is None


def test_bulk_refuses_other_actions(world):
    with pytest.raises(ValueError, match="not a bulk action"):
        services.incidents_bulk_act(by=world.tech, action="resolve", items=[])


# --- the page --------------------------------------------------------------------------------


def test_lead_bulk_assigns_with_one_refused_row(client, world):
    a, b, c = world.assigned(), world.assigned(), world.assigned()
    seen = pick(a, b, c)
    services.incident_accept(incident=b, by=world.tech)  # someone acts on b after the page
    client.force_login(world.lead)
    response = client.post(
        BULK + "?tab=open", {"action": "assign", "assignee": world.tech2.pk, "pick": seen}, **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-result="done"') == 2
    assert body.count('data-result="refused"') == 1
    assert '<div id="queue-list" hx-swap-oob="outerHTML"' in body
    assert "列表显示后已有其他人修改了它" in body
    assert reload(a).assignee == world.tech2
    assert reload(c).assignee == world.tech2
    assert reload(b).assignee == world.tech


def test_bulk_result_is_translated(client, world):
    a = world.assigned()
    client.force_login(world.tech)
    client.cookies.load({"django_language": "zh-hans"})
    body = client.post(
        BULK,
        {"action": "accept", "pick": pick(a, version=a.version + 5)},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert 'data-result="refused"' in body
    assert "Someone changed it" not in body


def test_assigning_to_a_member_of_another_section_is_refused_per_row(client, world):
    a = world.assigned()
    # The lead of network also leads systems: a systems member cannot take a network row.
    itsm_services.membership_set(
        user=world.lead, department=world.systems, role=Role.SECTION_LEAD, is_primary=False
    )
    client.force_login(world.lead)
    body = client.post(
        BULK, {"action": "assign", "assignee": world.sys_tech.pk, "pick": pick(a)}, **HTMX
    ).content.decode()
    assert 'data-result="refused"' in body
    assert zh("The assignee must be a working member of that section.") in body
    assert reload(a).assignee_id is None


def test_technicians_claim_several_but_do_not_bulk_assign(client, world):
    a, b = world.assigned(), world.assigned()
    client.force_login(world.tech)
    response = client.post(BULK, {"action": "assign", "assignee": world.tech2.pk, "pick": pick(a)})
    assert response.status_code == 403
    assert "只有科室负责人可以批量分派事件" in response.content.decode()
    assert reload(a).assignee_id is None
    response = client.post(BULK, {"action": "accept", "pick": pick(a, b)})
    assert response.status_code == 200
    assert reload(a).assignee == world.tech
    assert reload(b).assignee == world.tech


def test_bulk_needs_a_selection_and_an_assignee(client, world):
    a = world.assigned()
    client.force_login(world.lead)
    response = client.post(BULK, {"action": "accept"}, **HTMX)
    assert response.status_code == 400
    assert "请至少选择一个事件。" in response.content.decode()
    response = client.post(BULK, {"action": "assign", "pick": pick(a)}, **HTMX)
    assert response.status_code == 400
    assert 'data-field-error="assignee"' in response.content.decode()
    # Someone not on duty in a section the lead leads is not a choice.
    response = client.post(
        BULK, {"action": "assign", "assignee": world.sys_tech.pk, "pick": pick(a)}, **HTMX
    )
    assert response.status_code == 400
    assert reload(a).assignee_id is None


@pytest.mark.parametrize(
    ("who", "status"),
    [("tech", 400), ("lead", 400), ("agent", 403), ("requester", 403), ("director", 403)],
)
def test_bulk_by_role(client, world, who, status):
    client.force_login(getattr(world, who))
    assert client.post(BULK, {"action": "accept"}).status_code == status


def test_bulk_needs_sign_in_and_post(client, world):
    assert client.post(BULK, {"action": "accept"}).status_code == 302
    client.force_login(world.tech)
    assert client.get(BULK).status_code == 405


def test_queue_rows_can_be_picked_by_who_may_act_on_them(client, world):
    free = world.assigned()
    taken = world.in_progress()
    client.force_login(world.tech)
    body = client.get(reverse("incidents:queue") + "?tab=open").content.decode()
    assert f'data-pick="{free.number}"' in body
    assert f'data-pick="{taken.number}"' not in body  # nothing to claim
    assert 'data-bulk="assign"' not in body  # a technician has no assign bar
    assert 'data-refresh="' in body
    client.force_login(world.lead)
    body = client.get(reverse("incidents:queue") + "?tab=open").content.decode()
    assert f'data-pick="{taken.number}"' in body  # the lead may reassign it
    assert 'data-bulk="assign"' in body
    assert person_name(world.tech2) in body


def test_refresh_interval_comes_from_settings(client, world, settings):
    world.assigned()
    settings.LIST_REFRESH_SECONDS = 0
    client.force_login(world.tech)
    assert "data-refresh" not in client.get(reverse("incidents:queue")).content.decode()


@pytest.fixture
def steady_caches(monkeypatch):
    """The per-process configuration caches stay warm for the whole test (a loaded machine
    can take longer than their TTL between the warm-up and the measured request)."""
    monkeypatch.setattr("itsm.configcache.TTL", 3600.0)


def _count_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_lead_queue_query_count_is_constant_at_25_and_100_rows(
    client, world, django_assert_num_queries, steady_caches
):
    def add(n):
        for _ in range(n):
            world.assigned()

    add(3)
    client.force_login(world.lead)
    url = reverse("incidents:queue") + "?tab=open"
    few = _count_queries(client, url)
    add(22)
    client.get(url)
    with django_assert_num_queries(few):
        assert client.get(url).content.decode().count("data-pick=") == 25
    add(75)
    client.get(url)
    with django_assert_num_queries(few):
        assert client.get(url).content.decode().count("data-pick=") == 25


# --- members that follow the section ---------------------------------------------------------


def test_assignee_options_are_the_sections_on_duty_members_with_their_load(client, world):
    world.in_progress()  # tech has one open incident
    off = make_user(Role.TECHNICIAN, section=world.network, username="w_net_off")
    itsm_services.membership_set(
        user=off, department=world.network, role=Role.TECHNICIAN, on_duty=False
    )
    client.force_login(world.agent)
    url = reverse("incidents:assignee_options")
    body = client.get(url, {"department": world.network.pk}).content.decode()
    assert f'value="{world.tech.pk}"' in body
    assert f'value="{world.tech2.pk}"' in body
    assert f'value="{off.pk}"' not in body
    assert "未结 1 件" in body
    assert "未结 0 件" in body
    assert f'value="{world.sys_tech.pk}"' not in body
    body = client.get(url, {"department": "nonsense"}).content.decode()
    assert body.count("<option") == 1


def test_assignee_options_by_role(client, world):
    url = reverse("incidents:assignee_options")
    client.force_login(world.requester)
    assert client.get(url, {"department": world.network.pk}).status_code == 403
    client.force_login(world.vendor)  # an outsider sees the people of their own sections only
    body = client.get(url, {"department": world.network.pk}).content.decode()
    assert f'value="{world.tech.pk}"' not in body


def test_assign_form_offers_the_sections_members_and_checks_duty(world):
    inc = world.assigned()
    form = AssignForm(initial={"version": inc.version}, incident=inc)
    values = [str(v) for v, _label in form.fields["assignee"].choices]
    assert str(world.tech.pk) in values
    assert str(world.sys_tech.pk) not in values
    assert form["department"].value() == world.network.pk
    assert 'hx-get="/incidents/assignee-options/"' in str(form["department"])
    itsm_services.membership_set(
        user=world.tech2, department=world.network, role=Role.TECHNICIAN, on_duty=False
    )
    form = AssignForm(
        {"version": inc.version, "department": world.network.pk, "assignee": world.tech2.pk},
        incident=inc,
    )
    assert not form.is_valid()
    assert "值班" in str(form.errors["assignee"])


# --- which sections work incidents, and the one that just returned it -------------------------


@pytest.fixture
def admin_section():
    return DepartmentFactory(code="general", kind=DepartmentKind.ADMINISTRATIVE)


def test_administrative_sections_are_neither_offered_nor_accepted(world, admin_section):
    inc = world.incident()
    assert admin_section not in AssignForm(incident=inc).fields["department"].queryset
    assert admin_section not in DispatchForm(incident=inc).fields["department"].queryset
    with pytest.raises(ValidationError, match="行政科室"):
        services.incident_assign(incident=inc, by=world.agent, department=admin_section)
    assert reload(inc).status == "new"


def test_the_section_that_just_returned_it_is_not_proposed(client, world):
    inc = world.assigned()
    inc = services.incident_return(incident=inc, by=world.tech, reason="不是网络问题")
    assert world.network not in DispatchForm(incident=inc).fields["department"].queryset
    assert world.network not in AssignForm(incident=inc).fields["department"].queryset
    # The incident manager settling a dispute may choose it.
    assert world.network in DisputeAssignForm(incident=inc).fields["department"].queryset
    client.force_login(world.agent)
    body = client.get(reverse("servicedesk:console")).content.decode()
    row = body.split(f'data-incident="{inc.number}"')[1].split("</tr>")[0]
    assert f'value="{world.network.pk}"' not in row
    assert f'value="{world.systems.pk}"' in row
    # Once sent elsewhere, the network section is proposed again.
    inc = services.incident_assign(incident=inc, by=world.agent, department=world.systems)
    assert world.network in AssignForm(incident=inc).fields["department"].queryset


def test_dispatching_to_the_returning_section_from_the_browser_is_refused(client, world):
    inc = world.assigned()
    inc = services.incident_return(incident=inc, by=world.tech, reason="不是网络问题")
    client.force_login(world.agent)
    response = client.post(
        reverse("incidents:act", args=[inc.number, "assign"]),
        {"variant": "dispatch", "version": inc.version, "department": world.network.pk},
        **HTMX,
    )
    assert response.status_code == 400
    assert reload(inc).department == world.desk
