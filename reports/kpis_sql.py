"""The SQL the KPIs need beyond Django's aggregates: durations in seconds, and exact
percentiles — ``percentile_cont`` on PostgreSQL, and on other databases (SQLite) the same
linear interpolation read from the two ordered rows around the rank (``LIMIT 2 OFFSET k``),
so that every figure is still computed in the database."""

from __future__ import annotations

import math

from django.db import connection
from django.db.models import Aggregate, Avg, Count, F, FloatField, Func, Q, QuerySet


class Seconds(Func):
    """A duration expression as seconds (a float): PostgreSQL intervals are read with
    ``EXTRACT(EPOCH …)``; SQLite stores durations as microseconds."""

    output_field = FloatField()

    def as_postgresql(self, compiler, conn, **extra):
        return self.as_sql(compiler, conn, template="EXTRACT(EPOCH FROM %(expressions)s)", **extra)

    def as_sql(self, compiler, conn, template=None, **extra):
        template = template or "((%(expressions)s) / 1000000.0)"
        return super().as_sql(compiler, conn, template=template, **extra)


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(p) WITHIN GROUP (ORDER BY expr)`` (nulls ignored)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def native_percentiles() -> bool:
    return connection.vendor == "postgresql"


def percentile_fallback(qs: QuerySet, expression, fraction: float, count: int) -> float | None:
    """``percentile_cont`` without the aggregate: the value at rank ``fraction * (n - 1)``
    interpolated between the two rows around it, read in the database's order."""
    if not count:
        return None
    rank = fraction * (count - 1)
    low = math.floor(rank)
    rows = list(
        qs.annotate(_value=expression)
        .filter(_value__isnull=False)
        .order_by("_value")
        .values_list("_value", flat=True)[low : low + 2]
    )
    if not rows:
        return None
    first = float(rows[0])
    second = float(rows[1]) if len(rows) > 1 else first
    return first + (second - first) * (rank - low)


def duration_stats(
    qs: QuerySet,
    columns: dict[str, object],
    *,
    extra: dict | None = None,
    native: bool | None = None,
) -> dict:
    """Count, mean, median and 90th percentile in seconds of each duration expression in
    ``columns`` (``{"": wall, "business_": business}`` gives ``count``, ``mean_seconds``,
    ``business_mean_seconds`` …), plus the aggregates in ``extra``: one query on
    PostgreSQL; on other databases one more per percentile."""
    native = native_percentiles() if native is None else native
    aggregates = {"count": Count("pk"), **(extra or {})}
    for prefix, expression in columns.items():
        seconds = Seconds(expression)
        aggregates[f"{prefix}n"] = Count(seconds)
        aggregates[f"{prefix}mean_seconds"] = Avg(seconds)
        if native:
            aggregates[f"{prefix}median_seconds"] = PercentileCont(seconds, 0.5)
            aggregates[f"{prefix}p90_seconds"] = PercentileCont(seconds, 0.9)
    row = qs.aggregate(**aggregates)
    for prefix, expression in columns.items():
        n = row.pop(f"{prefix}n")
        if not native:
            seconds = Seconds(expression)
            row[f"{prefix}median_seconds"] = percentile_fallback(qs, seconds, 0.5, n)
            row[f"{prefix}p90_seconds"] = percentile_fallback(qs, seconds, 0.9, n)
        for name in ("mean_seconds", "median_seconds", "p90_seconds"):
            value = row[f"{prefix}{name}"]
            row[f"{prefix}{name}"] = None if value is None else round(float(value), 1)
    return row


def rate(numerator: int, total: int) -> float | None:
    """A rate between 0 and 1 (four decimals), or None when nothing counts."""
    return round(numerator / total, 4) if total else None


def wall(end: str, start: str):
    """The wall-clock duration between two datetime columns."""
    return F(end) - F(start)


def counted(condition: Q) -> Count:
    return Count("pk", filter=condition)
