"""``GET /api/v1/reports/kpis/`` and ``…/kpis/{name}/incidents/``: scopes per role, 400 per
field, drill-down lists whose count equals the figure, constant queries, the schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import services
from itsm.roles import Role
from tests.itsm.factories import make_user

pytestmark = pytest.mark.django_db

KPIS = "/api/v1/reports/kpis/"
NOV = "from=2026-11-01&to=2026-11-30"


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_director_and_incident_manager_see_every_kpi(client, scenario):
    w = scenario.world
    for user in (w.director, w.incident_manager):
        answer = get(client, user, f"{KPIS}?{NOV}").json()
        assert answer["from"] == "2026-11-01"
        assert answer["to"] == "2026-11-30"
        assert answer["filters"]["department"] is None
        assert answer["kpis"]["volume"]["total"] == 7
        assert answer["kpis"]["resolution_sla"] == {"met": 5, "total": 6, "rate": 0.8333}
        assert len(answer["kpis"]) == 17


def test_desk_manager_sees_the_whole_division(client, scenario):
    answer = get(client, scenario.world.desk_manager, f"{KPIS}?{NOV}").json()
    assert answer["kpis"]["volume"]["total"] == 7


def test_a_lead_sees_their_section_only(client, scenario):
    w = scenario.world
    kpis = get(client, w.lead, f"{KPIS}?{NOV}").json()["kpis"]
    assert kpis["volume"]["total"] == 5  # B–F, held by network
    assert [e["department"] for e in kpis["ola"]["by_department"]] == ["network"]
    sys_kpis = get(client, w.sys_lead, f"{KPIS}?{NOV}").json()["kpis"]
    assert sys_kpis["volume"]["total"] == 1  # G
    assert [e["department"] for e in sys_kpis["handovers"]["by_department"]] == ["systems"]
    # Another section's drill-down list stays inside their own section.
    listed = get(client, w.sys_lead, f"{KPIS}volume/incidents/?{NOV}").json()["results"]
    assert [i["title"] for i in listed] == ["G"]


def test_a_technician_sees_their_own_workload_only(client, scenario):
    w = scenario.world
    kpis = get(client, w.tech, f"{KPIS}?{NOV}").json()["kpis"]
    assert list(kpis) == ["workload"]
    assert kpis["workload"] == [
        {
            "assignee": "w_net1",
            "assignee_name": kpis["workload"][0]["assignee_name"],
            "open": 0,
            "accepted": 7,
            "resolved": 5,
        }
    ]
    response = get(client, w.tech, f"{KPIS}volume/incidents/?{NOV}")
    assert response.status_code == 403
    response = get(client, w.tech, f"{KPIS}workload/incidents/?{NOV}&part=resolved")
    assert len(response.json()["results"]) == 5


@pytest.mark.parametrize("who", ["requester", "vendor", "agent", "system"])
def test_others_are_refused_with_the_reason(client, world, who):
    response = get(client, getattr(world, who), KPIS)
    assert response.status_code == 403
    assert "director" in response.json()["detail"].lower() or "处长" in response.json()["detail"]


def test_anonymous_is_refused(client, world):
    assert client.get(KPIS).status_code in (401, 403)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01&to=2026-11-30", "from"),
        ("from=2026-11-30&to=2026-11-01", "to"),
        ("from=2026-11-01", "to"),
        ("from=2020-01-01&to=2026-11-30", "to"),
        ("department=nosuch", "department"),
        ("category=nosuch", "category"),
        ("priority=P9", "priority"),
        ("nature=gossip", "nature"),
        ("source=pigeon", "source"),
        ("period=decade", "period"),
    ],
)
def test_bad_parameters_answer_400_per_field(client, world, query, field):
    response = get(client, world.director, f"{KPIS}?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    response = get(client, world.director, f"{KPIS}mttr/incidents/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_bad_part_or_key_answer_400_and_unknown_name_404(client, world):
    director = world.director
    assert list(get(client, director, f"{KPIS}mttr/incidents/?part=all").json()) == ["part"]
    assert list(get(client, director, f"{KPIS}backlog/incidents/?key=old").json()) == ["key"]
    assert list(get(client, director, f"{KPIS}ola/incidents/?key=nosuch").json()) == ["key"]
    assert get(client, director, f"{KPIS}nosuch/incidents/").status_code == 404


def test_drill_down_lists_as_many_incidents_as_the_figure(client, scenario):
    w = scenario.world
    kpis = get(client, w.director, f"{KPIS}?{NOV}").json()["kpis"]

    def listed(path):
        rows = get(client, w.director, f"{KPIS}{path}&page_size=200").json()["results"]
        return len(rows)

    assert listed(f"volume/incidents/?{NOV}") == kpis["volume"]["total"]
    assert listed(f"resolution_sla/incidents/?{NOV}") == kpis["resolution_sla"]["met"]
    assert listed(f"resolution_sla/incidents/?{NOV}&part=total") == 6
    assert listed(f"ola/incidents/?{NOV}&key=network&part=total") == 7
    assert listed(f"backlog/incidents/?{NOV}&key=lt1") == 1
    rows = get(client, w.director, f"{KPIS}major_incidents/incidents/?{NOV}").json()["results"]
    assert [(r["title"], r["priority"], r["is_major"]) for r in rows] == [("F", "P1", True)]


def test_filters_reach_the_api(client, scenario):
    w = scenario.world
    answer = get(client, w.director, f"{KPIS}?{NOV}&department=network&priority=P1").json()
    assert answer["filters"]["department"] == "network"
    assert answer["kpis"]["volume"]["total"] == 1
    answer = get(client, w.director, f"{KPIS}?{NOV}&category=kpi-net").json()
    assert answer["kpis"]["volume"]["total"] == 1


def _queries(client, url) -> int:
    client.get(url)  # warm the per-process caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_the_data(client, world):
    client.force_login(world.director)
    url = f"{KPIS}?from=2026-01-01&to=2026-12-31"
    listing = f"{KPIS}volume/incidents/?from=2026-01-01&to=2026-12-31&page_size=100"
    for i in range(3):
        world.resolved(title=f"少{i}")
    few, few_list = _queries(client, url), _queries(client, listing)
    for i in range(12):
        inc = world.resolved(title=f"多{i}")
        services.incident_close(incident=inc, by=world.requester, satisfaction=1 + i % 5)
    many, many_list = _queries(client, url), _queries(client, listing)
    assert many == few, (few, many)
    assert many_list == few_list, (few_list, many_list)
    assert many <= 40


def test_a_vendor_lead_sees_the_vendor_section(client, world):
    lead = make_user(Role.SECTION_LEAD, section=world.vendor_section, username="w_vlead")
    answer = get(client, lead, KPIS).json()
    assert answer["kpis"]["volume"]["total"] == 0


def test_schema_documents_the_kpi_endpoints(client, world):
    client.force_login(world.director)
    schema = client.get("/api/schema/?format=json").json()
    kpis = schema["paths"]["/api/v1/reports/kpis/"]["get"]
    assert {p["name"] for p in kpis["parameters"]} >= {
        "from",
        "to",
        "department",
        "category",
        "priority",
        "nature",
        "source",
    }
    assert "400" in kpis["responses"]
    assert "403" in kpis["responses"]
    drill = schema["paths"]["/api/v1/reports/kpis/{name}/incidents/"]["get"]
    assert {"part", "key", "name"} <= {p["name"] for p in drill["parameters"]}
