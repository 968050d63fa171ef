"""Re-planning after calendar or policy edits (the ``replan_clocks`` command and the admin
actions). See docs/sla.md (Re-planning)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from sla import handlers
from sla.choices import State
from sla.models import SlaClock
from sla.services.hooks import replan_incident


@dataclass(frozen=True)
class Moved:
    """A clock whose deadline a re-plan moved."""

    clock_id: int
    incident_id: int
    incident_number: str
    target: str
    old_deadline: datetime
    new_deadline: datetime


def clocks_replan(
    *,
    clock_ids=None,
    calendars=None,
    policies=None,
    at: datetime | None = None,
    dry_run: bool = False,
) -> list[Moved]:
    """Re-plan the clocks that have not stopped (all, or those of the given clocks,
    calendars or policies) after an edit: policies are matched again, OLA targets and
    calendars read again; met and breached clocks keep their outcome. One transaction per
    incident; returns the clocks whose deadline moved."""
    at = at or timezone.now()
    qs = SlaClock.objects.filter(stopped_at__isnull=True).exclude(
        state__in=(State.MET, State.CANCELLED)
    )
    if clock_ids is not None:
        qs = qs.filter(pk__in=list(clock_ids))
    if calendars is not None:
        qs = qs.filter(calendar__in=list(calendars))
    if policies is not None:
        qs = qs.filter(policy__in=list(policies))
    wanted: dict[int, set[int]] = defaultdict(set)
    for clock_id, incident_id in qs.values_list("id", "incident_id").order_by("incident_id"):
        wanted[incident_id].add(clock_id)
    incident_model = SlaClock._meta.get_field("incident").related_model
    moved: list[Moved] = []
    for incident_id, ids in wanted.items():
        with transaction.atomic():
            incident = (
                incident_model.objects.select_for_update(of=("self",))
                .select_related("category")
                .filter(pk=incident_id)
                .first()
            )
            if incident is None:
                continue
            before = dict(SlaClock.objects.filter(pk__in=ids).values_list("id", "deadline"))
            old_nearest = incident.next_deadline_at
            nearest = replan_incident(incident, at, ola=True, clock_ids=ids)
            after = dict(SlaClock.objects.filter(pk__in=ids).values_list("id", "deadline"))
            targets = dict(SlaClock.objects.filter(pk__in=ids).values_list("id", "target"))
            for clock_id, old in before.items():
                new = after.get(clock_id)
                if new is not None and new != old:
                    moved.append(
                        Moved(
                            clock_id=clock_id,
                            incident_id=incident_id,
                            incident_number=getattr(incident, "number", str(incident_id)),
                            target=targets[clock_id],
                            old_deadline=old,
                            new_deadline=new,
                        )
                    )
            if dry_run:
                transaction.set_rollback(True)
            elif nearest != old_nearest:
                for handler in handlers.deadline_handlers():
                    handler(incident_id, nearest)
    return moved
