"""Reference data: sections, categories, people (limited fields), SLA data, priority matrix."""

import re

import pytest

from incidents.models import PriorityMatrixEntry, ResolutionCode
from sla.api.serializers import LOCAL_TIME_PATTERN
from tests.incidents.factories import DelayReasonFactory, ResolutionCodeFactory

pytestmark = pytest.mark.django_db

V1 = "/api/v1/"


def test_departments(world, api):
    client = api(world.tech)
    response = client.get(f"{V1}departments/")
    assert response.status_code == 200
    codes = [d["code"] for d in response.json()]
    assert {"servicedesk", "network", "systems", "eport"} <= set(codes)
    one = client.get(f"{V1}departments/network/").json()
    assert one["kind"] == "technical"
    assert one["lead"] == "w_netlead"
    assert client.get(f"{V1}departments/nosuch/").status_code == 404
    assert [d["code"] for d in client.get(f"{V1}departments/", {"kind": "vendor"}).json()] == [
        "eport"
    ]
    assert client.get(f"{V1}departments/", {"kind": "nosuch"}).status_code == 400


def test_categories(world, api):
    client = api(world.requester)
    response = client.get(f"{V1}categories/")
    assert response.status_code == 200
    [category] = response.json()
    assert category["code"] == "network-lan"
    assert category["default_department"] == "network"
    assert client.get(f"{V1}categories/network-lan/").json()["name_en"]
    assert client.get(f"{V1}categories/nosuch/").status_code == 404


def test_users_have_limited_fields(world, api):
    client = api(world.agent)
    response = client.get(f"{V1}users/", {"department": "network"})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {u["username"] for u in rows} == {"w_net1", "w_net2", "w_netlead"}
    assert set(rows[0]) == {"username", "full_name", "is_active", "roles", "sections"}
    lead = client.get(f"{V1}users/w_netlead/").json()
    assert lead["roles"] == ["section_lead"]
    assert lead["sections"] == [
        {"department": "network", "role": "section_lead", "is_primary": True, "on_duty": True}
    ]
    assert lead["full_name"] == "试测"
    assert {
        u["username"] for u in client.get(f"{V1}users/", {"role": "vendor"}).json()["results"]
    } == {"w_vendor"}
    assert client.get(f"{V1}users/", {"q": "sys"}).json()["results"][0]["username"] == "w_sys1"
    assert client.get(f"{V1}users/nobody/").status_code == 404
    assert client.get(f"{V1}users/", {"role": "king"}).status_code == 400


@pytest.mark.parametrize("who", ["requester", "vendor"])
@pytest.mark.parametrize(
    "path",
    [
        "users/",
        "sla/policies/",
        "sla/calendars/",
        "suspend-reasons/",
        "resolution-codes/",
        "delay-reasons/",
    ],
)
def test_directory_and_sla_data_are_for_staff_and_systems(world, api, who, path):
    assert api(getattr(world, who)).get(f"{V1}{path}").status_code == 403


def test_sla_policies_and_calendars(world, api, sla_data):
    client = api(world.system)
    policies = client.get(f"{V1}sla/policies/").json()
    assert policies
    p = policies[0]
    assert p["response_target"].startswith("P")
    assert "thresholds" in p
    assert client.get(f"{V1}sla/policies/{p['code']}/").status_code == 200
    calendars = client.get(f"{V1}sla/calendars/").json()
    standard = next(c for c in calendars if c["code"] == "standard")
    assert "days" not in standard
    assert standard["periods"]
    detail = client.get(f"{V1}sla/calendars/standard/").json()
    assert isinstance(detail["days"], list)
    assert client.get(f"{V1}sla/calendars/nosuch/").status_code == 404


def test_working_periods_answer_what_the_schema_says(world, api, sla_data, client):
    """``HH:MM:SS`` local times: a pattern in the schema, not ``format: time`` (RFC 3339's
    time with an offset, which the answer rightly lacks)."""
    schema = client.get("/api/schema/?format=json").json()
    for name in ("start", "end"):
        field = schema["components"]["schemas"]["WorkingPeriod"]["properties"][name]
        assert "format" not in field
        assert field["pattern"] == LOCAL_TIME_PATTERN
    periods = api(world.system).get(f"{V1}sla/calendars/standard/").json()["periods"]
    assert periods
    for period in periods:
        assert re.match(LOCAL_TIME_PATTERN, period["start"])
        assert re.match(LOCAL_TIME_PATTERN, period["end"])
    assert {p["start"] for p in periods} >= {"08:30:00", "13:30:00"}


def test_priority_matrix(world, api):
    PriorityMatrixEntry.objects.update_or_create(impact=3, urgency=3, defaults={"priority": "P3"})
    cells = api(world.requester).get(f"{V1}priority-matrix/").json()["cells"]
    assert len(cells) == 9
    assert {"impact": 1, "urgency": 1, "priority": "P1"} in cells
    assert {"impact": 3, "urgency": 3, "priority": "P3"} in cells


def test_suspend_reasons(world, api):
    client = api(world.system)
    rows = client.get(f"{V1}suspend-reasons/").json()
    assert [r["code"] for r in rows] == ["awaiting_info", "awaiting_vendor"]
    assert rows[0] == {
        "code": "awaiting_info",
        "name": "等待用户提供信息",
        "name_zh": "等待用户提供信息",
        "name_en": "Awaiting information from the requester",
        "active": True,
        "stops_clock": True,
        "awaits_requester": True,
        "max_duration_minutes": 3 * 24 * 60,
    }
    assert client.get(f"{V1}suspend-reasons/awaiting_vendor/").json()["stops_clock"] is False
    assert client.get(f"{V1}suspend-reasons/nosuch/").status_code == 404


@pytest.mark.parametrize(
    ("path", "make"),
    [("resolution-codes/", ResolutionCodeFactory), ("delay-reasons/", DelayReasonFactory)],
)
def test_code_lists_include_retired_codes_marked(world, api, path, make):
    make()
    make(code="old", name_zh="旧代码", name_en="Old", active=False)
    client = api(world.tech)
    rows = client.get(f"{V1}{path}").json()
    assert [(r["code"], r["active"]) for r in rows if r["code"] == "old"] == [("old", False)]
    assert set(rows[0]) == {"code", "name", "name_zh", "name_en", "active"}
    assert client.get(f"{V1}{path}old/").json()["name_en"] == "Old"
    assert client.get(f"{V1}{path}nosuch/").status_code == 404
    assert ResolutionCode.objects.filter(code="fixed").exists()
