"""The monthly service report: its numbers are the KPIs of the month, its page is for the
directors, the incident manager and the desk manager, and its PDF carries the Chinese
headings (a real PDF, read back with pdftotext)."""

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from incidents.choices import EventKind, Priority
from itsm.roles import Role
from reports import pdf
from reports.kpis import kpi_series, kpis_compute
from reports.monthly import DIVISION, monthly_report
from tests.reports.conftest import NOVEMBER

pytestmark = pytest.mark.django_db

NOV = date(2026, 11, 1)
CONFIGURATION_LOAD = re.compile(
    r'SELECT .* FROM "(incidents_category|itsm_department)"(?!.* WHERE )'
)
URL = reverse("reports:monthly")


@pytest.fixture
def report(scenario):
    with translation.override("zh-hans"):
        return monthly_report(NOV)


def test_the_report_shows_the_kpis_of_the_month(scenario, report):
    kpis = kpis_compute(NOVEMBER, DIVISION)
    assert report["kpis"] == kpis
    # Worked out from the scripted week: A B C D E F G logged in November, F the major one.
    assert kpis["volume"]["total"] == 7
    summary = [line["value"] for line in report["summary"]]
    assert summary[0] == "7"
    assert summary[1] == f"{kpis['resolution_sla']['rate'] * 100:.1f}%"
    assert report["major"]["count"] == kpis["major_incidents"]["count"] == 1
    assert report["backlog"]["open"] == kpis["backlog"]["open"]
    assert [c["count"] for c in report["categories"]] == sorted(
        (c["count"] for c in kpis["volume"]["by_category"]), reverse=True
    )


def test_sla_per_priority_is_the_kpi_filtered_by_priority(scenario, report):
    rows = {row["priority"]: row for row in report["by_priority"]}
    assert list(rows) == list(Priority.values)
    for code, row in rows.items():
        kpis = kpis_compute(
            replace(NOVEMBER, priority=code), DIVISION, names=["volume", "resolution_sla"]
        )
        assert row["volume"] == kpis["volume"]["total"]
        assert row["resolution"] == kpis["resolution_sla"]
    whole = kpis_compute(NOVEMBER, DIVISION, names=["response_sla", "resolution_sla"])
    for target in ("response", "resolution"):
        assert sum(r[target]["total"] for r in rows.values()) == whole[f"{target}_sla"]["total"]
        assert sum(r[target]["met"] for r in rows.values()) == whole[f"{target}_sla"]["met"]
    # F, the P1, breached its response: the P1 line says 0 of 1.
    assert (rows["P1"]["response"]["met"], rows["P1"]["response"]["total"]) == (0, 1)


def test_major_incidents_come_with_their_timeline(scenario, report):
    [major] = report["major"]["rows"]
    assert major["incident"].number == scenario.f.number
    labels = [event["label"] for event in major["timeline"]]
    expected = [
        EventKind.CREATED,
        EventKind.MAJOR_DECLARED,
        EventKind.ASSIGNED,
        EventKind.ACCEPTED,
        EventKind.RESOLVED,
    ]
    with translation.override("zh-hans"):
        assert labels == [str(kind.label) for kind in expected]
    times = [event["at"] for event in major["timeline"]]
    assert times == sorted(times)
    assert major["duration"] == "1 天 3 小时"  # 26th 14:00 to 27th 17:00, wall time


def test_sections_and_trends_are_the_kpis(scenario, report):
    kpis = report["kpis"]
    sections = {row["code"]: row for row in report["sections"]}
    for entry in kpis["ola"]["by_department"]:
        row = sections[entry["department"]]
        assert (row["ola_met"], row["ola_total"]) == (entry["met"], entry["total"])
    for entry in kpis["handovers"]["by_department"]:
        row = sections[entry["department"]]
        assert (row["received"], row["bounced"]) == (entry["received"], entry["bounced"])
        assert row["index"] == entry["received"] + entry["bounced"]
    # C was handed to systems, which bounced it back.
    assert sections["systems"]["bounced"] == 1
    assert sections["systems"]["received"] == 1
    for trend in report["trends"]:
        series = kpi_series(trend["metric"], NOVEMBER, DIVISION, bucket="month", count=6)
        assert [p["month"] for p in trend["points"]] == [f"{p['start']:%Y-%m}" for p in series]
        assert len(trend["bars"]) == 6
    volume = next(t for t in report["trends"] if t["metric"] == "volume")
    assert volume["points"][-1]["value"] == "7"
    assert volume["points"][-2]["value"] == "1"  # H, logged in October


