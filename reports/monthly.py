"""The monthly service report (服务报告, ISO/IEC 20000): one month's KPIs arranged for print.

Every number comes from ``reports.kpis`` (``kpis_compute``, ``kpi_series``,
``kpi_incidents``) over the whole division, so the report, the dashboards and the API agree;
this module only chooses, orders and formats them, draws the trend charts as SVG geometry and
reads the major incidents' timelines from their history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.choices import EventKind, Priority
from incidents.models import IncidentEvent
from reports.dashboard import drill_for
from reports.filters import KpiFilters
from reports.kpis import kpi_incidents, kpi_series, kpis_compute
from reports.scopes import ALL_VIEWS, ReportScope
from sla.calendars import working_days_after

# The history events a major incident's timeline shows (the rest is routine detail).
TIMELINE_EVENTS = (
    EventKind.CREATED,
    EventKind.MAJOR_DECLARED,
    EventKind.ASSIGNED,
    EventKind.HANDED_OVER,
    EventKind.ACCEPTED,
    EventKind.RETURNED,
    EventKind.ESCALATED,
    EventKind.SUSPENDED,
    EventKind.RESUMED,
    EventKind.PRIORITY_CHANGED,
    EventKind.RESOLVED,
    EventKind.REOPENED,
    EventKind.CLOSED,
    EventKind.CANCELLED,
)
# How many major incidents the report details (the count covers them all).
MAJOR_INCIDENTS_SHOWN = 20
TOP_CATEGORIES = 10
TREND_MONTHS = 6
# The trends the report shows: (metric of ``kpi_series``, label, how a value is shown).
TRENDS = (
    ("volume", gettext_lazy("Incidents logged"), "count"),
    ("mttr", gettext_lazy("Mean time to resolve (business)"), "duration"),
    ("response_sla", gettext_lazy("Response SLA met"), "rate"),
    ("resolution_sla", gettext_lazy("Resolution SLA met"), "rate"),
    ("fcr", gettext_lazy("First-contact resolution"), "rate"),
    ("backlog", gettext_lazy("Backlog at month end"), "count"),
)
# The whole division: the report is one document for everyone allowed to read it.
DIVISION = ReportScope(True, frozenset(), None, ALL_VIEWS)
# The incidents behind each line of the summary: (KPI, part).
SUMMARY_DRILLS = (
    ("volume", "numerator"),
    ("resolution_sla", "total"),
    ("mttr", "numerator"),
    ("first_contact_resolution", "total"),
    ("satisfaction", "numerator"),
)
# The backlog's ageing buckets (codes of ``reports.kpis_figures.AGEING``).
AGEING_LABELS = {
    "lt1": gettext_lazy("< 1 day"),
    "1-3": gettext_lazy("1–3 days"),
    "3-7": gettext_lazy("3–7 days"),
    "7-30": gettext_lazy("7–30 days"),
    "gt30": gettext_lazy("> 30 days"),
}

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


def month_end(first: date) -> date:
    return month_start(first + timedelta(days=32)) - timedelta(days=1)


def first_working_day(first: date) -> date:
    """The month's first working day on the standard calendar (its holidays and adjusted
    working days; plain days without one)."""
    tz = timezone.get_current_timezone()
    eve = datetime.combine(first - timedelta(days=1), time(12), tzinfo=tz)
    return working_days_after(eve, 1).date()


class MonthForm(forms.Form):
    """``?month=YYYY-MM``: a month that has begun; last month when absent."""

    month = forms.CharField(label=gettext_lazy("Month"), required=False, max_length=32)

    def clean_month(self) -> date:
        value = (self.cleaned_data.get("month") or "").strip()
        today = timezone.localdate()
        if not value:
            return previous_month(today)
        match = _MONTH.match(value)
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
            raise forms.ValidationError(
                _("Give the month as year-month, for example %(example)s.")
                % {"example": previous_month(today).strftime("%Y-%m")},
                code="invalid",
            )
        first = date(int(match[1]), int(match[2]), 1)
        if first > month_start(today):
            raise forms.ValidationError(_("That month has not begun yet."), code="future")
        return first


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


def _chart(series: list[dict], kind: str, *, width=300, height=120) -> list[Bar]:
    """Bars of a small trend chart (SVG geometry; empty months are drawn without a bar)."""
    values = [p["value"] for p in series]
    top = max((v for v in values if v is not None), default=0) or 1
    if kind == "rate":
        top = 1
    slot = width / max(len(series), 1)
    bars = []
    for index, point in enumerate(series):
        value = point["value"]
        # Room above the tallest bar for its value's label.
        bar_height = 0 if value is None else (height - 30) * value / top
        bars.append(
            Bar(
                x=round(index * slot + slot * 0.15, 1),
                y=round(height - 14 - bar_height, 1),
                width=round(slot * 0.7, 1),
                height=round(bar_height, 1),
                label=point["start"].strftime("%Y-%m"),
                value=fmt(value, kind),
            )
        )
    return bars


def fmt(value, kind: str) -> str:
    """A figure as the report prints it: a count, a rate in per cent, a business duration."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "duration":
        return duration(value)
    if kind == "decimal":
        return f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.0f}"


