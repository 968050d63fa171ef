"""The rows each KPI counts, as querysets (``reports/kpis.py`` has the definitions): the
incidents, segments, clocks and events of a period, with the filters and the reader's scope
applied. The figures aggregate these; the drill-downs list their incidents."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from incidents.choices import OPEN_STATUSES, EventKind, SegmentEnd
from incidents.models import AssignmentSegment, Incident, IncidentEvent
from itsm.models import DepartmentKind
from reports.filters import KpiFilters
from reports.scopes import ReportScope
from sla.choices import State, Target
from sla.models import SlaClock

OUTCOMES = (State.MET, State.BREACHED)


def incident_q(filters: KpiFilters, scope: ReportScope, prefix: str = "") -> Q:
    """The filters and the scope on the incident (reached through ``prefix``)."""
    q = Q()
    for name in ("priority", "nature", "source"):
        if getattr(filters, name):
            q &= Q(**{f"{prefix}{name}": getattr(filters, name)})
    ids = filters.category_ids()
    if ids is not None:
        q &= Q(**{f"{prefix}category_id__in": ids})
    if filters.department is not None:
        q &= Q(**{f"{prefix}department_id": filters.department.pk})
    if not scope.everything and scope.department_ids:
        q &= Q(**{f"{prefix}department_id__in": sorted(scope.department_ids)})
    elif not scope.everything and scope.own_user_id is not None:
        q &= Q(**{f"{prefix}assignee_id": scope.own_user_id})
    return q


def segment_q(filters: KpiFilters, scope: ReportScope, prefix: str = "") -> Q:
    """The filters on a segment: the section is the segment's, the rest the incident's."""
    q = Q()
    inc = f"{prefix}incident__"
    for name in ("priority", "nature", "source"):
        if getattr(filters, name):
            q &= Q(**{f"{inc}{name}": getattr(filters, name)})
    ids = filters.category_ids()
    if ids is not None:
        q &= Q(**{f"{inc}category_id__in": ids})
    if filters.department is not None:
        q &= Q(**{f"{prefix}department_id": filters.department.pk})
    if not scope.everything and scope.department_ids:
        q &= Q(**{f"{prefix}department_id__in": sorted(scope.department_ids)})
    elif not scope.everything and scope.own_user_id is not None:
        q &= Q(**{f"{prefix}assignee_id": scope.own_user_id})
    return q


def in_period(field: str, filters: KpiFilters) -> Q:
    start, end = filters.bounds()
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def incidents(filters: KpiFilters, scope: ReportScope, field: str) -> QuerySet[Incident]:
    """The incidents whose ``field`` (created_at, accepted_at, resolved_at, closed_at) falls
    in the period."""
    return Incident.objects.filter(in_period(field, filters) & incident_q(filters, scope))


def clock_outcomes(filters, scope, target: str, *, met_only=False) -> QuerySet[Incident]:
    """Incidents whose response or resolution clock stopped in the period met or breached
    (one such clock per incident and target; ``met_only``: met). The conditions on the
    clock are in one ``filter`` so that they name one join."""
    return Incident.objects.filter(
        incident_q(filters, scope),
        sla_clocks__segment__isnull=True,
        sla_clocks__target=target,
        sla_clocks__state__in=(State.MET,) if met_only else OUTCOMES,
        sla_clocks__stopped_at__gte=filters.bounds()[0],
        sla_clocks__stopped_at__lt=filters.bounds()[1],
    )


def segments_ended(filters, scope) -> QuerySet[AssignmentSegment]:
    """The stays with a section that ended in the period."""
    return AssignmentSegment.objects.filter(
        in_period("ended_at", filters) & segment_q(filters, scope)
    )


def ola_segments(filters, scope) -> QuerySet[AssignmentSegment]:
    """Ended stays whose OLA was judged (met or overrun)."""
    return segments_ended(filters, scope).filter(ola_met__isnull=False)


def ola_clocks(filters, scope, segments: QuerySet | None = None) -> QuerySet[SlaClock]:
    """The stopped "resolve or hand on" OLA clocks of the stays ended in the period: their
    ``anchor_consumed`` is the business time the stay used, pause-adjusted, on the calendar
    in force then."""
    qs = SlaClock.objects.filter(
        target=Target.OLA_RESOLVE,
        stopped_at__isnull=False,
        segment__in=segments if segments is not None else segments_ended(filters, scope),
    )
    return qs


def received_segments(filters, scope) -> QuerySet[AssignmentSegment]:
    """Stays that began in the period by a hand-over from another (non-desk) section."""
    handed = AssignmentSegment.objects.filter(
        incident_id=OuterRef("incident_id"),
        ended_at=OuterRef("started_at"),
        end_reason=SegmentEnd.HANDED_OVER,
    ).exclude(department__kind=DepartmentKind.SERVICE_DESK)
    return AssignmentSegment.objects.filter(
        in_period("started_at", filters) & segment_q(filters, scope), Exists(handed)
    )


def bounced_segments(filters, scope) -> QuerySet[AssignmentSegment]:
    """Stays that ended in the period by the section returning the incident (退回)."""
    return segments_ended(filters, scope).filter(end_reason=SegmentEnd.RETURNED)


def escalation_events(filters, scope) -> QuerySet[IncidentEvent]:
    return IncidentEvent.objects.filter(
        in_period("at", filters) & incident_q(filters, scope, "incident__"),
        kind=EventKind.ESCALATED,
    )


def backlog_at(filters: KpiFilters) -> datetime:
    """The moment the backlog is read: the end of the period, or now if that is later."""
    return min(filters.bounds()[1], timezone.now())


def backlog(filters, scope) -> QuerySet[Incident]:
    """Incidents open at the moment: logged before it, not resolved or cancelled by then
    (their latest resolution counts)."""
    at = backlog_at(filters)
    return Incident.objects.filter(
        incident_q(filters, scope),
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=at),
        Q(cancelled_at__isnull=True) | Q(cancelled_at__gte=at),
        created_at__lt=at,
    )


def open_now(filters, scope) -> QuerySet[Incident]:
    """Incidents open now (the filters' period does not apply)."""
    return Incident.objects.filter(incident_q(filters, scope), status__in=OPEN_STATUSES)


def segment_incidents(segments: QuerySet) -> QuerySet[Incident]:
    """The incidents of these stays, one row per stay (an incident with two stays counted
    appears twice, so that the list has as many rows as the figure counts)."""
    return Incident.objects.filter(segments__in=segments)
