"""Hierarchical escalation (DESIGN §2.2): by hand with a reason, and by the SLA clocks' thresholds
in batches; both go through one in-memory step, ``_escalation``."""

from collections import Counter, defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import events, notify
from incidents.choices import (
    FINAL_STATUSES,
    EventKind,
)
from incidents.models import (
    AssignmentSegment,
    Incident,
    IncidentEvent,
)
from incidents.services.base import ensure_allowed, lock_incident, require, save_incident
from itsm.services import notification_queue_many
from sla.choices import OLA_TARGETS


def _escalation(
    incident: Incident,
    *,
    by,
    level: int | None,
    reason: str,
    at: datetime,
    people: notify.People = notify.PEOPLE,
    outbox=None,
):
    """The escalation of a locked incident, in memory: the checks and the transition, the
    notifications of the level told, and its event (not saved). Returns the event and the
    people told; the caller saves the incident and the event."""
    ensure_allowed(incident, "escalate", by)
    target = incident.escalation_level + 1 if level is None else level
    require(
        {
            "reason": [_("An escalation needs a reason.")] if not reason else None,
            "level": [_("The level must be above the current one and at most 3.")]
            if not (incident.escalation_level < target <= 3)
            else None,
        }
    )
    from_level = incident.escalation_level
    incident.escalate(level=target)
    told = notify.escalated(incident, level=target, reason=reason, people=people, outbox=outbox)
    event = events.new_event(
        incident=incident,
        kind=EventKind.ESCALATED,
        actor=by,
        at=at,
        from_status=incident.status,
        to_status=incident.status,
        reason=reason,
        data={"from_level": from_level, "level": target, "automatic": by is None},
        notified=told,
    )
    return event, told


def incident_escalate(
    *,
    incident,
    by,
    reason: str,
    level: int | None = None,
    expected_version: int | None = None,
) -> Incident:
    """Hierarchical escalation: raise the level of attention (1 lead, 2 incident manager,
    3 director) and tell that level. ``by=None`` is the SLA clock's automatic escalation."""
    at = timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = lock_incident(incident, expected_version=expected_version)
        event, _told = _escalation(incident, by=by, level=level, reason=reason, at=at)
        save_incident(incident, at, {"escalation_level"})
        event.save(force_insert=True)
        events.recorded(event)
    return incident


def incidents_lock_for_thresholds(*, crossings) -> list:
    """The lock step of an SLA tick batch (``sla_handlers.lock_incidents``): lock the
    crossings' incidents without waiting and return the crossings whose incident another
    transaction holds (an incident service in the middle of a change, another tick). The tick
    leaves those clocks due, unmarked, for a later batch; the incidents locked here stay
    locked until the batch commits, so ``incident_thresholds_crossed`` finds them held."""
    ids = {c.incident_id for c in crossings}
    held = set(
        Incident.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    return [c for c in crossings if c.incident_id not in held]


def incident_thresholds_crossed(*, crossings) -> None:
    """The crossings of one SLA tick batch (``sla_handlers.on_thresholds``), in order: what
    ``incident_escalate`` and the threshold's notice do for each one by one (escalate when the
    threshold's level is above the incident's, then tell whom the threshold names but those
    the escalation told), in a handful of statements for the whole batch. Anything refused
    raises, and the tick then goes through the crossings one by one."""
    if not crossings:
        return
    at = timezone.now()
    with transaction.atomic():
        # Locked already by the tick's lock step (incidents_lock_for_thresholds): no wait.
        incidents = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("department", "assignee", "owner")
            .in_bulk({c.incident_id for c in crossings})
        )
        segments = _ola_segments(crossings)
        people = notify.CachedPeople()
        outbox, new_events = [], []
        escalations = Counter()  # incident id -> escalations in this batch
        for crossing in crossings:
            incident = incidents[crossing.incident_id]
            if incident.status in FINAL_STATUSES:
                continue
            told: set[str] = set()
            target = crossing.escalation_level
            if target > incident.escalation_level:
                event, people_told = _escalation(
                    incident,
                    by=None,
                    level=target,
                    reason=crossing.reason,
                    at=at,
                    people=people,
                    outbox=outbox,
                )
                incident.version += 1
                incident.updated_at = at
                escalations[incident.pk] += 1
                # Its webhooks now, while the incident is as this escalation left it (a
                # second one in the batch raises the level again); the row goes in below,
                # in the same transaction.
                events.recorded(event)
                new_events.append(event)
                told = {user.username for user in people_told}
            department = None
            if crossing.target in OLA_TARGETS:
                department = segments[crossing.segment_id].department
            notify.threshold_crossed(
                incident,
                crossing,
                department=department,
                skip=told,
                people=people,
                outbox=outbox,
            )
        _save_levels(incidents, escalations, at)
        IncidentEvent.objects.bulk_create(new_events)
        notification_queue_many(outbox)


def _ola_segments(crossings) -> dict:
    """The segments of the batch's OLA crossings, with their sections, by id."""
    ids = {c.segment_id for c in crossings if c.target in OLA_TARGETS}
    return AssignmentSegment.objects.select_related("department").in_bulk(ids) if ids else {}


def _save_levels(incidents: dict, escalations: Counter, at) -> None:
    """The batch's escalations saved: one UPDATE per (new level, escalations of the incident
    in this batch), at most nine — bulk_update's CASE per row cost more than the rest of the
    batch together."""
    groups = defaultdict(list)
    for pk, bumps in escalations.items():
        groups[(incidents[pk].escalation_level, bumps)].append(pk)
    for (level, bumps), ids in groups.items():
        Incident.objects.filter(pk__in=ids).update(
            escalation_level=level, version=F("version") + bumps, updated_at=at
        )