def duration(seconds) -> str:
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


def person(user) -> str:
    """A person as Chinese names are written: surname first, no space."""
    if user is None:
        return "—"
    return f"{user.last_name}{user.first_name}".strip() or user.username


def _signed(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:+.1f}%"


def change(current, previous) -> float | None:
    """The relative change against the previous month, or None without a base."""
    if current is None or not previous:
        return None
    return (current - previous) / previous


def monthly_report(first: date) -> dict:
    """The report of the month beginning ``first``: every section's figures, ready to print."""
    filters = KpiFilters(date_from=first, date_to=month_end(first))
    kpis = kpis_compute(filters, DIVISION)
    before = kpis_compute(
        filters.previous(),
        DIVISION,
        names=("volume", "mttr", "resolution_sla", "first_contact_resolution", "satisfaction"),
    )
    return {
        "month": first,
        "month_end": filters.date_to,
        "generated_at": timezone.now(),
        "filters": filters,
        "kpis": kpis,
        "summary": _summary(kpis, before),
        "response_rate": fmt(kpis["response_sla"]["rate"], "rate"),
        "resolution_rate": fmt(kpis["resolution_sla"]["rate"], "rate"),
        "mttr": duration(kpis["mttr"]["business_mean_seconds"]),
        "by_priority": _by_priority(filters),
        "major": _major_incidents(kpis, filters),
        "trends": _trends(filters),
        "categories": _top_categories(kpis),
        "sections": _sections(kpis),
        "satisfaction": _satisfaction(kpis),
        "backlog": _backlog(kpis),
    }


def monthly_report_links(report: dict) -> dict:
    """Each figure of the page with the link to the incidents behind it (the report pages'
    drill-down, ``reports:incidents``); the PDF has none."""
    filters = report["filters"]
    drill = drill_for(filters)
    for line, (name, part) in zip(report["summary"], SUMMARY_DRILLS, strict=True):
        line["url"] = drill(name, part)
    report["major_url"] = drill("major_incidents")
    report["backlog_url"] = drill("backlog")
    for row in report["by_priority"]:
        by = drill_for(replace(filters, priority=row["priority"]))
        row["urls"] = {
            "volume": by("volume"),
            "response": by("response_sla", "total"),
            "resolution": by("resolution_sla", "total"),
        }
    for row in report["categories"]:
        row["url"] = drill("volume", key=f"category:{row['code']}") if row["code"] else ""
    for row in report["sections"]:
        code = row["code"] or ""
        row["urls"] = {
            "ola": drill("ola", "total", code) if code else "",
            "received": drill("handovers", key=f"received:{code}") if code else "",
            "bounced": drill("handovers", key=f"bounced:{code}") if code else "",
        }
    for row in report["satisfaction"]["distribution"]:
        row["url"] = drill("satisfaction", key=str(row["score"]))
    for row in report["backlog"]["ageing"]:
        row["url"] = drill("backlog", key=row["bucket"])
    return report


def _summary(kpis: dict, before: dict) -> list[dict]:
    def line(label, value, previous, kind):
        return {
            "label": label,
            "value": fmt(value, kind),
            "previous": fmt(previous, kind),
            "change": _signed(change(value, previous)),
        }

    return [
        line(_("Incidents logged"), kpis["volume"]["total"], before["volume"]["total"], "count"),
        line(
            _("Resolution SLA met"),
            kpis["resolution_sla"]["rate"],
            before["resolution_sla"]["rate"],
            "rate",
        ),
        line(
            _("Mean time to resolve (business)"),
            kpis["mttr"]["business_mean_seconds"],
            before["mttr"]["business_mean_seconds"],
            "duration",
        ),
        line(
            _("First-contact resolution"),
            kpis["first_contact_resolution"]["rate"],
            before["first_contact_resolution"]["rate"],
            "rate",
        ),
        line(
            _("Mean satisfaction (1–5)"),
            kpis["satisfaction"]["mean"],
            before["satisfaction"]["mean"],
            "decimal",
        ),
    ]


def _by_priority(filters: KpiFilters) -> list[dict]:
    """SLA achievement per priority: the same definitions, filtered by each priority."""
    rows = []
    for code, label in Priority.choices:
        kpis = kpis_compute(
            replace(filters, priority=code),
            DIVISION,
            names=("volume", "response_sla", "resolution_sla", "mttr"),
        )
        rows.append(
            {
                "priority": code,
                "label": label,
                "volume": kpis["volume"]["total"],
                "response": kpis["response_sla"],
                "resolution": kpis["resolution_sla"],
                "response_rate": fmt(kpis["response_sla"]["rate"], "rate"),
                "resolution_rate": fmt(kpis["resolution_sla"]["rate"], "rate"),
                "mttr": duration(kpis["mttr"]["business_mean_seconds"]),
            }
        )
    return rows


