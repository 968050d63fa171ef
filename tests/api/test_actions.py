"""Actions: GET …/actions/ and POST …/{action}/ for every transition, with 400/403/409/412."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import Incident, IncidentEvent, ResolutionCode

pytestmark = pytest.mark.django_db


def url(incident, action=""):
    base = f"/api/v1/incidents/{incident.number}/"
    return f"{base}{action}/" if action else base


def later(hours=4):
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def reload(incident):
    return Incident.objects.get(pk=incident.pk)


# (action, how to prepare the incident, who acts, body, new status, event kind)
HAPPY = [
    (
        "assign",
        "incident",
        "agent",
        {"department": "network", "assignee": "w_net1"},
        "assigned",
        "assigned",
    ),
    ("accept", "assigned", "tech", {}, "in_progress", "accepted"),
    ("return", "assigned", "tech", {"reason": "不是网络问题"}, "assigned", "returned"),
    (
        "suspend",
        "in_progress",
        "tech",
        {"suspend_reason": "awaiting_info", "resume_at": "LATER", "note": "等截图"},
        "suspended",
        "suspended",
    ),
    ("resume", "suspended", "tech", {"note": "用户已回复"}, "in_progress", "resumed"),
    ("escalate", "in_progress", "agent", {"level": 2, "reason": "用户投诉"}, "in_progress",
     "escalated"),
    (
        "resolve",
        "in_progress",
        "tech",
        {"resolution_code": "fixed", "resolution": "更换网线", "knowledge_ref": "KB-12"},
        "resolved",
        "resolved",
    ),
    ("reopen", "resolved", "requester", {"reason": "问题仍在"}, "in_progress", "reopened"),
    (
        "close",
        "resolved",
        "requester",
        {"satisfaction": 5, "satisfaction_comment": "很好"},
        "closed",
        "closed",
    ),
    ("cancel", "incident", "agent", {"reason": "重复登记"}, "cancelled", "cancelled"),
]  # fmt: skip


@pytest.mark.parametrize(("action", "prepare", "who", "body", "status", "kind"), HAPPY)
def test_each_action_happy_path(world, api, action, prepare, who, body, status, kind):
    incident = getattr(world, prepare)()
    body = {k: (later() if v == "LATER" else v) for k, v in body.items()}
    response = api(getattr(world, who)).post(
        url(incident, action), body, format="json", HTTP_IF_MATCH=incident.etag
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == status
    assert data["version"] > incident.version
    assert response["ETag"] == data["etag"] == reload(incident).etag
    assert IncidentEvent.objects.filter(incident=incident, kind=kind).exists()


def test_action_fields_land_on_the_incident(world, api):
    incident = world.in_progress()
    client = api(world.tech)
    client.post(
        url(incident, "suspend"),
        {"suspend_reason": "awaiting_info", "resume_at": later(), "note": "等"},
        format="json",
    )
    body = client.get(url(incident)).json()
    assert body["suspend_reason"] == "awaiting_info"
    assert body["resume_at"] is not None
    client.post(url(incident, "resume"), {}, format="json")
    response = client.post(
        url(incident, "resolve"),
        {"resolution_code": "fixed", "resolution": "重启交换机"},
        format="json",
    )
    body = response.json()
    assert body["resolution_code"] == "fixed"
    assert body["resolution"] == "重启交换机"
    assert body["resolved_at"] is not None


def test_available_actions_with_their_fields(world, api):
    incident = world.incident()
    response = api(world.agent).get(url(incident, "actions"))
    assert response.status_code == 200
    body = response.json()
    assert body["etag"] == incident.etag
    names = [a["name"] for a in body["actions"]]
    assert names == services.available_actions(incident, world.agent)
    assign = next(a for a in body["actions"] if a["name"] == "assign")
    fields = {f["name"]: f for f in assign["fields"]}
    assert fields["department"]["type"] == "code"
    assert fields["department"]["required"] is True
    assert fields["assignee"]["type"] == "username"
    assert assign["url"].endswith(url(incident, "assign"))
    # A requester may only cancel their new incident.
    mine = api(world.requester).get(url(incident, "actions")).json()
    assert [a["name"] for a in mine["actions"]] == ["cancel"]


def test_available_actions_list_each_code_fields_values(world, api):
    """A client builds the action forms from the API alone: every code field lists the codes
    it takes (active ones) with their names, and links the reference endpoint."""
    ResolutionCode.objects.create(code="retired", name_zh="停用", name_en="Retired", active=False)
    incident = world.in_progress()
    body = api(world.tech).get(url(incident, "actions")).json()
    fields = {(a["name"], f["name"]): f for a in body["actions"] for f in a["fields"]}
    reasons = fields[("suspend", "suspend_reason")]
    assert reasons["values"] == [
        {"code": "awaiting_info", "name": "等待用户提供信息"},
        {"code": "awaiting_vendor", "name": "等待厂商"},
    ]
    assert reasons["reference"] == "http://testserver/api/v1/suspend-reasons/"
    codes = fields[("resolve", "resolution_code")]
    assert codes["values"] == [{"code": "fixed", "name": "已修复"}]
    assert codes["reference"].endswith("/api/v1/resolution-codes/")
    sections = fields[("assign", "department")]["values"]
    assert {"code": "systems", "name": world.systems.name} in sections
    assert "values" not in fields[("resolve", "resolution")]
    # What is not listed is refused, on its field, and nothing changes.
    response = api(world.tech).post(
        url(incident, "resolve"), {"resolution_code": "retired", "resolution": "x"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["resolution_code"]
    assert reload(incident).status == "in_progress"


def test_closing_categories_are_listed_with_close(world, api):
    incident = world.resolved()
    body = api(world.requester).get(url(incident, "actions")).json()
    close = next(a for a in body["actions"] if a["name"] == "close")
    category = next(f for f in close["fields"] if f["name"] == "closing_category")
    assert category["values"] == [{"code": "network-lan", "name": world.category.name}]
    assert category["reference"].endswith("/api/v1/categories/")


def test_not_allowed_now_is_409_with_allowed_actions(world, api):
    resolved = world.resolved()
    response = api(world.tech).post(url(resolved, "accept"), {}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "resolved"
    assert body["allowed_actions"] == services.available_actions(resolved, world.tech)
    assert "detail" in body
    incident = world.incident()
    agent = api(world.agent).post(url(incident, "accept"), {}, format="json").json()
    assert set(agent["allowed_actions"]) == {"assign", "cancel", "escalate", "resolve"}
    assert reload(incident).version == incident.version


def test_state_is_checked_before_the_fields(world, api):
    incident = world.closed()
    response = api(world.agent).post(url(incident, "assign"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["allowed_actions"] == []


def test_no_right_is_403_before_the_fields(world, api):
    incident = world.assigned()
    # The systems section's technician sees it? No: 404. The network lead may not cancel.
    response = api(world.lead).post(url(incident, "cancel"), {}, format="json")
    assert response.status_code == 403
    assert "detail" in response.json()
    assert reload(incident).status == "assigned"


@pytest.mark.parametrize(
    ("prepare", "who", "action", "body", "field"),
    [
        ("incident", "agent", "assign", {}, "department"),
        ("incident", "agent", "assign", {"department": "nosuch"}, "department"),
        ("incident", "agent", "assign", {"department": "network", "assignee": "w_sys1"},
         "assignee"),
        ("incident", "agent", "assign", {"department": "network", "assignee": "ghost"},
         "assignee"),
        ("assigned", "tech", "return", {"reason": ""}, "reason"),
        ("in_progress", "tech", "suspend", {"resume_at": "LATER"}, "suspend_reason"),
        ("in_progress", "tech", "suspend", {"suspend_reason": "x", "resume_at": "LATER"},
         "suspend_reason"),
        ("in_progress", "tech", "suspend",
         {"suspend_reason": "awaiting_info", "resume_at": "2020-01-01T00:00:00+08:00"},
         "resume_at"),
        ("in_progress", "tech", "suspend", {"suspend_reason": "awaiting_info",
                                             "resume_at": "soon"}, "resume_at"),
        ("in_progress", "agent", "escalate", {"level": 0, "reason": "x"}, "level"),
        ("in_progress", "agent", "escalate", {"reason": ""}, "reason"),
        ("in_progress", "tech", "resolve", {"resolution": "x"}, "resolution_code"),
        ("in_progress", "tech", "resolve", {"resolution_code": "fixed", "resolution": "  "},
         "resolution"),
        ("resolved", "requester", "close", {"satisfaction": 9}, "satisfaction"),
        ("resolved", "agent", "close", {"close_method": "requester"}, "close_method"),
        ("resolved", "agent", "close", {"close_method": "automatic"}, "close_method"),
        ("resolved", "agent", "close", {"closing_category": "nosuch"}, "closing_category"),
        ("incident", "agent", "cancel", {}, "reason"),
        ("incident", "agent", "cancel", {"reason": "x", "extra": 1}, "extra"),
    ],
)  # fmt: skip
def test_bad_fields_are_400_per_field(world, api, prepare, who, action, body, field):
    incident = getattr(world, prepare)()
    body = {k: (later() if v == "LATER" else v) for k, v in body.items()}
    response = api(getattr(world, who)).post(url(incident, action), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert reload(incident).version == incident.version


def test_inactive_resolution_code_is_400_on_resolution_code(world, api):
    incident = world.in_progress()
    ResolutionCode.objects.filter(code="fixed").update(active=False)
    response = api(world.tech).post(
        url(incident, "resolve"), {"resolution_code": "fixed", "resolution": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "resolution_code" in response.json()


def test_stale_if_match_is_412(world, api):
    incident = world.assigned()
    stale = incident.etag
    services.incident_escalate(incident=incident, by=world.agent, reason="VIP")
    response = api(world.tech).post(url(incident, "accept"), {}, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response.json()["etag"] == reload(incident).etag
    assert reload(incident).status == "assigned"


def test_if_match_star_and_weak_tags(world, api):
    incident = world.assigned()
    client = api(world.tech)
    response = client.post(url(incident, "accept"), {}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200
    incident = reload(incident)
    response = client.post(
        url(incident, "escalate"),
        {"reason": "x"},
        format="json",
        HTTP_IF_MATCH=f'"other", W/{incident.etag}',
    )
    assert response.status_code == 200


def test_unknown_action_or_incident_is_404(world, api):
    incident = world.incident()
    client = api(world.agent)
    assert client.post(url(incident, "explode"), {}, format="json").status_code == 404
    fake = Incident(number="INC-2026-999999")
    assert client.post(url(fake, "accept"), {}, format="json").status_code == 404
