"""Every KPI on the scripted week (tests/reports/conftest.py), each expected value worked out
by hand below from the calendar: Mon–Fri 08:30–12:00 and 13:30–17:30, Wednesday 25 a
holiday; response 1 h, resolution 8 h; OLA desk 1 h, sections accept 30 min / 4 h.

Business minutes of each incident (created → accepted; created → resolved):
  A  Mon 09:00 → resolved at first contact 09:20                      20 / 20
  B  Mon 11:00 → accepted 11:30 → resolved 14:30 (lunch 12:00–13:30)  30 / 60 + 60 = 120
  C  Tue 09:00 → accepted 09:20 → resolved Thu 09:00 (Wed holiday)    20 / 180 + 240 + 30 = 450
  D  Mon 14:00 → accepted 14:20, suspended 15:00 (clock stops) to Tue 09:30, resolved
     10:30, reopened 11:00, resolved 14:00                          20 / 60 + 60 + 60 + 30 = 210
  E  Thu 09:00 → accepted 09:20, suspended awaiting the vendor (the clock runs) → 11:30
                                                                     20 / 150
  F  Thu 14:00 (P1) → accepted 15:30 (response breached) → Fri 17:00  90 / 210 + 210 + 210 = 630
  G  Fri 10:00 → accepted 10:20, open                                 20 / —
  H  logged in October, still new.
"""

from datetime import date

import pytest

from reports import kpis
from reports.filters import KpiFilters
from reports.kpis_sql import duration_stats
from reports.scopes import ReportScope
from tests.reports.conftest import NOVEMBER

pytestmark = pytest.mark.django_db

ALL = ReportScope(True, frozenset(), None, frozenset({"overview"}))
M = 60  # seconds in a minute


@pytest.fixture
def figures(scenario):
    return kpis.kpis_compute(NOVEMBER, ALL)


def test_volume_counts_the_incidents_created_in_the_period(figures):
    volume = figures["volume"]
    assert volume["total"] == 7  # A–G; H was logged in October
    assert {e["code"]: e["count"] for e in volume["by_nature"]} == {
        "fault": 6,
        "request": 0,
        "inquiry": 1,
        "complaint": 0,
    }
    assert {e["code"]: e["count"] for e in volume["by_source"]}["phone"] == 6
    assert {e["code"]: e["count"] for e in volume["by_source"]}["web"] == 1
    assert {e["code"]: e["count"] for e in volume["by_priority"]} == {
        "P1": 1,
        "P2": 0,
        "P3": 6,
        "P4": 0,
    }
    hours = [0] * 24
    hours[9], hours[10], hours[11], hours[14] = 3, 1, 1, 2  # A C E; G; B; D F
    assert volume["by_hour"] == hours
    assert volume["by_weekday"] == [3, 1, 0, 2, 1, 0, 0]  # Mon A B D, Tue C, Thu E F, Fri G
    assert {e["code"]: e["count"] for e in volume["by_category"]} == {
        "network-lan": 6,
        "kpi-net-wifi": 1,
    }


def test_mtta_wall_and_business(figures):
    mtta = figures["mtta"]
    assert mtta["count"] == 7
    # 20, 30, 20, 20, 20, 90, 20 minutes, all inside working hours: wall = business.
    assert mtta["mean_seconds"] == round((5 * 20 + 30 + 90) * M / 7, 1) == 1885.7
    assert mtta["median_seconds"] == 20 * M
    assert mtta["p90_seconds"] == 30 * M + 0.4 * 60 * M  # rank 5.4 between 30 and 90 min
    assert mtta["business_mean_seconds"] == 1885.7
    assert mtta["business_median_seconds"] == 1200
    assert mtta["business_p90_seconds"] == 3240


def test_mttr_wall_and_business_from_the_clocks(figures):
    mttr = figures["mttr"]
    assert mttr["count"] == 6
    # wall: A 20 min, B 3.5 h, C 48 h, D 24 h (created → latest resolution), E 2.5 h, F 27 h
    wall = sorted([1200, 12600, 172800, 86400, 9000, 97200])
    assert mttr["mean_seconds"] == sum(wall) / 6 == 63200
    assert mttr["median_seconds"] == (12600 + 86400) / 2
    assert mttr["p90_seconds"] == 97200 + 0.5 * (172800 - 97200)
    # business: 20, 120, 450, 210, 150, 630 minutes
    business = sorted(m * M for m in (20, 120, 450, 210, 150, 630))
    assert mttr["business_mean_seconds"] == sum(business) / 6 == 15800
    assert mttr["business_median_seconds"] == (150 + 210) * M / 2
    assert mttr["business_p90_seconds"] == 450 * M + 0.5 * (630 - 450) * M


