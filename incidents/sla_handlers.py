"""What an incident does when its SLA clocks need it; registered with ``sla.handlers`` in
``IncidentsConfig.ready`` (``sla`` never imports ``incidents``, DESIGN §5).

The tick calls ``on_threshold`` inside the transaction that marks the threshold fired, so
the escalation, its event and the notifications commit with the mark, exactly once.
"""

import logging

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from incidents import events, notify
from incidents.choices import FINAL_STATUSES, EventKind
from incidents.models import AssignmentSegment, Incident
from itsm.roles import Role

logger = logging.getLogger(__name__)

# Not (yet) an EventKind choice: the value is stored as is and shown raw until it is added.
CALENDAR_GAP_EVENT = EventKind.SLA_CALENDAR_GAP

_TARGET_LABELS = {
    "response": gettext_lazy("response"),
    "resolution": pgettext_lazy("SLA target", "resolution"),
    "update": gettext_lazy("update"),
    "ola_accept": gettext_lazy("OLA acceptance"),
    "ola_resolve": gettext_lazy("OLA resolution or hand-over"),
}


def _recipients(incident: Incident, names, department=None) -> list:
    people = []
    if "assignee" in names:
        people.append(incident.assignee)
    if "owner" in names:
        people.append(incident.owner)
    if "lead" in names:
        people.extend(notify.section_leads(department or incident.department))
    if "incident_manager" in names:
        people.extend(notify.users_with_role(Role.INCIDENT_MANAGER))
    if "director" in names:
        people.extend(notify.users_with_role(Role.DIRECTOR))
    return [p for p in people if p is not None]


def on_threshold(crossing) -> None:
    """Escalate when the threshold raises the level above the incident's, and tell the
    people the threshold names (those the escalation already told are not told twice)."""
    from incidents import services

    incident = Incident.objects.select_related("department", "assignee", "owner").get(
        pk=crossing.incident_id
    )
    if incident.status in FINAL_STATUSES:
        return
    label = _TARGET_LABELS.get(crossing.target, crossing.target)
    told_by_escalation: set[str] = set()
    if crossing.escalation_level > incident.escalation_level:
        incident = services.incident_escalate(
            incident=incident.pk,
            by=None,
            level=crossing.escalation_level,
            reason=f"SLA {crossing.target} {crossing.percent}%",
        )
        escalated = incident.events.filter(kind=EventKind.ESCALATED).order_by("-id").first()
        told_by_escalation = set(escalated.notified if escalated else ())

    department = None
    names = set(crossing.notify)
    if crossing.target == "update":
        names |= {"owner", "assignee", "incident_manager"}
        headline = _("A progress update of the major incident is due")
    elif crossing.target in ("ola_accept", "ola_resolve"):
        segment = AssignmentSegment.objects.select_related("department").get(pk=crossing.segment_id)
        department = segment.department
        names |= {"lead"}
        headline = _("OLA overrun in %(section)s: %(target)s") % {
            "section": department,
            "target": label,
        }
    elif crossing.breached:
        headline = _("SLA breached: %(target)s target") % {"target": label}
    else:
        headline = _("SLA warning: %(percent)s%% of the %(target)s target used") % {
            "percent": crossing.percent,
            "target": label,
        }
    recipients = [
        user
        for user in _recipients(incident, names, department)
        if user.username not in told_by_escalation
    ]
    event = "sla.breached" if crossing.breached else "sla.warning"
    notify.send(incident=incident, event=event, recipients=recipients, headline=headline)


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