# --- the page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "section"),
    [
        (Role.DIRECTOR, None),
        (Role.INCIDENT_MANAGER, "servicedesk"),
        (Role.DESK_MANAGER, "servicedesk"),
    ],
)
def test_the_readers_see_the_report(client_for, role, section, time_machine):
    time_machine.move_to("2026-12-03 10:00 +08:00")
    client = client_for(role, section=section)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    text = response.content.decode()
    assert "IT 服务报告 2026-11" in text  # last month by default
    assert "二、各优先级 SLA 达成情况" in text
    assert reverse("reports:monthly-pdf") + "?month=2026-11" in text


@pytest.mark.parametrize(
    ("role", "section"),
    [
        (Role.SECTION_LEAD, "network"),
        (Role.TECHNICIAN, "network"),
        (Role.AGENT, "servicedesk"),
        (Role.VENDOR, "eport"),
        (Role.REQUESTER, None),
        (Role.ADMINISTRATOR, None),
    ],
)
def test_others_are_told_who_may_read_it(client_for, role, section):
    client = client_for(role, section=section)
    for url in (URL, reverse("reports:monthly-pdf")):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 403
        assert "月度服务报告仅供处长、故障流程经理和服务台经理查看" in response.content.decode()


def test_signed_out_goes_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "请按“年-月”填写月份"),
        ("november", "请按“年-月”填写月份"),
        ("2027-01", "该月份尚未开始"),
    ],
)
def test_a_bad_month_is_refused_on_its_field(client_for, month, message, time_machine):
    time_machine.move_to("2026-12-03 10:00 +08:00")
    client = client_for(Role.DIRECTOR)
    for url in (URL, reverse("reports:monthly-pdf")):
        response = client.get(url, {"month": month}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 400
        assert message in response.content.decode()


def test_an_empty_month_says_so(client_for, time_machine):
    time_machine.move_to("2026-12-03 10:00 +08:00")
    response = client_for(Role.DIRECTOR).get(
        URL, {"month": "2026-06"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "本月没有重大事件。" in text
    assert "本月没有登记事件。" in text


def test_the_page_reads_a_constant_number_of_queries(scenario, client, django_assert_num_queries):
    """More major incidents (each with its timeline) cost no more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = scenario.world
    client.force_login(w.director)

    def count() -> int:
        """The queries of the report (the per-process configuration cache, which reloads
        sections and categories when another process may have changed them, left out)."""
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"month": "2026-11"}).status_code == 200
        return sum(1 for q in queries if not CONFIGURATION_LOAD.match(q["sql"]))

    count()  # warm the caches of roles and the navigation
    before = count()
    scenario.at(2026, 11, 27, 16, 0)
    for title in ("M1", "M2"):
        w.incident(title=title, impact=1, urgency=1)
    scenario.at(2026, 11, 27, 17, 10)
    assert monthly_report(NOV)["major"]["count"] == 3
    assert count() == before


# --- the PDF -------------------------------------------------------------------------------


def _pdf_text(document: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(document)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_the_pdf_carries_the_chinese_headings(scenario, client, tmp_path):
    client.force_login(scenario.world.director)
    response = client.get(
        reverse("reports:monthly-pdf"), {"month": "2026-11"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == pdf.PDF_CONTENT_TYPE
    assert 'filename="service-report-2026-11.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
    text = _pdf_text(response.content, tmp_path)
    for heading in (
        "IT 服务报告 2026-11",
        "一、概要",
        "二、各优先级 SLA 达成情况",
        "三、重大事件",
        "四、近几个月趋势",
        "五、主要事件分类",
        "六、各科室绩效与踢球指数",
        "七、满意度",
        "八、积压",
    ):
        assert heading in text, heading
    assert scenario.f.number in text


def test_the_pages_figures_lead_to_their_incidents(scenario, client):
    """The page links each figure to the drill-down of the report pages (the PDF does not)."""
    from html import unescape

    client.force_login(scenario.world.director)
    text = client.get(URL, {"month": "2026-11"}).content.decode()
    links = {unescape(u) for u in re.findall(r'href="(/reports/incidents/[^"]+)"', text)}
    bounced = next(u for u in links if "key=bounced%3Asystems" in u)
    listed = client.get(bounced).content.decode()
    assert scenario.c.number in listed
    assert scenario.f.number not in listed
    p1 = next(u for u in links if "response_sla" in u and "priority=P1" in u)
    assert "part=total" in p1
    assert scenario.f.number in client.get(p1).content.decode()
    report = monthly_report(NOV)
    assert 'href="' not in pdf_html(report)


def pdf_html(report) -> str:
    from django.template.loader import render_to_string

    return render_to_string("reports/monthly_print.html", {"report": report})