def test_sla_compliance(figures):
    # Response: F accepted after 90 min of a 60-minute target; G met; H still running.
    assert figures["response_sla"] == {"met": 6, "total": 7, "rate": round(6 / 7, 4)}
    # Resolution: F used 630 of 480 minutes; C 450 only thanks to the holiday.
    assert figures["resolution_sla"] == {"met": 5, "total": 6, "rate": round(5 / 6, 4)}


def test_ola_per_section(figures):
    ola = figures["ola"]
    by = {e["department"]: (e["met"], e["total"]) for e in ola["by_department"]}
    # desk: the first stay of A–G, all within 1 h.
    # network: B, C before the hand-over, D twice (the pause stops its OLA too: 110 min),
    # E: met; C after the bounce (370 min) and F (620 min, accepted after 80): overrun.
    # systems: C's 20 minutes before the bounce. G's stay at systems has not ended.
    assert by == {"servicedesk": (7, 7), "network": (5, 7), "systems": (1, 1)}
    assert (ola["met"], ola["total"]) == (13, 15)
    assert ola["by_department"][0]["department"] == "network"  # the worst first
    assert ola["by_department"][0]["department_name"]


def test_first_contact_resolution_and_reopen(figures):
    assert figures["first_contact_resolution"] == {"count": 1, "total": 6, "rate": 0.1667}
    # Closed in November: A, B, C, D; D was reopened.
    assert figures["reopen"] == {"count": 1, "total": 4, "rate": 0.25}


def test_backlog_and_ageing(figures):
    backlog = figures["backlog"]
    assert backlog["at"].startswith("2026-11-27T17:10")  # now: the period has not ended
    assert backlog["open"] == 2  # G, and H from October
    assert {b["bucket"]: b["count"] for b in backlog["ageing"]} == {
        "lt1": 1,
        "1-3": 0,
        "3-7": 0,
        "7-30": 1,
        "gt30": 0,
    }


def test_handovers_and_bounces(figures):
    handovers = figures["handovers"]
    assert handovers["incidents"] == 6
    assert handovers["handovers"] == 1  # C network → systems (a dispatch is not one)
    assert handovers["bounces"] == 1  # systems returned C
    assert handovers["passed"] == 1
    assert handovers["per_incident"] == round(1 / 6, 4)
    assert handovers["by_department"] == [
        {
            "department": "systems",
            "department_name": handovers["by_department"][0]["department_name"],
            "received": 1,
            "bounced": 1,
            "index": 2,
        }
    ]


def test_section_share_of_business_time(figures):
    share = {e["department"]: e["seconds"] for e in figures["section_share"]}
    # desk: A 20 + six stays of 10 minutes; network: B 110, C 50 + 370, D 110 + 90, E 140,
    # F 620; systems: C 20.
    assert share == {"servicedesk": 80 * M, "network": 1490 * M, "systems": 20 * M}
    shares = {e["department"]: e["share"] for e in figures["section_share"]}
    assert shares == {
        "servicedesk": round(80 / 1590, 4),
        "network": round(1490 / 1590, 4),
        "systems": round(20 / 1590, 4),
    }


def test_delay_reasons_escalations_major(figures):
    assert [(e["code"], e["count"]) for e in figures["delay_reasons"]] == [
        ("awaiting_parts", 1),  # C's second stay at network
        (None, 1),  # F: no reason recorded
    ]
    assert [(e["level"], e["count"]) for e in figures["escalations"]] == [(1, 0), (2, 1), (3, 0)]
    assert figures["major_incidents"] == {
        "count": 1,
        "resolved": 1,
        "mean_duration_seconds": 27 * 3600.0,
    }


def test_satisfaction(figures):
    assert figures["satisfaction"] == {
        "responses": 3,  # A 5, B 4, D 2; C closed without a rating
        "closed": 4,
        "response_rate": 0.75,
        "mean": round(11 / 3, 2),
        "distribution": [
            {"score": 1, "count": 0},
            {"score": 2, "count": 1},
            {"score": 3, "count": 0},
            {"score": 4, "count": 1},
            {"score": 5, "count": 1},
        ],
    }


