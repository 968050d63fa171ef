"""The only writer of assignment segments: each stretch of time an incident spends with one
section, with its OLA clocks (DESIGN §2.3). The transitions call these inside their
transaction, with the incident locked."""

from datetime import datetime

from incidents.models import AssignmentSegment, Incident
from sla import services as sla


def segment_open(incident: Incident) -> AssignmentSegment | None:
    """The incident's open segment, locked."""
    return (
        AssignmentSegment.objects.select_for_update()
        .filter(incident=incident, ended_at__isnull=True)
        .first()
    )


def segment_first(incident: Incident, at: datetime, opening) -> AssignmentSegment:
    """The first segment of a new incident, not saved: the creation writes it in the same
    statement as the incident (``itsm.db.insert_linked``), with the OLA due times that
    ``sla.clocks_planned`` gave (``opening``)."""
    return AssignmentSegment(
        incident=incident,
        department=incident.department,
        assignee=incident.assignee,
        started_at=at,
        ola_accept_due_at=opening.ola_accept_due_at,
        ola_resolve_due_at=opening.ola_resolve_due_at,
    )


def segment_end(incident: Incident, at: datetime, reason: str) -> AssignmentSegment | None:
    """End the open segment (hand-over, return, resolution, cancellation) and its OLA clocks."""
    segment = segment_open(incident)
    if segment is not None:
        segment.ended_at = at
        segment.end_reason = reason
        segment.save(update_fields=["ended_at", "end_reason"])
        segment_ola_set(sla.ola_segment_ended(segment=segment, at=at), segment=segment)
    return segment


def segment_start(incident: Incident, at: datetime, reason: str = "") -> AssignmentSegment:
    """Open a segment at the incident's section and start its OLA clocks."""
    segment = AssignmentSegment.objects.create(
        incident=incident,
        department=incident.department,
        assignee=incident.assignee,
        started_at=at,
        handover_reason=reason,
    )
    segment_ola_set(sla.ola_segment_started(segment=segment, at=at), segment=segment)
    return segment


def segment_assignee_set(incident: Incident) -> None:
    """The open segment follows an assignment inside the section (or its undoing)."""
    segment = segment_open(incident)
    if segment is not None and segment.assignee_id != incident.assignee_id:
        segment.assignee = incident.assignee
        segment.save(update_fields=["assignee"])


def segment_reopened(segment: AssignmentSegment, at: datetime) -> None:
    """A reopened resolution goes back to the section that resolved it, taken as accepted."""
    if segment.accepted_at is None:
        segment.accepted_at = at
        segment.save(update_fields=["accepted_at"])


def segment_accepted(incident: Incident, *, by, at: datetime) -> None:
    """The section accepted the incident: the segment's assignee and its first acceptance,
    which answers the OLA acceptance clock."""
    segment = segment_open(incident)
    if segment is None:
        return
    segment.assignee = by
    update = ["assignee"]
    if segment.accepted_at is None:
        segment.accepted_at = at
        update.append("accepted_at")
    segment.save(update_fields=update)
    segment_ola_set(sla.ola_segment_accepted(segment=segment, at=at), segment=segment)


def segment_ola_set(moved, *, segment: AssignmentSegment | None = None) -> None:
    """Write the OLA fields the clock services computed (``moved.segments``: due times, and
    whether the OLA was met), on ``segment`` in memory as well if it is one of them."""
    for segment_id, values in moved.segments.items():
        if segment is not None and segment.pk == segment_id:
            changed = [name for name, value in values.items() if getattr(segment, name) != value]
            for name in changed:
                setattr(segment, name, values[name])
            if changed:
                segment.save(update_fields=changed)
        else:
            AssignmentSegment.objects.filter(pk=segment_id).update(**values)
