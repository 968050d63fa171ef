"""The KPIs of DESIGN §4: one written definition each (what is counted, by which moment in
the period, wall or business time, the formula), the figures, the incidents behind each
figure, and trends. docs/kpis.md says the same in prose with examples.

Business durations are read from what the clocks recorded when they stopped
(``SlaClock.anchor_consumed``: the business time used, pause-adjusted, on the calendar in
force then), never recomputed with today's calendar. Every figure is computed in the
database (``reports/kpis_figures.py``, ``reports/kpis_queries.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident
from reports import kpis_figures as figures
from reports import kpis_queries as rows
from reports.filters import KpiFilters

# Trends live in their own module; re-exported here, the reports' one entry point.
from reports.kpis_series import SERIES_METRICS, buckets, kpi_series
from reports.scopes import ReportScope
from sla.choices import Target


@dataclass(frozen=True)
class Kpi:
    """One KPI's written definition."""

    name: str
    title: str
    counts: str  # which rows count, by which moment falling in the period
    time: str  # wall, business, or none
    formula: str
    parts: tuple[str, ...] = ("numerator",)


WALL = "wall"
BUSINESS = "wall and business"
NONE = "none"

DEFINITIONS = (
    Kpi(
        "volume",
        _("Volume"),
        "incidents created in the period",
        NONE,
        "count, by nature, source, priority, category, local hour and ISO weekday",
    ),
    Kpi(
        "mtta",
        _("Mean time to accept"),
        "incidents first accepted in the period",
        BUSINESS,
        "wall: accepted_at − created_at; business: the response clock's business time "
        "when it stopped; mean, median and 90th percentile (percentile_cont)",
    ),
    Kpi(
        "mttr",
        _("Mean time to resolve"),
        "incidents resolved in the period (their latest resolution)",
        BUSINESS,
        "wall: resolved_at − created_at; business: the resolution clock's business time "
        "when it stopped (pauses that stop the clock excluded); mean, median, p90",
    ),
    Kpi(
        "response_sla",
        _("Response SLA compliance"),
        "response clocks that stopped in the period met or breached",
        "business",
        "met / (met + breached)",
        ("numerator", "total"),
    ),
    Kpi(
        "resolution_sla",
        _("Resolution SLA compliance"),
        "resolution clocks that stopped in the period met or breached",
        "business",
        "met / (met + breached)",
        ("numerator", "total"),
    ),
    Kpi(
        "ola",
        _("OLA compliance"),
        "stays with a section that ended in the period and whose OLA was judged",
        "business",
        "per section: stays within OLA / stays judged",
        ("numerator", "total"),
    ),
    Kpi(
        "first_contact_resolution",
        _("First-contact resolution"),
        "incidents resolved in the period",
        NONE,
        "resolved by the desk while new, never dispatched / resolved",
        ("numerator", "total"),
    ),
    Kpi(
        "reopen",
        _("Reopen rate"),
        "incidents closed in the period",
        NONE,
        "closed incidents reopened at least once / closed incidents",
        ("numerator", "total"),
    ),
    Kpi(
        "backlog",
        _("Backlog"),
        "incidents open at the end of the period (or now): logged before, not resolved "
        "or cancelled by then",
        WALL,
        "count; ageing by wall time since logging: <1, 1–3, 3–7, 7–30, >30 days",
    ),
    Kpi(
        "handovers",
        _("Hand-overs and bounces"),
        "incidents resolved in the period; per section: stays begun in the period by a "
        "hand-over from another section (received) and stays ended by a return (bounced)",
        NONE,
        "hand-overs / incidents; the 踢球指数 of a section = received + bounced",
        ("numerator", "total"),
    ),
    Kpi(
        "section_share",
        _("Share of handling time"),
        "stays with a section that ended in the period",
        "business",
        "a section's business time (its stays' OLA clocks, pause-adjusted) / all sections'",
    ),
    Kpi(
        "delay_reasons",
        _("Delay reasons"),
        "stays that ended in the period over their OLA",
        NONE,
        "count by the delay reason recorded on the stay",
    ),
    Kpi(
        "escalations",
        _("Escalations"),
        "escalations (manual or automatic) made in the period",
        NONE,
        "count by the level reached (1 section lead, 2 incident manager, 3 director)",
    ),
    Kpi(
        "major_incidents",
        _("Major incidents"),
        "major incidents created in the period",
        WALL,
        "count; mean of resolved_at − created_at over those resolved",
    ),
    Kpi(
        "satisfaction",
        _("Satisfaction"),
        "incidents closed in the period",
        NONE,
        "responses / closed; mean score (1–5) of the responses; distribution",
        ("numerator", "total"),
    ),
    Kpi(
        "workload",
        _("Workload"),
        "per person: incidents assigned to them open now; stays they accepted in the "
        "period; incidents they resolved in the period",
        NONE,
        "counts",
        ("open", "accepted", "resolved"),
    ),
    Kpi(
        "collaboration",
        _("Cross-section collaboration"),
        "incidents resolved in the period that were handed over between sections, and "
        "their stays with the sections",
        BUSINESS,
        "mean handling time; on-time rate = stays accepted and finished within their OLA "
        "/ stays judged; each section's share of those incidents' time; delay reasons",
        ("numerator", "total", "incidents"),
    ),
)
KPIS = {kpi.name: kpi for kpi in DEFINITIONS}
KPI_NAMES: tuple[str, ...] = tuple(KPIS)