def test_workload(figures):
    rows = {e["assignee"]: (e["open"], e["accepted"], e["resolved"]) for e in figures["workload"]}
    # net1 accepted B, C twice, D (and its reopened stay), E, F; resolved B–F.
    assert rows == {"w_sys1": (1, 1, 0), "w_net1": (0, 7, 5), "w_agent": (0, 0, 1)}
    assert figures["workload"][0]["assignee"] == "w_sys1"
    assert figures["workload"][0]["assignee_name"]


def test_collaboration(figures):
    collab = figures["collaboration"]
    assert collab["incidents"] == 1  # C
    assert collab["mean_seconds"] == 48 * 3600
    assert collab["business_mean_seconds"] == 450 * M
    assert (collab["on_time"], collab["total"], collab["rate"]) == (3, 4, 0.75)
    assert {e["department"]: e["seconds"] for e in collab["by_department"]} == {
        "servicedesk": 10 * M,
        "network": 420 * M,
        "systems": 20 * M,
    }
    assert [(e["code"], e["count"]) for e in collab["delay_reasons"]] == [("awaiting_parts", 1)]


def test_every_kpi_has_a_definition_and_a_figure(figures):
    assert set(figures) == set(kpis.KPI_NAMES)
    for kpi in kpis.DEFINITIONS:
        assert kpi.counts
        assert kpi.formula
        assert kpi.time


# --- filters ----------------------------------------------------------------------------


def _filtered(**kwargs):
    return kpis.kpis_compute(
        KpiFilters(date(2026, 11, 1), date(2026, 11, 30), **kwargs), ALL, names=["volume"]
    )["volume"]["total"]


def test_filters(scenario):
    w = scenario.world
    assert _filtered(department=w.network) == 5  # B–F are held by network
    assert _filtered(department=w.systems) == 1  # G
    assert _filtered(priority="P1") == 1
    assert _filtered(nature="inquiry") == 1
    assert _filtered(source="web") == 1
    assert _filtered(category=scenario.parent) == 1  # E, in the child category
    assert _filtered(category=scenario.child) == 1
    week = kpis.kpis_compute(
        KpiFilters(date(2026, 11, 26), date(2026, 11, 26)), ALL, names=["volume", "mttr"]
    )
    assert week["volume"]["total"] == 2  # E, F created on Thursday
    assert week["mttr"]["count"] == 2  # C and E resolved on Thursday
    assert KpiFilters(date(2026, 11, 1), date(2026, 11, 30)).previous() == KpiFilters(
        date(2026, 10, 2), date(2026, 10, 31)
    )


# --- drill-downs --------------------------------------------------------------------------


def _count(name, **kwargs):
    return kpis.kpi_incidents(name, NOVEMBER, ALL, **kwargs).count()


def test_drill_down_counts_equal_the_figures(figures, scenario):
    assert _count("volume") == figures["volume"]["total"]
    assert _count("volume", key="priority:P1") == 1
    assert _count("volume", key="hour:9") == 3
    assert _count("mtta") == figures["mtta"]["count"]
    assert _count("mttr") == figures["mttr"]["count"]
    for name in ("response_sla", "resolution_sla"):
        assert _count(name) == figures[name]["met"]
        assert _count(name, part="total") == figures[name]["total"]
    for entry in figures["ola"]["by_department"]:
        assert _count("ola", key=entry["department"]) == entry["met"]
        assert _count("ola", part="total", key=entry["department"]) == entry["total"]
    fcr = figures["first_contact_resolution"]
    assert (
        _count("first_contact_resolution"),
        _count("first_contact_resolution", part="total"),
    ) == (
        fcr["count"],
        fcr["total"],
    )
    assert _count("reopen") == 1
    assert _count("reopen", part="total") == 4
    assert _count("backlog") == 2
    assert _count("backlog", key="7-30") == 1
    assert _count("handovers") == 1
    assert _count("handovers", part="total") == 6
    assert _count("handovers", key="received:systems") == 1
    assert _count("handovers", key="bounced:systems") == 1
    for entry in figures["section_share"]:
        assert _count("section_share", key=entry["department"]) == entry["segments"]
    assert _count("delay_reasons") == 2
    assert _count("delay_reasons", key="awaiting_parts") == 1
    assert _count("escalations", key="2") == 1
    assert _count("major_incidents") == 1
    assert _count("satisfaction") == 3
    assert _count("satisfaction", part="total") == 4
    assert _count("satisfaction", key="5") == 1
    assert _count("workload", part="open", key="w_sys1") == 1
    assert _count("workload", part="accepted", key="w_net1") == 7
    assert _count("workload", part="resolved", key="w_net1") == 5
    assert _count("collaboration") == 3
    assert _count("collaboration", part="total") == 4
    assert _count("collaboration", part="incidents") == 1


