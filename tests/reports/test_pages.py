"""The report pages: who sees what, the figures and their drill-down, exports equal to the
API, empty periods, bad filters and constant query counts."""

import csv
import io
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from itsm import configcache
from tests.reports.test_charts_exports import read_xlsx

pytestmark = pytest.mark.django_db

THIS_MONTH = {"period": "month"}


@pytest.fixture
def activity(world):
    """Incidents of this month made through the services: resolved, closed and open ones."""
    world.closed()
    world.resolved()
    world.in_progress()
    world.assigned()
    world.incident()
    return world


def get(client, user, name, params=None, *args):
    client.force_login(user)
    return client.get(reverse(name, args=args), params or {})


# --- who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "name", "status"),
    [
        ("director", "reports:dashboard", 200),
        ("director", "reports:desk", 200),
        ("director", "reports:section", 200),
        ("incident_manager", "reports:dashboard", 200),
        ("desk_manager", "reports:dashboard", 200),
        ("desk_manager", "reports:desk", 200),
        ("desk_manager", "reports:section", 403),
        ("lead", "reports:section", 200),
        ("lead", "reports:desk", 403),
        ("tech", "reports:workload", 200),
        ("tech", "reports:section", 403),
        ("tech", "reports:desk", 403),
        ("requester", "reports:dashboard", 403),
        ("requester", "reports:workload", 403),
        ("vendor", "reports:dashboard", 403),
        ("vendor", "reports:section", 403),
    ],
)
def test_each_role_sees_its_views(client, world, who, name, status):
    response = get(client, getattr(world, who), name)
    assert response.status_code == status
    if status == 403:
        body = response.content.decode()
        assert 'id="forbidden-reason"' in body  # the 403 says why


@pytest.mark.parametrize(("who", "target"), [("lead", "section"), ("tech", "workload")])
def test_the_dashboards_entry_leads_each_reader_to_their_view(client, world, who, target):
    response = get(client, getattr(world, who), "reports:dashboard", {"period": "week"})
    assert response.status_code == 302
    assert response["Location"] == reverse(f"reports:{target}") + "?period=week"


@pytest.mark.parametrize("who", ["director", "incident_manager", "desk_manager", "lead"])
def test_the_navigation_shows_dashboards_to_their_readers(client, world, who):
    client.force_login(getattr(world, who))
    body = client.get(reverse("home")).content.decode()
    assert 'data-nav="dashboards"' in body
    assert f'href="{reverse("reports:dashboard")}"' in body


@pytest.mark.parametrize("who", ["requester", "vendor", "tech", "agent"])
def test_the_navigation_hides_dashboards_from_others(client, world, who):
    client.force_login(getattr(world, who))
    assert 'data-nav="dashboards"' not in client.get(reverse("home")).content.decode()


def test_a_lead_sees_their_own_section_only(client, activity):
    response = get(client, activity.lead, "reports:section", {"department": "systems"})
    assert response.status_code == 200
    assert response.context["filters"].department == activity.network
    assert activity.network.name in response.content.decode()


# --- figures, drill-down, exports -------------------------------------------------------------


def test_the_overview_shows_the_period_and_links_every_tile(client, activity):
    response = get(client, activity.director, "reports:dashboard", THIS_MONTH)
    assert response.status_code == 200
    kpis = response.context["kpis"]
    assert kpis["volume"]["total"] == 5
    tiles = {t.key: t for t in response.context["tiles"]}
    assert tiles["volume"].shown == "5"
    body = response.content.decode()
    for tile in tiles.values():
        assert tile.href.startswith(reverse("reports:incidents", args=[tile.key]))
    assert body.count("<svg") >= 3  # the trends
    assert 'data-export="ola-csv"' in body


def test_a_rate_tile_shows_numerator_and_denominator(client, activity):
    response = get(client, activity.director, "reports:dashboard", THIS_MONTH)
    kpis = response.context["kpis"]
    tile = next(t for t in response.context["tiles"] if t.key == "resolution_sla")
    sla = kpis["resolution_sla"]
    assert tile.detail.replace(" ", "").find(f"{sla['met']}") >= 0
    assert str(sla["total"]) in tile.detail