def _major_incidents(kpis: dict, filters: KpiFilters) -> dict:
    """The month's major incidents with their timelines (from the history events)."""
    events = IncidentEvent.objects.filter(kind__in=TIMELINE_EVENTS).select_related("actor")
    incidents = list(
        kpi_incidents("major_incidents", filters, DIVISION)
        .select_related("department", "category")
        .prefetch_related(Prefetch("events", queryset=events.order_by("at", "id")))
        .order_by("created_at", "id")[:MAJOR_INCIDENTS_SHOWN]
    )
    rows = []
    for incident in incidents:
        end = incident.resolved_at or incident.cancelled_at
        rows.append(
            {
                "incident": incident,
                "duration": duration((end - incident.created_at).total_seconds()) if end else "—",
                "timeline": [
                    {
                        "at": event.at,
                        "label": event.get_kind_display(),
                        "actor": person(event.actor) if event.actor_id else "",
                        "reason": event.reason,
                    }
                    for event in incident.events.all()
                ],
            }
        )
    major = kpis["major_incidents"]
    return {
        "count": major["count"],
        "mean_duration": duration(major["mean_duration_seconds"]),
        "rows": rows,
        "more": max(major["count"] - len(rows), 0),
    }


def _trends(filters: KpiFilters) -> list[dict]:
    """The last months of each trend metric, oldest first, ending with the report's month."""
    trends = []
    for metric, label, kind in TRENDS:
        series = kpi_series(metric, filters, DIVISION, bucket="month", count=TREND_MONTHS)
        trends.append(
            {
                "metric": metric,
                "label": label,
                "points": [
                    {"month": p["start"].strftime("%Y-%m"), "value": fmt(p["value"], kind)}
                    for p in series
                ],
                "bars": _chart(series, kind),
            }
        )
    return trends


def _top_categories(kpis: dict) -> list[dict]:
    total = kpis["volume"]["total"] or 0
    rows = sorted(kpis["volume"]["by_category"], key=lambda r: (-r["count"], r["code"] or "~"))
    return [
        {**row, "share": fmt(row["count"] / total if total else None, "rate")}
        for row in rows[:TOP_CATEGORIES]
    ]


def _sections(kpis: dict) -> list[dict]:
    """Per section: OLA compliance, hand-overs received and bounces made (踢球指数), share of
    the handling time."""
    rows: dict[str, dict] = {}

    def row(entry):
        return rows.setdefault(
            entry["department"],
            {
                "code": entry["department"],
                "name": entry.get("department_name") or entry["department"],
                "ola_met": 0,
                "ola_total": 0,
                "ola_rate": None,
                "received": 0,
                "bounced": 0,
                "share": None,
                "seconds": 0,
            },
        )

    for entry in kpis["ola"]["by_department"]:
        row(entry).update(ola_met=entry["met"], ola_total=entry["total"], ola_rate=entry["rate"])
    for entry in kpis["handovers"]["by_department"]:
        row(entry).update(received=entry["received"], bounced=entry["bounced"])
    for entry in rows.values():
        entry["index"] = entry["received"] + entry["bounced"]
    for entry in kpis["section_share"]:
        row(entry).update(share=entry["share"], seconds=entry["seconds"])
    ordered = sorted(rows.values(), key=lambda r: (-(r["seconds"] or 0), r["code"] or "~"))
    for entry in ordered:
        entry["ola_rate_text"] = fmt(entry["ola_rate"], "rate")
        entry["share_text"] = fmt(entry["share"], "rate")
        entry["hours"] = duration(entry["seconds"])
    return ordered


def _satisfaction(kpis: dict) -> dict:
    data = kpis["satisfaction"]
    distribution = data["distribution"]
    if isinstance(distribution, dict):
        distribution = [{"score": int(k), "count": v} for k, v in distribution.items()]
    top = max((d["count"] for d in distribution), default=0) or 1
    return {
        **data,
        "rate_text": fmt(data["response_rate"], "rate"),
        "mean_text": fmt(data["mean"], "decimal"),
        "distribution": [
            {**d, "width": round(100 * d["count"] / top)}
            for d in sorted(distribution, key=lambda d: -d["score"])
        ],
    }


def _backlog(kpis: dict) -> dict:
    data = kpis["backlog"]
    return {
        "open": data["open"],
        "at": datetime.fromisoformat(data["at"]),
        "ageing": [
            {**b, "label": AGEING_LABELS.get(b["bucket"], b["bucket"])} for b in data["ageing"]
        ],
    }