def allowed_names(scope: ReportScope) -> tuple[str, ...]:
    """A technician sees only their workload; every other reader every KPI (of their scope)."""
    return ("workload",) if scope.own_only else KPI_NAMES


def kpis_compute(filters: KpiFilters, scope: ReportScope, *, names=None) -> dict:
    """The figures of the named KPIs (all the scope allows by default), JSON-able."""
    wanted = [n for n in (names or KPI_NAMES) if n in allowed_names(scope)]
    return {name: getattr(figures, name)(filters, scope) for name in wanted}


# --- the incidents behind a figure --------------------------------------------------------


def _bad(field: str, message) -> ValidationError:
    return ValidationError({field: [message]})


def _department_key(key: str) -> Q:
    from itsm.selectors import department_by_code

    if not key:
        return Q()
    department = department_by_code(key)
    if department is None:
        raise _bad("key", _("No section has this code."))
    return Q(department_id=department.pk)


def _volume(filters, scope, part, key) -> QuerySet:
    qs = rows.incidents(filters, scope, "created_at")
    if not key:
        return qs
    dimension, _sep, value = key.partition(":")
    from django.utils import timezone

    tz = timezone.get_default_timezone()
    if dimension in ("nature", "source", "priority"):
        return qs.filter(**{dimension: value})
    if dimension == "category":
        from incidents.selectors import category_by_code

        category = category_by_code(value)
        return qs.filter(category=category) if category else qs.filter(category__isnull=True)
    if dimension in ("hour", "weekday") and value.isdigit():
        from django.db.models.functions import ExtractHour, ExtractIsoWeekDay

        fn = ExtractHour if dimension == "hour" else ExtractIsoWeekDay
        return qs.annotate(_k=fn("created_at", tzinfo=tz)).filter(_k=int(value))
    raise _bad("key", _("Use nature:, source:, priority:, category:, hour: or weekday:."))


def _clocks(target):
    def drill(filters, scope, part, key):
        return rows.clock_outcomes(filters, scope, target, met_only=part == "numerator")

    return drill


def _segments(segments_of, *, met_field: str | None = "ola_met"):
    def drill(filters, scope, part, key):
        segments = segments_of(filters, scope).filter(_department_key(key))
        if part == "numerator" and met_field:
            segments = segments.filter(**{met_field: True})
        return rows.segment_incidents(segments)

    return drill


def _rated(filters, scope, part, key) -> QuerySet:
    qs = rows.incidents(filters, scope, "closed_at")
    if part == "total":
        return qs
    if key:
        if not key.isdigit() or not 1 <= int(key) <= 5:
            raise _bad("key", _("A score is 1 to 5."))
        return qs.filter(satisfaction=int(key))
    return qs.filter(satisfaction__isnull=False)


def _backlog(filters, scope, part, key) -> QuerySet:
    qs = rows.backlog(filters, scope)
    if not key:
        return qs
    for code, low, high in figures.AGEING:
        if code == key:
            return qs.filter(figures._ageing_q(rows.backlog_at(filters), low, high))
    raise _bad("key", _("Unknown ageing bucket."))


def _handovers(filters, scope, part, key) -> QuerySet:
    if key:
        kind, _sep, code = key.partition(":")
        source = {"received": rows.received_segments, "bounced": rows.bounced_segments}.get(kind)
        if source is None or not code:
            raise _bad("key", _("Use received:<section> or bounced:<section>."))
        return rows.segment_incidents(source(filters, scope).filter(_department_key(code)))
    qs = rows.incidents(filters, scope, "resolved_at")
    if part == "total":
        return qs
    return qs.filter(Q(handover_count__gt=0) | Q(bounce_count__gt=0))