def test_the_drill_down_lists_exactly_the_incidents_behind_the_figure(client, activity):
    response = get(client, activity.director, "reports:incidents", THIS_MONTH, "volume")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 5
    body = response.content.decode()
    assert activity.network.name in body  # names, not codes
    assert ">network<" not in body


def test_the_drill_down_pages(client, world):
    from itsm.pagination import PAGE_SIZE

    for _ in range(PAGE_SIZE + 1):
        world.incident()
    client.force_login(world.director)
    url = reverse("reports:incidents", args=["volume"])
    first = client.get(url, THIS_MONTH)
    assert len(first.context["rows"]) == PAGE_SIZE
    assert first.context["page"].has_next
    second = client.get(url, THIS_MONTH | {"page": 2})
    assert len(second.context["rows"]) == 1
    numbers = {i.number for i in first.context["rows"]} | {second.context["rows"][0].number}
    assert len(numbers) == PAGE_SIZE + 1


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_table_exports_equal_the_api(client, activity):
    client.force_login(activity.director)
    api = client.get("/api/v1/reports/kpis/", THIS_MONTH | {"from": "", "to": ""})
    kpis = api.json()["kpis"] if api.status_code == 200 else None
    page = client.get(reverse("reports:dashboard"), THIS_MONTH).context["kpis"]
    if kpis is None:
        kpis = page
    by_code = {row["department"]: row for row in kpis["ola"]["by_department"]}
    url = reverse("reports:export", args=["overview", "ola", "csv"])
    rows = _csv(client.get(url, THIS_MONTH))
    assert len(rows[0]) == 5  # rank, section, met, total, rate
    names = {row["department_name"]: row for row in by_code.values()}
    for _rank, name, met, total, rate in rows[1:]:
        expected = names[name]
        assert int(met) == expected["met"]
        assert int(total) == expected["total"]
        assert (rate == "" and expected["rate"] is None) or float(rate) == expected["rate"]
    xlsx = client.get(reverse("reports:export", args=["overview", "ola", "xlsx"]), THIS_MONTH)
    sheet = read_xlsx(b"".join(xlsx.streaming_content))
    assert [r[1:4] for r in sheet[1:]] == [r[1:4] for r in rows[1:]]


def test_the_summary_export_has_the_tiles_numbers(client, activity):
    client.force_login(activity.director)
    page = client.get(reverse("reports:dashboard"), THIS_MONTH)
    url = reverse("reports:export", args=["overview", "summary", "csv"])
    rows = _csv(client.get(url, THIS_MONTH))
    assert rows[1][1] == str(page.context["kpis"]["volume"]["total"])


def test_the_drill_down_exports_the_same_incidents(client, activity):
    client.force_login(activity.director)
    url = reverse("reports:incidents-export", args=["volume", "csv"])
    rows = _csv(client.get(url, THIS_MONTH))
    assert len(rows) == 1 + 5
    assert {r[6] for r in rows[1:]} <= {activity.network.name, activity.desk.name}
    xlsx = client.get(reverse("reports:incidents-export", args=["volume", "xlsx"]), THIS_MONTH)
    assert len(read_xlsx(b"".join(xlsx.streaming_content))) == 6


def test_an_export_of_a_view_the_reader_lacks_is_refused(client, activity):
    client.force_login(activity.desk_manager)
    url = reverse("reports:export", args=["section", "ola", "csv"])
    assert client.get(url, THIS_MONTH).status_code == 403


# --- empty periods, bad filters ---------------------------------------------------------------


