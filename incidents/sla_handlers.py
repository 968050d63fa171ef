"""What an incident does when its SLA clocks need it; registered with ``sla.handlers`` in
``IncidentsConfig.ready`` (``sla`` never imports ``incidents``, DESIGN §5).

The tick calls ``on_thresholds`` with a whole batch (``on_threshold`` crossing by crossing if
that fails) inside the transaction that marks the thresholds fired, so the escalations, their
events and the notifications commit with the marks, exactly once.
"""

import logging

from django.utils.translation import gettext as _

from incidents import events, notify
from incidents.choices import FINAL_STATUSES, EventKind
from incidents.models import AssignmentSegment, Incident
from sla.choices import OLA_TARGETS

logger = logging.getLogger(__name__)

# Not (yet) an EventKind choice: the value is stored as is and shown raw until it is added.
CALENDAR_GAP_EVENT = EventKind.SLA_CALENDAR_GAP


def on_threshold(crossing) -> None:
    """Escalate when the threshold raises the level above the incident's, and tell the
    people the threshold names (those the escalation already told are not told twice)."""
    from incidents import services

    incident = Incident.objects.select_related("department", "assignee", "owner").get(
        pk=crossing.incident_id
    )
    if incident.status in FINAL_STATUSES:
        return
    told_by_escalation: set[str] = set()
    if crossing.escalation_level > incident.escalation_level:
        incident = services.incident_escalate(
            incident=incident.pk,
            by=None,
            level=crossing.escalation_level,
            reason=crossing.reason,
        )
        escalated = incident.events.filter(kind=EventKind.ESCALATED).order_by("-id").first()
        told_by_escalation = set(escalated.notified if escalated else ())
    department = None
    if crossing.target in OLA_TARGETS:
        department = (
            AssignmentSegment.objects.select_related("department")
            .get(pk=crossing.segment_id)
            .department
        )
    notify.threshold_crossed(incident, crossing, department=department, skip=told_by_escalation)


def on_thresholds(crossings) -> None:
    """``on_threshold`` for a whole tick batch, in a few statements
    (``services.incident_thresholds_crossed``); the tick falls back to ``on_threshold``
    crossing by crossing when this raises."""
    from incidents import services

    services.incident_thresholds_crossed(crossings=crossings)


def on_calendar_gap(gap) -> None:
    """Record on the incident that a deadline was computed beyond the calendar's data."""
    incident = Incident.objects.filter(pk=gap.incident_id).first()
    if incident is None:
        return
    events.record(
        incident=incident,
        kind=CALENDAR_GAP_EVENT,
        actor=None,
        at=gap.at,
        from_status=incident.status,
        reason=_(
            "The %(target)s deadline lies beyond the holiday data of calendar %(calendar)s "
            "(known until %(until)s): it may be wrong."
        )
        % {"target": gap.target, "calendar": gap.calendar_code, "until": gap.valid_until},
        data={
            "clock": gap.clock_id,
            "target": gap.target,
            "calendar": gap.calendar_code,
            "deadline": gap.deadline.isoformat(),
            "valid_until": gap.valid_until.isoformat() if gap.valid_until else None,
        },
    )


def on_deadline_moved(incident_id: int, deadline) -> None:
    """A re-plan moved the nearest deadline: keep the queue sort key in step."""
    Incident.objects.filter(pk=incident_id).update(next_deadline_at=deadline)
