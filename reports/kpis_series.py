"""Trends: a KPI per calendar month or ISO week, for the charts. Each metric is one query
grouped by the bucket (the backlog, a count at each bucket's end, one per bucket), with
the same definitions as ``reports/kpis.py``."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from reports import kpis_queries as rows
from reports.filters import KpiFilters
from reports.kpis_figures import _clock_relation
from reports.kpis_sql import Seconds, counted, rate
from reports.scopes import ReportScope
from sla.choices import State, Target

SERIES_METRICS = ("volume", "mttr", "mtta", "resolution_sla", "response_sla", "fcr", "backlog")


def buckets(last: date, bucket: str, count: int) -> list[tuple[date, date]]:
    """``count`` consecutive months or ISO weeks, oldest first, ending with the one that
    contains ``last``."""
    if bucket == "week":
        start = last - timedelta(days=last.weekday())
        return [
            (start - timedelta(weeks=i), start - timedelta(weeks=i) + timedelta(days=6))
            for i in range(count - 1, -1, -1)
        ]
    found = []
    year, month = last.year, last.month
    for _i in range(count):
        begin = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        found.append((begin, end))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]


def _grouped_source(metric: str, wide: KpiFilters, scope: ReportScope):
    """The rows of the metric over the whole range, the moment that places them in a
    bucket, and the aggregates of a bucket."""
    if metric == "volume":
        return rows.incidents(wide, scope, "created_at"), "created_at", {"total": Count("pk")}
    if metric in ("mttr", "mtta"):
        field, target = (
            ("resolved_at", Target.RESOLUTION)
            if metric == "mttr"
            else ("accepted_at", Target.RESPONSE)
        )
        qs = rows.incidents(wide, scope, field).annotate(clock=_clock_relation(target))
        return qs, field, {"total": Count("pk"), "value": Avg(Seconds(F("clock__anchor_consumed")))}
    if metric == "fcr":
        qs = rows.incidents(wide, scope, "resolved_at")
        return (
            qs,
            "resolved_at",
            {"total": Count("pk"), "numerator": counted(Q(first_contact_resolution=True))},
        )
    target = Target.RESOLUTION if metric == "resolution_sla" else Target.RESPONSE
    qs = rows.clock_outcomes(wide, scope, target)
    aggregates = {"total": Count("pk"), "numerator": counted(Q(sla_clocks__state=State.MET))}
    return qs, "sla_clocks__stopped_at", aggregates


def _point(metric: str, found: dict | None) -> dict:
    found = found or {}
    total = found.get("total", 0)
    if metric == "volume":
        return {"value": total, "numerator": None, "total": total}
    if metric in ("mttr", "mtta"):
        value = found.get("value")
        return {
            "value": None if value is None else round(float(value), 1),
            "numerator": None,
            "total": total,
        }
    numerator = found.get("numerator", 0)
    return {"value": rate(numerator, total), "numerator": numerator, "total": total}


def kpi_series(
    metric: str, filters: KpiFilters, scope: ReportScope, *, bucket: str = "month", count=12
) -> list[dict]:
    """A metric per month (or ISO week) for the trend charts, oldest first, ending with the
    bucket containing ``filters.date_to``: volume (count), mttr and mtta (business mean
    seconds), resolution_sla, response_sla and fcr (rates with numerator and total),
    backlog (open at the bucket's end)."""
    if metric not in SERIES_METRICS:
        raise KeyError(metric)
    spans = buckets(filters.date_to, bucket, count)
    if metric == "backlog":
        return [
            {
                "start": start,
                "end": end,
                "value": rows.backlog(filters.with_period(start, end), scope).count(),
                "numerator": None,
                "total": None,
            }
            for start, end in spans
        ]
    wide = filters.with_period(spans[0][0], spans[-1][1])
    qs, field, aggregates = _grouped_source(metric, wide, scope)
    tz = timezone.get_default_timezone()
    trunc = (TruncWeek if bucket == "week" else TruncMonth)(field, tzinfo=tz)
    by_start = {
        row["b"].astimezone(tz).date(): row
        for row in qs.values(b=trunc).annotate(**aggregates).order_by()
    }
    return [
        {"start": start, "end": end, **_point(metric, by_start.get(start))} for start, end in spans
    ]