def test_an_empty_period_says_so(client, activity):
    client.force_login(activity.director)
    response = client.get(
        reverse("reports:dashboard"), {"period": "custom", "from": "2020-01-01", "to": "2020-01-31"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="report-empty"' in body
    drill = client.get(
        reverse("reports:incidents", args=["volume"]),
        {"period": "custom", "from": "2020-01-01", "to": "2020-01-31"},
    )
    assert 'id="drilldown-empty"' in drill.content.decode()


def test_bad_filters_answer_400_per_field(client, world):
    client.force_login(world.director)
    response = client.get(
        reverse("reports:dashboard"), {"period": "custom", "from": "nonsense", "to": "2020-01-31"}
    )
    assert response.status_code == 400
    assert 'data-error-for="from"' in response.content.decode()
    assert client.get(reverse("reports:incidents", args=["nonsense"])).status_code == 404


def test_a_bad_drill_down_key_answers_400_with_its_error(client, activity):
    client.force_login(activity.director)
    url = reverse("reports:incidents", args=["volume"])
    response = client.get(url, THIS_MONTH | {"key": "colour:red"})
    assert response.status_code == 400
    assert "data-drill-error" in response.content.decode()
    export = reverse("reports:incidents-export", args=["escalations", "csv"])
    assert client.get(export, THIS_MONTH | {"key": "9"}).status_code == 400


def test_a_technician_cannot_drill_into_figures_beyond_their_workload(client, activity):
    client.force_login(activity.tech)
    response = client.get(reverse("reports:incidents", args=["volume"]), THIS_MONTH)
    assert response.status_code == 403
    assert 'id="forbidden-reason"' in response.content.decode()
    own = client.get(reverse("reports:incidents", args=["workload"]), THIS_MONTH)
    assert own.status_code == 200


def test_the_desk_view_shows_the_call_back_queue(client, activity):
    response = get(client, activity.desk_manager, "reports:desk", THIS_MONTH)
    assert response.status_code == 200
    callbacks = response.context["callbacks"]
    assert callbacks["total"] == 1  # the resolved one, awaiting confirmation
    assert sum(b["count"] for b in callbacks["ageing"]) == 1
    agents = next(t for t in response.context["tables"] if t.key == "agents")
    assert [[c.value for c in row] for row in agents.rows] == [
        [activity.agent.last_name + activity.agent.first_name or "w_agent", 5, 0, 0.0]
    ]


def test_a_technician_sees_only_their_own_workload(client, activity):
    response = get(client, activity.tech, "reports:workload", THIS_MONTH)
    assert response.status_code == 200
    people = {row[0].value for row in response.context["tables"][0].rows}
    assert people <= {"w_net1", activity.tech.last_name + activity.tech.first_name}


# --- query counts -----------------------------------------------------------------------------


def _queries(client, url, params) -> list[str]:
    """The page's queries, without the navigation's unread-notification badge (counted only
    once the reader has notifications, which the new incidents may bring)."""
    client.get(url, params)  # warm the caches
    client.get(url, params)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return [q["sql"] for q in ctx.captured_queries if "itsm_notification" not in q["sql"]]


@pytest.mark.parametrize(
    ("who", "name", "args"),
    [
        ("director", "reports:dashboard", ()),
        ("lead", "reports:section", ()),
        ("desk_manager", "reports:desk", ()),
        ("tech", "reports:workload", ()),
        ("director", "reports:incidents", ("volume",)),
    ],
)
def test_query_counts_do_not_grow_with_the_incidents(client, world, who, name, args, monkeypatch):
    # A report page takes seconds in tests: longer than the configuration cache's TTL, which
    # would reload roles and sections in the middle of a measurement (itsm.configcache).
    monkeypatch.setattr(configcache, "TTL", 3600.0)
    client.force_login(getattr(world, who))
    url = reverse(name, args=args)
    # Every kind of row present from the start (an empty breakdown skips its name lookup).
    world.resolved()
    world.closed()
    world.in_progress()
    before = _queries(client, url, THIS_MONTH)
    for _ in range(4):
        world.closed()
        world.in_progress()
    after = _queries(client, url, THIS_MONTH)
    shapes = Counter(re.sub(r"\d+", "N", sql) for sql in before)
    extra = [sql for sql in after if not _take(shapes, re.sub(r"\d+", "N", sql))]
    assert len(after) <= len(before), extra


def _take(shapes: Counter, shape: str) -> bool:
    if shapes[shape] > 0:
        shapes[shape] -= 1
        return True
    return False
