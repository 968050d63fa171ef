"""Re-planning after calendar or policy edits (the ``replan_clocks`` command and the admin
actions). See docs/sla.md (Re-planning)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from sla import handlers
from sla.choices import State
from sla.models import SlaClock
from sla.services.hooks import ClocksMoved, replan_incident


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
    incident, through the registered re-plan handler (which locks the incident and writes
    its nearest deadline and its segments' OLA due times: ``sla`` reads and writes neither);
    returns the clocks whose deadline moved. ``dry_run`` rolls every incident's transaction back."""
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
    registered = handlers.replan_handlers()
    if wanted and not registered:
        raise ImproperlyConfigured("no re-plan handler registered (sla.handlers)")
    moved: list[Moved] = []
    for incident_id, ids in wanted.items():
        with transaction.atomic():
            # The layer above locks the incident and writes what the re-plan returns.
            registered[0](incident_id, partial(_replan_one, ids=ids, at=at, moved=moved))
            if dry_run:
                transaction.set_rollback(True)
    return moved


def _replan_one(incident, *, ids: set[int], at: datetime, moved: list[Moved]) -> ClocksMoved:
    """Re-plan the clocks ``ids`` of the locked ``incident``; add those whose deadline moved
    to ``moved``; return what the incident's side writes (nearest deadline, OLA due times)."""
    # By id: SlaClock's default ordering goes through its incident, a join on that table.
    clocks = SlaClock.objects.filter(pk__in=ids).order_by("id")
    before = dict(clocks.values_list("id", "deadline"))
    result = replan_incident(incident, at, ola=True, clock_ids=ids)
    after = {
        pk: (deadline, target)
        for pk, deadline, target in clocks.values_list("id", "deadline", "target")
    }
    for clock_id, old in before.items():
        new, target = after.get(clock_id, (None, None))
        if new is not None and new != old:
            moved.append(
                Moved(
                    clock_id=clock_id,
                    incident_id=incident.pk,
                    incident_number=getattr(incident, "number", str(incident.pk)),
                    target=target,
                    old_deadline=old,
                    new_deadline=new,
                )
            )
    return result