def test_drill_down_refuses_unknown_parts_and_keys(scenario):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        kpis.kpi_incidents("volume", NOVEMBER, ALL, key="colour:red")
    assert "key" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        kpis.kpi_incidents("mttr", NOVEMBER, ALL, part="everything")
    assert "part" in exc.value.message_dict


# --- durations as recorded ----------------------------------------------------------------


def test_a_calendar_change_afterwards_does_not_change_past_business_durations(scenario):
    from tests.sla.factories import add_day

    before = kpis.kpis_compute(NOVEMBER, ALL, names=["mttr", "section_share"])
    # Monday 23 and Tuesday 24 become holidays after the fact: recomputed with today's
    # calendar, B, C and D would lose hours; the clocks recorded them as they were.
    add_day(scenario.calendar, date(2026, 11, 23), "holiday", "afterwards")
    add_day(scenario.calendar, date(2026, 11, 24), "holiday", "afterwards")
    after = kpis.kpis_compute(NOVEMBER, ALL, names=["mttr", "section_share"])
    assert after == before
    assert after["mttr"]["business_mean_seconds"] == 15800


def test_percentiles_without_percentile_cont_agree(scenario):
    """The path of databases without percentile_cont (SQLite), run next to the default one
    (PostgreSQL's percentile_cont here; the same fallback when the suite runs on SQLite)."""
    from reports import kpis_queries as rows
    from reports.kpis_sql import wall

    for field, median, p90 in (("resolved_at", 49500, 135000), ("accepted_at", 1200, 3240)):
        qs = rows.incidents(NOVEMBER, ALL, field)
        columns = {"": wall(field, "created_at")}
        default = duration_stats(qs, columns)
        fallback = duration_stats(qs, columns, native=False)
        assert default == fallback
        assert fallback["median_seconds"] == median
        assert fallback["p90_seconds"] == p90
    business = kpis.kpis_compute(NOVEMBER, ALL, names=["mttr"])["mttr"]
    from reports.kpis_figures import mttr

    assert mttr(NOVEMBER, ALL, native=False) == business


# --- trends -------------------------------------------------------------------------------


@pytest.mark.parametrize("bucket", ["week", "month"])
def test_series_agree_with_the_figures_of_each_bucket(scenario, bucket):
    """One grouped query per metric gives what the definitions give bucket by bucket."""
    points = {
        m: kpis.kpi_series(m, NOVEMBER, ALL, bucket=bucket, count=3) for m in kpis.SERIES_METRICS
    }
    for i, (start, end) in enumerate(kpis.buckets(NOVEMBER.date_to, bucket, 3)):
        one = kpis.kpis_compute(NOVEMBER.with_period(start, end), ALL)
        got = {m: points[m][i] for m in points}
        assert got["volume"]["value"] == one["volume"]["total"]
        assert got["mttr"]["value"] == one["mttr"]["business_mean_seconds"]
        assert got["mttr"]["total"] == one["mttr"]["count"]
        assert got["mtta"]["value"] == one["mtta"]["business_mean_seconds"]
        for name in ("resolution_sla", "response_sla"):
            assert (got[name]["numerator"], got[name]["total"], got[name]["value"]) == (
                one[name]["met"],
                one[name]["total"],
                one[name]["rate"],
            )
        fcr = one["first_contact_resolution"]
        assert (got["fcr"]["numerator"], got["fcr"]["total"]) == (fcr["count"], fcr["total"])
        assert got["backlog"]["value"] == one["backlog"]["open"]
        assert got["volume"]["start"] == start
    # The scripted week: November, or the week of Monday 23 (the 30th starts the last week).
    last = -2 if bucket == "week" else -1
    assert points["volume"][last]["value"] == 7
    assert points["mttr"][last]["value"] == 15800
    assert points["resolution_sla"][last]["numerator"] == 5
