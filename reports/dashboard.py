"""What the report pages show, built from ``reports.kpis``: the tiles (the period against the
previous one of the same length), the trend charts and the tables of each view."""

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from reports import charts, tables
from reports.kpis import kpi_series, kpis_compute
from reports.tables import fmt_duration, fmt_number, fmt_rate, fmt_rate_of


def drill_for(filters, view: str = ""):
    """The drill-down URL maker of a page: the KPI, its part and key, and the page's filters."""
    base = filters.query()

    def drill(name: str, part: str = "numerator", key: str = "") -> str:
        params = dict(base)
        if part != "numerator":
            params["part"] = part
        if key:
            params["key"] = key
        if view:
            params["view"] = view
        return f"{reverse('reports:incidents', args=[name])}?{urlencode(params)}"

    return drill


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: object
    previous: object
    shown: str
    detail: str
    change: str
    trend: str  # "better", "worse" or "" (no change or nothing to compare)
    href: str


def _rate(k, name):
    block = k.get(name) or {}
    numerator = block.get("met", block.get("count", block.get("on_time")))
    return block.get("rate"), numerator, block.get("total")


def _change(now, before, *, kind: str, lower_is_better: bool) -> tuple[str, str]:
    if now is None or before is None:
        return _("no comparison"), ""
    delta = now - before
    if abs(delta) < 1e-9:
        return _("unchanged"), ""
    sign = "+" if delta > 0 else "−"
    if kind == "rate":
        text = _("%(sign)s%(n)s pts") % {"sign": sign, "n": fmt_number(abs(delta) * 100, 1)}
    elif kind == "duration":
        text = f"{sign}{fmt_duration(abs(delta))}"
    else:
        text = f"{sign}{fmt_number(abs(delta), 2 if isinstance(delta, float) else 0)}"
        if before:
            text += f" ({sign}{fmt_number(abs(delta) / before * 100, 0)}%)"
    better = (delta < 0) if lower_is_better else (delta > 0)
    return text, "better" if better else "worse"


# (key, label, kind, lower is better, value getter)
def _tile_specs():
    return [
        ("volume", _("Incidents logged"), "count", False, lambda k: k["volume"]["total"]),
        ("mtta", _("MTTA (business time)"), "duration", True, _mean("mtta")),
        ("mttr", _("MTTR (business time)"), "duration", True, _mean("mttr")),
        ("response_sla", _("Response SLA met"), "rate", False, None),
        ("resolution_sla", _("Resolution SLA met"), "rate", False, None),
        ("first_contact_resolution", _("First-contact resolution"), "rate", False, None),
        ("reopen", _("Reopen rate"), "rate", True, None),
        ("backlog", _("Backlog (open at the end)"), "count", True, lambda k: k["backlog"]["open"]),
        ("handovers", _("Hand-overs per incident"), "count", True, _per_incident),
        ("major_incidents", _("Major incidents"), "count", True, _major),
        ("satisfaction", _("Satisfaction (mean score)"), "count", False, _satisfaction),
        ("collaboration", _("Cross-section on-time rate"), "rate", False, None),
    ]


def _mean(name):
    return lambda k: (k.get(name) or {}).get("business_mean_seconds")


def _per_incident(k):
    return (k.get("handovers") or {}).get("per_incident")


def _major(k):
    return (k.get("major_incidents") or {}).get("count")


def _satisfaction(k):
    return (k.get("satisfaction") or {}).get("mean")


def _detail(key, k) -> str:
    if key in ("mtta", "mttr"):
        block = k.get(key) or {}
        return _("%(n)s incidents · median %(median)s · 90%% %(p90)s") % {
            "n": fmt_number(block.get("count")),
            "median": fmt_duration(block.get("business_median_seconds")),
            "p90": fmt_duration(block.get("business_p90_seconds")),
        }
    if key == "handovers":
        block = k.get("handovers") or {}
        return _("%(h)s hand-overs, %(b)s bounces, %(n)s incidents") % {
            "h": fmt_number(block.get("handovers")),
            "b": fmt_number(block.get("bounces")),
            "n": fmt_number(block.get("incidents")),
        }
    if key == "satisfaction":
        block = k.get("satisfaction") or {}
        return _("%(r)s responses of %(c)s closed (%(rate)s)") % {
            "r": fmt_number(block.get("responses")),
            "c": fmt_number(block.get("closed")),
            "rate": fmt_rate(block.get("response_rate")),
        }
    if key == "major_incidents":
        block = k.get("major_incidents") or {}
        return _("mean duration %(d)s") % {"d": fmt_duration(block.get("mean_duration_seconds"))}
    if key == "backlog":
        at = (k.get("backlog") or {}).get("at")
        shown = date_format(datetime.fromisoformat(at), "Y-m-d H:i") if at else "—"
        return _("at %(at)s") % {"at": shown}
    return ""


