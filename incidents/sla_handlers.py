"""What an incident does when its SLA clocks need it; registered with ``sla.handlers`` in
``IncidentsConfig.ready`` (``sla`` never imports ``incidents``, DESIGN §5).

The tick first calls ``lock_incidents`` (the tick itself locks only clock rows), then
``on_thresholds`` with the whole batch (``on_threshold`` crossing by crossing if that fails)
inside the transaction that marks the thresholds fired, so the escalations, their events and
the notifications commit with the marks, exactly once.
"""

import logging

from django.utils.translation import gettext as _

from incidents import events
from incidents.choices import EventKind
from incidents.models import Incident

logger = logging.getLogger(__name__)

# Not (yet) an EventKind choice: the value is stored as is and shown raw until it is added.
CALENDAR_GAP_EVENT = EventKind.SLA_CALENDAR_GAP


def lock_incidents(crossings) -> list:
    """The tick's lock step: lock the crossings' incidents without waiting; hand back the
    crossings whose incident another transaction holds
    (``services.incidents_lock_for_thresholds``)."""
    from incidents import services

    return services.incidents_lock_for_thresholds(crossings=crossings)


def on_threshold(crossing) -> None:
    """One crossing (the tick's fallback when the batch raised): the batch rule with a batch
    of one, so that the rule has one spelling."""
    on_thresholds([crossing])


def on_thresholds(crossings) -> None:
    """Escalate when a threshold raises the level above the incident's, and tell the people
    the threshold names (those the escalation already told are not told twice), for a whole
    tick batch in a few statements (``services.incident_thresholds_crossed``)."""
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


def on_replan(incident_id: int, replan) -> None:
    """Re-plan one incident's clocks for ``sla.services.clocks_replan``: the incident locked
    first, what the re-plan returns written (``services.incident_clocks_replan``)."""
    from incidents import services

    services.incident_clocks_replan(incident_id=incident_id, replan=replan)
