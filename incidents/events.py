"""One small function per kind of history event; each writes one append-only row."""

from incidents import webhooks
from incidents.choices import EventKind
from incidents.models import Incident, IncidentEvent


def _usernames(users) -> list[str]:
    return sorted({u.username for u in users if u is not None})


def new_event(
    *,
    incident: Incident,
    kind: str,
    actor,
    at,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict | None = None,
    notified=(),
) -> IncidentEvent:
    """The event, not yet saved (written with other rows: see ``incident_create``); hand it
    to ``recorded`` once it is."""
    return IncidentEvent(
        incident=incident,
        kind=kind,
        actor=actor,
        at=at,
        from_status=from_status,
        to_status=to_status or from_status,
        reason=reason,
        data=data or {},
        notified=_usernames(notified),
    )


def recorded(event: IncidentEvent) -> IncidentEvent:
    """After an event's row is written: its outbound webhooks, as delivery rows in this same
    transaction (docs/api.md)."""
    webhooks.incident_event_recorded(event)
    return event


def record(**kwargs) -> IncidentEvent:
    """Write one event (``new_event``'s arguments)."""
    event = new_event(**kwargs)
    event.save(force_insert=True)
    return recorded(event)


def transition(*, incident, kind, actor, at, from_status, reason="", data=None, notified=()):
    """A state transition (or a level change): from the old status to the current one."""
    return record(
        incident=incident,
        kind=kind,
        actor=actor,
        at=at,
        from_status=from_status,
        to_status=incident.status,
        reason=reason,
        data=data,
        notified=notified,
    )


def created(*, incident, actor, at, notified=()) -> IncidentEvent:
    """The event of a new incident, not yet saved (``incident_create`` writes it with the
    incident's other first rows; ``recorded`` after)."""
    return new_event(
        incident=incident,
        kind=EventKind.CREATED,
        actor=actor,
        at=at,
        to_status=incident.status,
        data={
            "priority": incident.priority,
            "department": incident.department.code if incident.department else None,
            "routed_department": (
                incident.routed_department.code if incident.routed_department else None
            ),
            "source": incident.source,
            "nature": incident.nature,
        },
        notified=notified,
    )


def changed(*, incident, actor, at, changes: dict, kind=EventKind.UPDATED, reason=""):
    """Field edits: ``changes`` maps a field name to [old, new] (JSON-safe values)."""
    return record(
        incident=incident,
        kind=kind,
        actor=actor,
        at=at,
        from_status=incident.status,
        reason=reason,
        data={"changes": changes},
    )