def build_tiles(now: dict, before: dict, drill) -> list[Tile]:
    tiles = []
    for key, label, kind, lower, getter in _tile_specs():
        if key not in now:
            continue
        if kind == "rate":
            rate, numerator, total = _rate(now, key)
            value, previous = rate, _rate(before, key)[0]
            shown, detail = fmt_rate(rate), _("%(n)s of %(t)s") % {"n": numerator, "t": total}
        else:
            value, previous = getter(now), getter(before) if key in before else None
            shown = (
                fmt_duration(value)
                if kind == "duration"
                else fmt_number(value, 2 if isinstance(value, float) else 0)
            )
            detail = _detail(key, now)
        change, trend = _change(value, previous, kind=kind, lower_is_better=lower)
        tiles.append(Tile(key, label, value, previous, shown, detail, change, trend, drill(key)))
    return tiles


def compare(filters, scope, names=None) -> tuple[dict, dict]:
    """The period's figures and the previous period's (same length, just before)."""
    now = kpis_compute(filters, scope, names=names)
    before = kpis_compute(filters.previous(), scope, names=names)
    return now, before


# --- trends -----------------------------------------------------------------------------------


def _bucket_label(row, bucket) -> str:
    """Weeks by their Monday (month/day); months by number, with the year on January and
    on the first month shown (so twelve labels fit under a chart)."""
    start = row["start"]
    if bucket == "week":
        return date_format(start, "n/j")
    return date_format(start, "Y-m" if start.month == 1 or row.get("first") else "m")


def _series_drill(name, filters, row, view):
    dated = dataclasses.replace(filters, date_from=row["start"], date_to=row["end"])
    return drill_for(dated, view)(name)


def trend_charts(filters, scope, view="") -> list[dict]:
    """Weekly volume over the last 12 months, MTTR and resolution SLA month by month."""
    specs = [
        ("volume", "week", 52, _("Incidents per week"), charts.bar_chart, fmt_number, "volume"),
        ("mttr", "month", 12, _("MTTR per month (business time)"), charts.line_chart, None, "mttr"),
        (
            "resolution_sla",
            "month",
            12,
            _("Resolution SLA met per month"),
            charts.line_chart,
            None,
            "resolution_sla",
        ),
    ]
    out = []
    for metric, bucket, count, title, draw, _fmt, drill_name in specs:
        rows = kpi_series(metric, filters, scope, bucket=bucket, count=count)
        if rows:
            rows[0] = {**rows[0], "first": True}
        # MTTR in hours, or in minutes while every month's mean is under an hour.
        top = max((r["value"] or 0 for r in rows), default=0)
        per, unit = (60, "min") if metric == "mttr" and top < 3600 else (3600, "h")
        points = []
        for row in rows:
            value = row.get("value")
            if metric == "mttr":
                plotted, shown = (None if value is None else value / per), fmt_duration(value)
            elif metric == "resolution_sla":
                plotted = None if value is None else value * 100
                shown = fmt_rate_of(value, row.get("numerator"), row.get("total"))
            else:
                plotted, shown = value, fmt_number(value)
            points.append(
                charts.Point(
                    _bucket_label(row, bucket),
                    plotted,
                    shown,
                    _series_drill(drill_name, filters, row, view),
                )
            )
        if metric == "mttr":
            svg = draw(points, title=title, fmt=lambda v, u=unit: f"{fmt_number(v, 1)} {u}")
        elif metric == "resolution_sla":
            svg = draw(points, title=title, fmt=lambda v: f"{v:.0f}%", max_value=100)
        else:
            svg = draw(points, title=title, fmt=lambda v: fmt_number(v))
        out.append({"key": metric, "title": title, "svg": svg, "rows": rows})
    return out


def share_chart(table: tables.Table):
    points = [
        charts.Point(str(row[0]), row[2].value or 0, row[2].shown, row[1].href)
        for row in table.rows
    ]
    return charts.hbar_chart(points, title=table.title, fmt=fmt_rate, max_value=None)


def tiles_table(tiles: list[Tile]) -> tables.Table:
    """The tiles as a table (their export): the figures as the API gives them."""
    table = tables.Table(
        "summary",
        _("Summary"),
        [_("Figure"), _("This period"), _("Previous period"), _("Shown"), _("Change")],
    )
    for tile in tiles:
        table.rows.append(
            [
                tables.Cell(tile.label),
                tables.Cell(tile.value, tile.shown, tile.href),
                tables.Cell(tile.previous),
                tables.Cell(f"{tile.shown} {tile.detail}".strip()),
                tables.Cell(tile.change),
            ]
        )
    return table