def _delays(filters, scope, part, key) -> QuerySet:
    segments = rows.segments_ended(filters, scope).filter(ola_met=False)
    if key == "none":
        segments = segments.filter(delay_reason__isnull=True)
    elif key:
        segments = segments.filter(delay_reason__code=key)
    return rows.segment_incidents(segments)


def _escalations(filters, scope, part, key) -> QuerySet:
    events = rows.escalation_events(filters, scope)
    if key:
        if key not in ("1", "2", "3"):
            raise _bad("key", _("A level is 1, 2 or 3."))
        events = events.filter(data__level=int(key))
    return Incident.objects.filter(pk__in=events.values("incident_id"))


def _workload(filters, scope, part, key) -> QuerySet:
    from django.contrib.auth import get_user_model

    person = None
    if key:
        person = get_user_model().objects.filter(username=key).first()
        if person is None:
            raise _bad("key", _("No user has this username."))
    elif scope.own_only:
        person = get_user_model()(pk=scope.own_user_id)  # their own row is all they see
    narrowed = person is not None
    if part in ("numerator", "open"):
        qs = rows.open_now(filters, scope).filter(assignee__isnull=False)
        return qs.filter(assignee=person) if narrowed else qs
    if part == "accepted":
        segments = rows.AssignmentSegment.objects.filter(
            rows.in_period("accepted_at", filters) & rows.segment_q(filters, scope),
            assignee__isnull=False,
        )
        return rows.segment_incidents(segments.filter(assignee=person) if narrowed else segments)
    qs = rows.incidents(filters, scope, "resolved_at").filter(resolved_by__isnull=False)
    return qs.filter(resolved_by=person) if narrowed else qs


def _collaboration(filters, scope, part, key) -> QuerySet:
    crossed = rows.incidents(filters, scope, "resolved_at").filter(handover_count__gt=0)
    if part == "incidents":
        return crossed
    segments = rows.AssignmentSegment.objects.filter(
        incident__in=crossed, ended_at__isnull=False, ola_met__isnull=False
    ).filter(_department_key(key))
    if part == "numerator":
        segments = segments.filter(ola_met=True)
    return rows.segment_incidents(segments)


DRILLS = {
    "volume": _volume,
    "mtta": lambda f, s, p, k: rows.incidents(f, s, "accepted_at"),
    "mttr": lambda f, s, p, k: rows.incidents(f, s, "resolved_at"),
    "response_sla": _clocks(Target.RESPONSE),
    "resolution_sla": _clocks(Target.RESOLUTION),
    "ola": _segments(rows.ola_segments),
    "first_contact_resolution": lambda f, s, p, k: rows.incidents(f, s, "resolved_at").filter(
        **({} if p == "total" else {"first_contact_resolution": True})
    ),
    "reopen": lambda f, s, p, k: rows.incidents(f, s, "closed_at").filter(
        **({} if p == "total" else {"reopen_count__gt": 0})
    ),
    "backlog": _backlog,
    "handovers": _handovers,
    "section_share": lambda f, s, p, k: rows.segment_incidents(
        rows.segments_ended(f, s)
        .filter(pk__in=rows.ola_clocks(f, s).values("segment_id"))
        .filter(_department_key(k))
    ),
    "delay_reasons": _delays,
    "escalations": _escalations,
    "major_incidents": lambda f, s, p, k: rows.incidents(f, s, "created_at").filter(is_major=True),
    "satisfaction": _rated,
    "workload": _workload,
    "collaboration": _collaboration,
}


def kpi_incidents(
    name: str, filters: KpiFilters, scope: ReportScope, *, part: str = "numerator", key: str = ""
) -> QuerySet[Incident]:
    """The incidents behind a figure: its numerator (or ``part="total"``, its denominator),
    narrowed by ``key`` to one entry of a breakdown. Raises ``KeyError`` for an unknown name
    and ``ValidationError`` (per field) for a part or key the KPI does not have."""
    kpi = KPIS[name]
    if name not in allowed_names(scope):
        raise KeyError(name)
    part = part or "numerator"
    if part not in {*kpi.parts, "numerator"}:
        raise _bad("part", _("This figure has the parts: %s.") % ", ".join(kpi.parts))
    return DRILLS[name](filters, scope, part, key or "")


__all__ = [
    "DEFINITIONS",
    "KPI_NAMES",
    "KPIS",
    "SERIES_METRICS",
    "buckets",
    "kpi_incidents",
    "kpi_series",
    "kpis_compute",
]
