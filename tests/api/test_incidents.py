"""The incident resource: list with filters, ordering and cursor pages; log; read; edit."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from incidents import services
from incidents.models import Incident, IncidentEvent
from tests.incidents.factories import CategoryFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"

CONTRACT_FIELDS = {
    "number",
    "title",
    "description",
    "nature",
    "source",
    "category",
    "impact",
    "urgency",
    "priority",
    "status",
    "owner",
    "department",
    "assignee",
    "requester",
    "contact",
    "escalation_level",
    "is_major",
    "created_at",
    "accepted_at",
    "resolved_at",
    "closed_at",
    "resolution_code",
    "resolution",
    "suspend_reason",
    "resume_at",
    "handover_count",
    "bounce_count",
    "reopen_count",
    "sla",
    "version",
    "etag",
    "updated_at",
    "links",
}


def detail(incident):
    return f"{LIST}{incident.number}/"


def numbers(response):
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


# --- the representation (DESIGN §6) ---


def test_representation_has_the_contracts_names(world, api, sla_data):
    incident = services.incident_accept(incident=world.assigned(), by=world.tech)
    response = api(world.agent).get(detail(incident))
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= CONTRACT_FIELDS
    assert body["number"] == incident.number
    assert body["category"] == "network-lan"
    assert body["department"] == "network"
    assert body["assignee"] == "w_net1"
    assert body["owner"] == "w_agent"
    assert body["requester"] == "w_user"
    assert set(body["contact"]) == {"name", "phone", "email", "organisation"}
    assert body["priority"] == "P3"
    assert body["status"] == "in_progress"
    assert body["etag"] == incident.etag == response["ETag"]
    assert body["version"] == incident.version
    # Times carry their offset.
    assert body["created_at"].endswith("+08:00")
    sla = body["sla"]
    assert set(sla) == {"response_due_at", "resolution_due_at", "breached", "clocks"}
    states = {c["target"]: c["state"] for c in sla["clocks"]}
    assert states["response"] == "met"
    assert states["resolution"] == "running"
    assert sla["resolution_due_at"] is not None
    assert body["links"]["self"].endswith(detail(incident))
    assert body["links"]["html"].endswith(f"/incidents/{incident.number}/")


def test_retrieve_unknown_or_hidden_is_404(world, api):
    incident = world.incident(requester=world.other_requester)
    assert api(world.requester).get(detail(incident)).status_code == 404
    assert api(world.agent).get(f"{LIST}INC-2026-999999/").status_code == 404


def test_retrieve_if_none_match_answers_304(world, api):
    incident = world.incident()
    client = api(world.agent)
    response = client.get(detail(incident), HTTP_IF_NONE_MATCH=incident.etag)
    assert response.status_code == 304
    assert response["ETag"] == incident.etag


# --- list, filters, ordering, pages ---


def test_list_shows_only_what_the_caller_may_see(world, api):
    mine = world.incident()
    other = world.incident(requester=world.other_requester)
    assert set(numbers(api(world.agent).get(LIST))) == {mine.number, other.number}
    assert numbers(api(world.requester).get(LIST)) == [mine.number]
    assert numbers(api(world.vendor).get(LIST)) == []


def test_list_filters(world, api, sla_data):
    wan = CategoryFactory(code="network-wan", parent=world.category)
    a = world.incident(title="打印机卡纸", impact=3, urgency=3)
    b = services.incident_accept(incident=world.assigned(category=wan), by=world.tech)
    c = world.incident(source="email", nature="request", requester=world.other_requester)
    client = api(world.agent)

    def query(**params):
        return set(numbers(client.get(LIST, params)))

    assert query(status="new") == {a.number, c.number}
    assert client.get(f"{LIST}?status=new&status=in_progress").json()["results"]
    assert query(priority="P4") == {a.number}
    assert query(nature="request") == {c.number}
    assert query(source="email") == {c.number}
    # A category includes its sub-categories.
    assert query(category="network-lan") == {a.number, b.number, c.number}
    assert query(category="network-wan") == {b.number}
    assert query(category="nosuch") == set()
    assert query(department="network") == {b.number}
    assert query(assignee="w_net1") == {b.number}
    assert query(owner="w_agent") == {a.number, b.number, c.number}
    assert query(requester="w_user2") == {c.number}
    assert query(q="卡纸") == {a.number}
    assert query(q=b.number.lower()) == {b.number}
    assert query(breached="false") == {a.number, b.number, c.number}
    assert query(breached="true") == set()
    later = (timezone.now() + timedelta(minutes=5)).isoformat()
    assert query(created_after=later) == set()
    assert query(created_before=later) == {a.number, b.number, c.number}
    assert query(updated_before=later) == {a.number, b.number, c.number}


def test_breached_filter_sees_overdue_clocks(world, api, sla_data):
    incident = world.incident(impact=1, urgency=1)
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        assert numbers(api(world.agent).get(LIST, {"breached": "true"})) == [incident.number]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nosuch"},
        {"priority": "P9"},
        {"nature": "x"},
        {"created_after": "yesterday"},
        {"breached": "maybe"},
        # Offsets Python accepts and PostgreSQL refuses; a year that leaves the calendar in UTC.
        {"created_after": "2026-03-01T12:34:57-16:00"},
        {"created_before": "2026-03-01T12:34:57+20:59"},
        {"updated_after": "2026-03-01T12:34:57+14:01"},
        {"updated_before": "0001-01-01T00:00:00+05:00"},
    ],
)
def test_bad_filter_is_400(world, api, params):
    response = api(world.agent).get(LIST, params)
    assert response.status_code == 400
    assert set(params) <= set(response.json())


def test_filter_offsets_of_real_time_zones_are_accepted(world, api):
    incident = world.incident()
    client = api(world.agent)
    for offset in ("+14:00", "-12:00", "Z"):
        response = client.get(LIST, {"created_before": f"2999-01-01T00:00:00{offset}"})
        assert numbers(response) == [incident.number]


def test_ordering_and_cursor_pages_are_stable(world, api):
    created = [world.incident(title=f"事件{i}") for i in range(5)]
    client = api(world.agent)
    first = client.get(LIST, {"page_size": 2})
    assert numbers(first) == [created[4].number, created[3].number]
    # A new incident logged meanwhile does not shift the next page.
    world.incident(title="later")
    second = client.get(first.json()["next"])
    assert numbers(second) == [created[2].number, created[1].number]
    assert numbers(client.get(LIST, {"ordering": "number", "page_size": 2}))[0] == (
        created[0].number
    )
    assert numbers(client.get(LIST, {"ordering": "-number", "page_size": 1})) == [
        Incident.objects.order_by("-number").first().number
    ]
    assert client.get(LIST, {"cursor": "garbage"}).status_code == 404


@pytest.mark.parametrize("ordering", ["nonsense", "priority", "created_at,number", "--number"])
def test_unknown_ordering_is_400_not_ignored(world, api, ordering):
    world.incident()
    response = api(world.agent).get(LIST, {"ordering": ordering})
    assert response.status_code == 400
    assert list(response.json()) == ["ordering"]


def test_polling_with_updated_after_returns_oldest_change_first(world, api):
    a, b, c = (world.incident(title=t) for t in ("a", "b", "c"))
    since = timezone.now()
    services.incident_update(incident=c, by=world.agent, changes={"title": "c2"})
    services.incident_update(incident=a, by=world.agent, changes={"title": "a2"})
    client = api(world.agent)
    page = client.get(LIST, {"updated_after": since.isoformat(), "page_size": 1})
    assert numbers(page) == [c.number]
    last = client.get(page.json()["next"])
    assert numbers(last) == [a.number]
    assert last.json()["next"] is None
    # The next poll starts after the last change seen; an incident changed again comes back.
    seen = last.json()["results"][-1]["updated_at"]
    services.incident_update(incident=b, by=world.agent, changes={"title": "b2"})
    services.incident_update(incident=c, by=world.agent, changes={"title": "c3"})
    assert numbers(client.get(LIST, {"updated_after": seen})) == [b.number, c.number]


# --- log an incident ---


def test_create_routes_prioritises_and_records(world, api, sla_data):
    payload = {
        "title": "三楼办公区网络中断",
        "description": "<script>alert(1)</script>交换机无法访问",
        "category": "network-lan",
        "impact": 1,
        "urgency": 2,
        "requester": "w_user",
        "contact": {"phone": "8888", "organisation": "海关"},
        "configuration_item": "sw-3f-01",
    }
    response = api(world.agent).post(LIST, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    incident = Incident.objects.get(number=body["number"])
    assert response["Location"].endswith(detail(incident))
    assert response["ETag"] == incident.etag
    assert body["priority"] == "P2"
    assert body["source"] == "api"
    assert body["department"] == "servicedesk"
    assert body["routed_department"] == "network"
    assert body["contact"]["phone"] == "8888"
    assert "<script>" not in body["description"]
    assert body["sla"]["clocks"]
    assert IncidentEvent.objects.filter(incident=incident, kind="created").exists()


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"title"}),
        ({"title": "x", "category": "nosuch"}, {"category"}),
        ({"title": "x", "impact": 7}, {"impact"}),
        ({"title": "x", "requester": "nobody"}, {"requester"}),
        ({"title": "x", "contact": {"email": "bad"}}, {"contact"}),
        ({"title": "x", "status": "closed"}, {"status"}),
        ({"title": "x", "colour": "red"}, {"colour"}),
        ({"title": "x", "contact": {"fax": "1"}}, {"contact"}),
        ({"title": "   "}, {"title"}),
    ],
)
def test_create_bad_input_is_400_per_field(world, api, payload, fields):
    response = api(world.agent).post(LIST, payload, format="json")
    assert response.status_code == 400
    assert fields <= set(response.json())
    assert not Incident.objects.exists()


def test_unknown_key_inside_a_nested_object_is_400_naming_it(world, api):
    incident = world.incident()
    client = api(world.agent)
    response = client.post(LIST, {"title": "x", "contact": {"fax": "1"}}, format="json")
    assert response.status_code == 400
    assert list(response.json()["contact"]) == ["fax"]
    response = client.patch(detail(incident), {"contact": {"fax": "1"}}, format="json")
    assert response.status_code == 400
    assert list(response.json()["contact"]) == ["fax"]
    assert Incident.objects.count() == 1


def test_create_inactive_category_is_400_from_the_service(world, api):
    CategoryFactory(code="old", active=False)
    response = api(world.agent).post(LIST, {"title": "x", "category": "old"}, format="json")
    assert response.status_code == 400
    assert "category" in response.json()


@pytest.mark.parametrize("who", ["tech", "lead", "vendor", "director"])
def test_create_forbidden_roles(world, api, who):
    response = api(getattr(world, who)).post(LIST, {"title": "x"}, format="json")
    assert response.status_code == 403
    assert not Incident.objects.exists()


def test_requester_logs_for_themselves_only(world, api):
    client = api(world.requester)
    response = client.post(LIST, {"title": "电脑无法开机"}, format="json")
    assert response.status_code == 201
    assert response.json()["requester"] == "w_user"
    response = client.post(LIST, {"title": "x", "requester": "w_user2"}, format="json")
    assert response.status_code == 400
    assert "requester" in response.json()


def test_system_is_the_requester_of_what_it_logs(world, api):
    client = api(world.system)
    response = client.post(LIST, {"title": "接口超时", "source": "monitoring"}, format="json")
    assert response.status_code == 201
    assert response.json()["requester"] == "w_monitor"
    # ...and so sees it afterwards.
    assert client.get(response["Location"]).status_code == 200


# --- edit ---


def test_patch_edits_and_recomputes_priority(world, api):
    incident = world.incident()
    response = api(world.agent).patch(
        detail(incident),
        {"impact": 1, "urgency": 1, "contact": {"phone": "1234"}, "category": None},
        format="json",
        HTTP_IF_MATCH=incident.etag,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["priority"] == "P1"
    assert body["is_major"] is True
    assert body["contact"]["phone"] == "1234"
    assert body["category"] is None
    assert body["version"] == incident.version + 1
    assert response["ETag"] == body["etag"]
    assert IncidentEvent.objects.filter(incident=incident, kind="updated").exists()


def test_patch_with_nothing_to_change_is_400_or_the_edits_403(world, api):
    incident = world.incident()
    response = api(world.agent).patch(detail(incident), {}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    # Someone who may not edit hears what a real edit would answer them.
    response = api(world.requester).patch(detail(incident), {}, format="json")
    assert response.status_code == 403
    response = api(world.agent).patch(detail(world.closed()), {}, format="json")
    assert response.status_code == 409
    assert Incident.objects.get(pk=incident.pk).version == incident.version


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"priority": "P1"}, "priority"),
        ({"number": "INC-1"}, "number"),
        ({"title": ""}, "title"),
        ({"urgency": 0}, "urgency"),
        ({"contact": {"email": "no"}}, "contact"),
        ({"owner": "w_agent"}, "owner"),
        ({"contact": {"fax": "1"}}, "contact"),
    ],
)
def test_patch_bad_or_readonly_fields_are_400(world, api, payload, field):
    incident = world.incident()
    response = api(world.agent).patch(detail(incident), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Incident.objects.get(pk=incident.pk).version == incident.version


def test_patch_stale_if_match_is_412(world, api):
    incident = world.incident()
    old_etag = incident.etag
    services.incident_update(incident=incident, by=world.agent, changes={"title": "新标题"})
    response = api(world.agent).patch(
        detail(incident), {"title": "我的标题"}, format="json", HTTP_IF_MATCH=old_etag
    )
    assert response.status_code == 412
    body = response.json()
    assert body["version"] == incident.version + 1
    assert body["etag"] == f'"{incident.number}-v{incident.version + 1}"'
    assert Incident.objects.get(pk=incident.pk).title == "新标题"


def test_patch_race_between_read_and_lock_is_412(world, api, monkeypatch):
    """If-Match matched when read, but the row changed before the service locked it."""
    incident = world.incident()
    original = services.incident_update

    def racing(**kwargs):
        original(incident=kwargs["incident"], by=world.agent, changes={"title": "抢先"})
        return original(**kwargs)

    monkeypatch.setattr(services, "incident_update", racing)
    response = api(world.agent).patch(
        detail(incident), {"title": "慢了"}, format="json", HTTP_IF_MATCH=incident.etag
    )
    assert response.status_code == 412


def test_patch_by_someone_who_may_not_edit_is_403(world, api):
    incident = world.incident()
    response = api(world.requester).patch(detail(incident), {"title": "x"}, format="json")
    assert response.status_code == 403


def test_patch_closed_incident_is_409(world, api):
    incident = world.closed()
    response = api(world.agent).patch(detail(incident), {"title": "x"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "closed"
    assert body["allowed_actions"] == []


def test_hand_written_representation_matches_the_declared_fields(world, sla_data):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from incidents.api.serializers import IncidentSerializer

    request = Request(APIRequestFactory().get("/api/v1/incidents/"))
    incidents = [
        world.incident(),
        world.in_progress(),
        world.suspended(),
        world.closed(),
        world.cancelled(),
        world.incident(requester=None, category=None),
    ]
    for incident in incidents:
        incident = Incident.objects.get(pk=incident.pk)
        fast = IncidentSerializer(incident, context={"request": request}).data
        declared = IncidentSerializer(incident, context={"request": request})
        assert fast == declared.declared_representation(incident), incident.status
