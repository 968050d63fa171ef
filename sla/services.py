"""SLA clock services: the narrow interface the incident services call (DESIGN §5), the tick,
re-planning, and the writes on calendars.

``sla`` never imports ``incidents``: each hook takes the incident (or segment) object the
caller has locked, moves that incident's clocks inside the caller's transaction and returns
the incident's nearest running deadline (response and resolution clocks that count), which
the caller keeps in ``Incident.next_deadline_at`` for queue sorting. When a threshold is
crossed the tick calls the handler the incidents app registered (``sla.handlers``).
See docs/sla.md for the rules.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from sla import handlers
from sla.businesstime import WorkingCalendar
from sla.calendars import business_limit, covers, working_calendar, working_days_before
from sla.choices import COUNTING_STATES, DayKind, State, Target
from sla.models import BusinessCalendar, CalendarDay, SlaClock, SlaPolicy, SlaThreshold
from sla.selectors import (
    nearest_deadline,
    ola_target_for,
    policy_for_incident,
    thresholds_by_policy,
)

logger = logging.getLogger(__name__)

_ZERO = timedelta(0)
# Errors after which the transaction cannot go on: the whole batch rolls back and is retried.
_TRANSIENT = (OperationalError, InterfaceError)

# The fields a clock service changes (saved together with the revision).
_MUTABLE = [
    "policy",
    "ola_target",
    "calendar",
    "target_duration",
    "anchor_at",
    "anchor_consumed",
    "deadline",
    "paused_at",
    "paused_business",
    "stopped_at",
    "state",
    "breached_at",
    "next_check_at",
    "fired",
    "calendar_gap",
    "revision",
    "updated_at",
]


# --- clock arithmetic (no queries beyond the cached calendar) --------------------------------


def _share(target: timedelta, percent: int) -> timedelta:
    return target * percent // 100


def _wc(clock: SlaClock) -> WorkingCalendar:
    return working_calendar(clock.calendar)


def _consumed(clock: SlaClock, wc: WorkingCalendar, at: datetime) -> timedelta:
    if clock.state in COUNTING_STATES and clock.stopped_at is None and clock.paused_at is None:
        return clock.anchor_consumed + wc.elapsed(clock.anchor_at, at)
    return clock.anchor_consumed


def _instant(clock: SlaClock, wc: WorkingCalendar, amount: timedelta) -> datetime:
    """When the clock will have used ``amount`` of business time (counting from its anchor)."""
    need = amount - clock.anchor_consumed
    if need <= _ZERO:
        return clock.anchor_at
    return wc.add(clock.anchor_at, need)


def _points(clock: SlaClock, thresholds: dict[int, list[SlaThreshold]]) -> list[int]:
    """The percents at which the tick must look at the clock: its policy's thresholds for
    its target, and 100 (the breach, or the update reminder)."""
    points = {100}
    if clock.target in (Target.RESPONSE, Target.RESOLUTION) and clock.policy_id:
        points.update(
            t.percent for t in thresholds.get(clock.policy_id, ()) if t.target == clock.target
        )
    return sorted(points)


def _thresholds_for(policy_ids) -> dict[int, list[SlaThreshold]]:
    result: dict[int, list[SlaThreshold]] = defaultdict(list)
    ids = {pk for pk in policy_ids if pk}
    if ids:
        every = thresholds_by_policy()
        for pk in ids:
            if pk in every:
                result[pk] = every[pk]
    return result


def _plan(
    clock: SlaClock,
    wc: WorkingCalendar,
    at: datetime,
    thresholds: dict[int, list[SlaThreshold]],
) -> None:
    """Recompute the deadline, the next check and the calendar-gap flag from the anchor."""
    counting = clock.state in COUNTING_STATES and clock.stopped_at is None
    counting = counting and clock.paused_at is None
    if clock.breached_at is None:
        clock.deadline = _instant(clock, wc, clock.target_duration)
    if counting:
        unfired = [p for p in _points(clock, thresholds) if p not in (clock.fired or [])]
        if clock.target == Target.UPDATE:
            clock.next_check_at = clock.deadline
        elif unfired:
            clock.next_check_at = _instant(clock, wc, _share(clock.target_duration, unfired[0]))
        else:
            clock.next_check_at = None
    else:
        clock.next_check_at = None
    clock.calendar_gap = not covers(wc, clock.anchor_at, clock.deadline)


def _pause(clock: SlaClock, wc: WorkingCalendar, at: datetime) -> bool:
    if not clock.is_counting:
        return False
    clock.anchor_consumed += wc.elapsed(clock.anchor_at, at)
    clock.anchor_at = at
    clock.paused_at = at
    clock.state = State.PAUSED
    clock.next_check_at = None
    return True


def _resume(clock: SlaClock, wc: WorkingCalendar, at: datetime, thresholds) -> bool:
    if clock.state != State.PAUSED or clock.paused_at is None or clock.stopped_at is not None:
        return False
    clock.paused_business += wc.elapsed(clock.paused_at, at)
    clock.paused_at = None
    clock.anchor_at = at
    clock.state = State.BREACHED if clock.breached_at else State.RUNNING
    _plan(clock, wc, at, thresholds)
    return True


def _stop(clock: SlaClock, wc: WorkingCalendar, at: datetime, *, completed: bool) -> bool:
    """Stop the clock: met if completed within the target, breached if over it (or already
    marked), cancelled if it ended without being completed."""
    if clock.is_stopped:
        return False
    if clock.paused_at is not None:
        clock.paused_business += wc.elapsed(clock.paused_at, at)
        clock.paused_at = None
        overrun = clock.anchor_consumed > clock.target_duration
    else:
        clock.anchor_consumed += wc.elapsed(clock.anchor_at, at)
        overrun = at > clock.deadline
    clock.anchor_at = at
    clock.stopped_at = at
    clock.next_check_at = None
    if clock.target == Target.UPDATE:
        clock.state = State.CANCELLED  # a reminder cycle has no outcome
    elif clock.breached_at is not None or overrun:
        clock.state = State.BREACHED
        if clock.breached_at is None:
            clock.breached_at = min(clock.deadline, at)
    else:
        clock.state = State.MET if completed else State.CANCELLED
    return True


def _restart(clock: SlaClock, wc: WorkingCalendar, at: datetime, thresholds) -> bool:
    """Run a stopped clock again from where it stopped: the business time it had used
    counts, the time it stood still does not."""
    if clock.stopped_at is None:
        return False
    clock.paused_business += wc.elapsed(clock.stopped_at, at)
    clock.stopped_at = None
    clock.anchor_at = at
    clock.state = State.BREACHED if clock.breached_at else State.RUNNING
    _plan(clock, wc, at, thresholds)
    return True


def _retarget(
    clock: SlaClock,
    at: datetime,
    *,
    calendar: BusinessCalendar,
    target: timedelta,
    thresholds,
    policy: SlaPolicy | None = None,
    ola=None,
) -> None:
    """Re-plan a clock that has not stopped: keep the business time used so far (measured on
    its old calendar up to ``at``), then count on the new calendar towards the new target.
    A breach already marked stays a breach."""
    old_wc = _wc(clock)
    if clock.is_counting:
        clock.anchor_consumed += old_wc.elapsed(clock.anchor_at, at)
        clock.anchor_at = at
    if policy is not None:
        clock.policy = policy
    if ola is not None:
        clock.ola_target = ola
    clock.calendar = calendar
    clock.target_duration = target
    _plan(clock, working_calendar(calendar), at, thresholds)


def _save(clock: SlaClock) -> None:
    clock.revision += 1
    clock.save(update_fields=_MUTABLE)


def _new_clock(
    *,
    incident_id: int,
    target: str,
    calendar: BusinessCalendar,
    duration: timedelta,
    at: datetime,
    policy: SlaPolicy | None = None,
    ola=None,
    segment_id: int | None = None,
) -> SlaClock:
    return SlaClock(
        incident_id=incident_id,
        segment_id=segment_id,
        target=target,
        policy=policy,
        ola_target=ola,
        calendar=calendar,
        target_duration=duration,
        started_at=at,
        anchor_at=at,
        deadline=at,
        fired=[],
    )


# --- gaps and nearest deadlines ----------------------------------------------------------------


def _report_gaps(clocks, before: dict[int, bool], at: datetime) -> None:
    """Tell the gap handlers about clocks whose deadline newly lies beyond their data."""
    for clock in clocks:
        if clock.calendar_gap and not before.get(clock.pk, False):
            logger.warning(
                "SLA clock %s (incident %s, %s): deadline %s beyond the data of calendar %s",
                clock.pk,
                clock.incident_id,
                clock.target,
                clock.deadline,
                clock.calendar.code,
            )
            gap = handlers.CalendarGap(
                clock_id=clock.pk,
                incident_id=clock.incident_id,
                target=clock.target,
                calendar_code=clock.calendar.code,
                deadline=clock.deadline,
                valid_until=clock.calendar.valid_until,
                at=at,
            )
            for handler in handlers.gap_handlers():
                handler(gap)


def _nearest(clocks) -> datetime | None:
    deadlines = [
        c.deadline
        for c in clocks
        if c.segment_id is None
        and c.target in (Target.RESPONSE, Target.RESOLUTION)
        and c.is_counting
    ]
    return min(deadlines) if deadlines else None


def _lock_clocks(incident_id: int, *, segment_id: int | None = None, **filters) -> list[SlaClock]:
    qs = (
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("calendar", "policy")
        .filter(incident_id=incident_id, **filters)
    )
    if segment_id is not None:
        qs = qs.filter(segment_id=segment_id)
    return list(qs.order_by("id"))


def _apply(incident, at: datetime, change) -> datetime | None:
    """Lock the incident's clocks, run ``change(clock, wc, thresholds)`` on each, save the
    ones it changed, report new calendar gaps; return the incident's nearest deadline."""
    clocks = _lock_clocks(incident.pk)
    thresholds = _thresholds_for(c.policy_id for c in clocks)
    gaps = {c.pk: c.calendar_gap for c in clocks}
    changed = []
    for clock in clocks:
        if change(clock, _wc(clock), thresholds):
            _save(clock)
            changed.append(clock)
    _sync_segments(changed)
    _report_gaps(changed, gaps, at)
    return _nearest(clocks)


def _sync_segments(clocks) -> None:
    """Keep the OLA due times on the assignment segments in step with their clocks."""
    by_segment: dict[int, dict] = defaultdict(dict)
    for clock in clocks:
        if clock.segment_id is None:
            continue
        name = "ola_accept_due_at" if clock.target == Target.OLA_ACCEPT else "ola_resolve_due_at"
        by_segment[clock.segment_id][name] = clock.deadline
    if not by_segment:
        return
    segment_model = SlaClock._meta.get_field("segment").related_model
    for segment_id, values in by_segment.items():
        segment_model.objects.filter(pk=segment_id).update(**values)


# --- the hooks the incident services call -------------------------------------------------------


@dataclass
class OpeningClocks:
    """The clocks of an incident about to be logged, planned before its rows exist: the
    caller writes ``deadline`` and the OLA due times with the incident and its first
    segment, writes the plan with them and then calls ``clocks_opened``."""

    sla: list[SlaClock]
    ola: list[SlaClock]
    deadline: datetime | None
    ola_accept_due_at: datetime | None = None
    ola_resolve_due_at: datetime | None = None


def _sla_clocks_for(incident, at: datetime, have=frozenset()) -> list[SlaClock]:
    """New response, resolution (and update) clocks under the policy that matches the
    incident, planned from ``at``; none for the targets in ``have``."""
    policy = policy_for_incident(incident)
    if policy is None:
        logger.warning(
            "no SLA policy matches incident %s (priority %s, nature %s): no clocks",
            incident.number or "being logged",
            incident.priority,
            incident.nature,
        )
        return []
    thresholds = _thresholds_for([policy.pk])
    wc = working_calendar(policy.calendar)
    new = []
    for target, duration in (
        (Target.RESPONSE, policy.response_target),
        (Target.RESOLUTION, policy.resolution_target),
        (Target.UPDATE, policy.update_interval),
    ):
        if duration is None or target in have:
            continue
        clock = _new_clock(
            incident_id=incident.pk,
            target=target,
            calendar=policy.calendar,
            duration=duration,
            at=at,
            policy=policy,
        )
        _plan(clock, wc, at, thresholds)
        new.append(clock)
    return new


def _ola_clocks_for(
    *, department_id, incident_id, segment_id, accepted: bool, at: datetime, have=frozenset()
) -> list[SlaClock]:
    """New OLA clocks of a segment at the section (accept unless ``accepted``, resolve or
    hand on), planned from ``at``; none for the targets in ``have``."""
    ola = ola_target_for(department_id)
    if ola is None:
        return []
    wc = working_calendar(ola.calendar)
    new = []
    for target, duration in (
        (Target.OLA_ACCEPT, None if accepted else ola.accept_within),
        (Target.OLA_RESOLVE, ola.resolve_within),
    ):
        if duration is None or target in have:
            continue
        clock = _new_clock(
            incident_id=incident_id,
            segment_id=segment_id,
            target=target,
            calendar=ola.calendar,
            duration=duration,
            at=at,
            ola=ola,
        )
        _plan(clock, wc, at, {})
        new.append(clock)
    return new


def _ola_due(clocks) -> dict[str, datetime]:
    return {
        "ola_accept_due_at" if c.target == Target.OLA_ACCEPT else "ola_resolve_due_at": c.deadline
        for c in clocks
    }


def clocks_planned(*, incident, at: datetime) -> OpeningClocks:
    """Plan the clocks of an incident that is being logged, before it is inserted: its
    SLA clocks under the policy that matches it and the OLA clocks of the section holding
    it. Reads only the cached configuration; writes nothing."""
    sla_clocks = _sla_clocks_for(incident, at)
    ola_clocks = _ola_clocks_for(
        department_id=incident.department_id,
        incident_id=None,
        segment_id=None,
        accepted=incident.accepted_at is not None,
        at=at,
    )
    due = _ola_due(ola_clocks)
    return OpeningClocks(
        sla=sla_clocks,
        ola=ola_clocks,
        deadline=_nearest(sla_clocks),
        ola_accept_due_at=due.get("ola_accept_due_at"),
        ola_resolve_due_at=due.get("ola_resolve_due_at"),
    )


def clocks_opened(opening: OpeningClocks, *, at: datetime) -> list[SlaClock]:
    """The incident, its first segment and the clocks ``clocks_planned`` gave are inserted
    (``OpeningClocks.sla`` linked to the incident, ``.ola`` to the incident and the segment):
    report deadlines beyond the calendars' data. Returns the incident's SLA clocks."""
    _report_gaps(opening.sla + opening.ola, {}, at)
    return opening.sla


def clocks_response_met(*, incident, at: datetime) -> datetime | None:
    """Someone accepted the incident: the response clock stops (met or breached)."""

    def change(clock, wc, thresholds):
        return clock.target == Target.RESPONSE and _stop(clock, wc, at, completed=True)

    return _apply(incident, at, change)


def clocks_paused(*, incident, at: datetime) -> datetime | None:
    """Suspended with a reason that stops the clock: every counting clock pauses (SLA, the
    update reminder, and the current section's OLA)."""
    return _apply(incident, at, lambda clock, wc, thresholds: _pause(clock, wc, at))


def clocks_resumed(*, incident, at: datetime) -> datetime | None:
    """Work resumed: paused clocks run again, deadlines moved by the paused business time."""
    return _apply(incident, at, lambda clock, wc, thresholds: _resume(clock, wc, at, thresholds))


def clocks_resolution_stopped(*, incident, at: datetime) -> datetime | None:
    """Resolved: the resolution clock stops (met or breached); the update reminder ends."""

    def change(clock, wc, thresholds):
        if clock.target == Target.RESOLUTION:
            return _stop(clock, wc, at, completed=True)
        if clock.target == Target.UPDATE:
            return _stop(clock, wc, at, completed=False)
        return False

    return _apply(incident, at, change)


def clocks_resolution_restarted(*, incident, at: datetime) -> datetime | None:
    """Reopened: the resolution clock runs again from where it stopped (the business time
    it had used counts), under the policy that matches the incident now; the update
    reminder of a major incident starts a new interval."""
    policy = policy_for_incident(incident)
    clocks = _lock_clocks(incident.pk)
    thresholds = _thresholds_for([c.policy_id for c in clocks] + [policy.pk if policy else None])
    gaps = {c.pk: c.calendar_gap for c in clocks}
    changed = []
    have_update = False
    for clock in clocks:
        wc = _wc(clock)
        if clock.target == Target.RESOLUTION and clock.segment_id is None:
            if _restart(clock, wc, at, thresholds):
                if policy is not None and clock.policy_id != policy.pk:
                    _retarget(
                        clock,
                        at,
                        calendar=policy.calendar,
                        target=policy.resolution_target,
                        thresholds=thresholds,
                        policy=policy,
                    )
                changed.append(clock)
        elif clock.target == Target.UPDATE:
            have_update = True
            if policy is not None and policy.update_interval and clock.stopped_at is not None:
                _new_cycle(clock, at, policy, thresholds)
                changed.append(clock)
    if not have_update and policy is not None and policy.update_interval:
        clock = _new_clock(
            incident_id=incident.pk,
            target=Target.UPDATE,
            calendar=policy.calendar,
            duration=policy.update_interval,
            at=at,
            policy=policy,
        )
        _plan(clock, working_calendar(policy.calendar), at, thresholds)
        clock.save()
        clocks.append(clock)
    for clock in changed:
        _save(clock)
    # The reopened section's segment counts as accepted (the incident service sets it).
    accepted = [
        c
        for c in _lock_clocks(incident.pk, target=Target.OLA_ACCEPT, stopped_at__isnull=True)
        if c.segment_id and c.segment.accepted_at is not None
    ]
    for clock in accepted:
        if _stop(
            clock, _wc(clock), max(clock.segment.accepted_at, clock.anchor_at), completed=True
        ):
            _save(clock)
    _sync_segments(changed + accepted)
    _report_gaps(changed, gaps, at)
    return _nearest(clocks)


def _new_cycle(clock: SlaClock, at: datetime, policy: SlaPolicy, thresholds) -> None:
    clock.policy = policy
    clock.calendar = policy.calendar
    clock.target_duration = policy.update_interval
    clock.anchor_at = at
    clock.anchor_consumed = _ZERO
    clock.stopped_at = None
    clock.paused_at = None
    clock.breached_at = None
    clock.state = State.RUNNING
    clock.fired = []
    _plan(clock, working_calendar(policy.calendar), at, thresholds)


def clocks_ended(*, incident, at: datetime) -> datetime | None:
    """Closed or cancelled: every clock still open ends (cancelled, or breached if it had
    run over); met and breached clocks keep their outcome."""
    return _apply(incident, at, lambda clock, wc, thresholds: _stop(clock, wc, at, completed=False))


def clocks_replanned(*, incident, at: datetime) -> datetime | None:
    """The priority (or what the policy matches on) changed: the clocks that have not
    stopped follow the policy that matches now. Rule: the business time each has used is
    kept; the target and calendar come from the new policy; fired thresholds stay fired and
    a breach stays a breach. An update clock starts or ends with the policy's interval."""
    return _replan_incident(incident, at, ola=False)


def _replan_incident(incident, at: datetime, *, ola: bool, clock_ids=None) -> datetime | None:
    policy = policy_for_incident(incident)
    clocks = _lock_clocks(incident.pk)
    thresholds = _thresholds_for([c.policy_id for c in clocks] + [policy.pk if policy else None])
    gaps = {c.pk: c.calendar_gap for c in clocks}
    changed = []
    for clock in clocks:
        if clock_ids is not None and clock.pk not in clock_ids:
            continue
        if clock.is_stopped:
            continue
        before = _plan_key(clock)
        if clock.segment_id is None:
            if policy is None:
                continue
            if clock.target == Target.UPDATE and not policy.update_interval:
                _stop(clock, _wc(clock), at, completed=False)
                changed.append(clock)
                continue
            duration = {
                Target.RESPONSE: policy.response_target,
                Target.RESOLUTION: policy.resolution_target,
                Target.UPDATE: policy.update_interval,
            }[clock.target]
            _retarget(
                clock,
                at,
                calendar=policy.calendar,
                target=duration,
                thresholds=thresholds,
                policy=policy,
            )
        elif ola:
            target = clock.ola_target
            if target is None:
                continue
            target.refresh_from_db()
            duration = (
                target.accept_within if clock.target == Target.OLA_ACCEPT else target.resolve_within
            )
            if duration is None:
                continue
            _retarget(clock, at, calendar=target.calendar, target=duration, thresholds=thresholds)
        else:
            continue
        after = _plan_key(clock)
        if after != before or clock.pk in gaps and gaps[clock.pk] != clock.calendar_gap:
            changed.append(clock)
    if clock_ids is None and policy is not None and policy.update_interval:
        # The incident became major (again): its update reminder runs while it is unresolved.
        unresolved = not any(
            c.target == Target.RESOLUTION and c.segment_id is None and c.is_stopped for c in clocks
        )
        update = next((c for c in clocks if c.target == Target.UPDATE and not c.segment_id), None)
        if update is None and unresolved:
            clock = _new_clock(
                incident_id=incident.pk,
                target=Target.UPDATE,
                calendar=policy.calendar,
                duration=policy.update_interval,
                at=at,
                policy=policy,
            )
            _plan(clock, working_calendar(policy.calendar), at, thresholds)
            clock.save()
            clocks.append(clock)
        elif update is not None and update.is_stopped and unresolved:
            _new_cycle(update, at, policy, thresholds)
            changed.append(update)
    for clock in changed:
        _save(clock)
    _sync_segments(changed)
    _report_gaps(changed, gaps, at)
    return _nearest(clocks)


def _plan_key(clock: SlaClock) -> tuple:
    return (
        clock.deadline,
        clock.next_check_at,
        clock.target_duration,
        clock.calendar_id,
        clock.policy_id,
        clock.ola_target_id,
        clock.state,
    )


def ola_segment_started(*, segment, at: datetime) -> datetime | None:
    """The incident arrived at a section: its OLA clocks start (accept, resolve or hand on).
    (The first segment of a new incident is planned by ``clocks_planned`` instead.)"""
    if ola_target_for(segment.department_id) is None:
        return nearest_deadline(segment.incident_id)
    have = set(SlaClock.objects.filter(segment_id=segment.pk).values_list("target", flat=True))
    new = _ola_clocks_for(
        department_id=segment.department_id,
        incident_id=segment.incident_id,
        segment_id=segment.pk,
        accepted=segment.accepted_at is not None,
        at=at,
        have=have,
    )
    SlaClock.objects.bulk_create(new)
    due = _ola_due(new)
    for name, deadline in due.items():
        setattr(segment, name, deadline)
    if due:
        segment.save(update_fields=["ola_accept_due_at", "ola_resolve_due_at"])
    _report_gaps(new, {}, at)
    return nearest_deadline(segment.incident_id)


def ola_segment_accepted(*, segment, at: datetime) -> datetime | None:
    """The section accepted the incident: the OLA acceptance clock stops."""
    for clock in _lock_clocks(segment.incident_id, segment_id=segment.pk, target=Target.OLA_ACCEPT):
        if _stop(clock, _wc(clock), at, completed=True):
            _save(clock)
    return nearest_deadline(segment.incident_id)


def ola_segment_ended(*, segment, at: datetime) -> datetime | None:
    """The incident left the section: the resolve-or-hand-on clock stops, an acceptance
    clock still open ends, and the segment records whether its OLA was met."""
    clocks = _lock_clocks(segment.incident_id, segment_id=segment.pk)
    for clock in clocks:
        completed = clock.target == Target.OLA_RESOLVE
        if _stop(clock, _wc(clock), at, completed=completed):
            _save(clock)
    if clocks:
        met = not any(c.state == State.BREACHED for c in clocks)
        if segment.ola_met != met:
            segment.ola_met = met
            segment.save(update_fields=["ola_met"])
    return nearest_deadline(segment.incident_id)


# --- business days for the incident rules ----------------------------------------------------


def business_days_before(*, at: datetime, days: int) -> datetime:
    """The same time of day ``days`` working days before ``at`` on the standard calendar
    (``settings.SLA_STANDARD_CALENDAR``); plain days if it is not configured."""
    return working_days_before(at, days)


def business_limit_exceeded(*, start: datetime, end: datetime, limit: timedelta) -> bool:
    """Whether ``end`` lies beyond ``limit`` after ``start`` on the standard calendar: whole
    days of the limit count as working days, the rest as business time."""
    return end > business_limit(start, limit)


# --- the tick ---------------------------------------------------------------------------------


@dataclass
class TickResult:
    """What one run of the tick did."""

    examined: int = 0
    fired: int = 0
    breached: int = 0
    rescheduled: int = 0
    handler_errors: int = 0
    batches: int = 0
    more_due: bool = False  # stopped by the time budget with clocks still due
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


_TICK_FIELDS = (
    "id",
    "incident_id",
    "segment_id",
    "target",
    "policy_id",
    "calendar_id",
    "target_duration",
    "anchor_at",
    "anchor_consumed",
    "deadline",
    "paused_at",
    "stopped_at",
    "state",
    "breached_at",
    "next_check_at",
    "fired",
    "revision",
)


class _DueClock:
    """The part of a clock the tick reads and writes (no model instances: a batch of 500
    builds in a fraction of the time)."""

    __slots__ = (*_TICK_FIELDS, "calendar", "old_state")

    def __init__(self, row):
        for name, value in zip(_TICK_FIELDS, row, strict=True):
            setattr(self, name, value)
        self.old_state = self.state
        if isinstance(self.fired, str):  # a backend that returns JSON as text
            self.fired = json.loads(self.fired)

    @property
    def pk(self) -> int:
        return self.id


def _due_clocks(at: datetime, limit: int) -> list[_DueClock]:
    """Due clocks, locked together with their incidents; rows someone else holds are skipped
    (another tick, or an incident service about to move the clock), so the tick never
    waits — and never holds a clock while waiting for its incident, the order the incident
    services lock in."""
    if connection.vendor != "postgresql":
        rows = (
            SlaClock.objects.filter(state__in=COUNTING_STATES, next_check_at__lte=at)
            .order_by("next_check_at")
            .select_for_update()
            .values_list(*_TICK_FIELDS)[:limit]
        )
        return [_DueClock(row) for row in rows]
    meta = SlaClock._meta
    incident_table = meta.get_field("incident").related_model._meta.db_table
    columns = ", ".join(f"c.{meta.get_field(n.removesuffix('_id')).column}" for n in _TICK_FIELDS)
    sql = f"""
        SELECT {columns}
        FROM {meta.db_table} AS c JOIN {incident_table} AS i ON i.id = c.incident_id
        WHERE c.state IN (%s, %s) AND c.next_check_at <= %s
        LIMIT %s
        FOR UPDATE OF c, i SKIP LOCKED
    """  # noqa: S608 -- table and column names come from the models
    # No ORDER BY: sorting every due row to lock the first few cost ten times the batch
    # (all 10,000 read and sorted for each batch of 500); a run handles every due clock
    # anyway, and the next run takes whatever a time budget left.
    with connection.cursor() as cursor:
        cursor.execute(sql, [*COUNTING_STATES, at, limit])
        return [_DueClock(row) for row in cursor.fetchall()]


def _tick_clock(clock, wc, at, thresholds, crossings) -> None:
    """Decide what the clock crossed at ``at`` and what its next check is (in memory)."""
    used = _consumed(clock, wc, at)
    fired = list(clock.fired or [])
    if clock.target == Target.UPDATE:
        if used >= clock.target_duration:
            crossings.append((clock, 100, None, False))
            due = clock.deadline
            clock.anchor_at = due if due <= at else at
            clock.anchor_consumed = _ZERO
            clock.deadline = _instant(clock, wc, clock.target_duration)
            if clock.deadline <= at:  # reminders missed while no tick ran: one, then on
                clock.anchor_at = at
                clock.deadline = _instant(clock, wc, clock.target_duration)
        clock.next_check_at = clock.deadline
        return
    by_percent = {
        t.percent: t for t in thresholds.get(clock.policy_id, ()) if t.target == clock.target
    }
    remaining = []
    for percent in _points(clock, thresholds):
        if percent in fired:
            continue
        if used >= _share(clock.target_duration, percent):
            fired.append(percent)
            breach = percent == 100 and clock.breached_at is None
            if breach:
                clock.state = State.BREACHED
                clock.breached_at = min(clock.deadline, at)
            crossings.append((clock, percent, by_percent.get(percent), percent == 100))
        else:
            remaining.append(percent)
    clock.fired = sorted(fired)
    clock.next_check_at = (
        _instant(clock, wc, _share(clock.target_duration, remaining[0])) if remaining else None
    )


def _write_ticked(clocks: list[_DueClock]) -> set[int]:
    """Save the fired sets and next checks of a batch in one statement, guarded by the
    revision and the state read under the lock; returns the ids written."""
    if not clocks:
        return set()
    if connection.vendor == "postgresql":
        # One UPDATE joined to arrays; every write on a clock raises its revision, so the
        # revision (read under the row lock) and the state are the whole guard.
        sql = f"""
            UPDATE {SlaClock._meta.db_table} AS c SET
                fired = v.fired::jsonb, next_check_at = v.next_check_at, state = v.state,
                breached_at = v.breached_at, anchor_at = v.anchor_at,
                anchor_consumed = v.anchor_consumed, deadline = v.deadline,
                revision = c.revision + 1, updated_at = statement_timestamp()
            FROM unnest(
                %s::bigint[], %s::integer[], %s::text[], %s::text[], %s::timestamptz[],
                %s::text[], %s::timestamptz[], %s::timestamptz[], %s::interval[],
                %s::timestamptz[]
            ) AS v(id, revision, old_state, fired, next_check_at, state, breached_at,
                   anchor_at, anchor_consumed, deadline)
            WHERE c.id = v.id AND c.revision = v.revision AND c.state = v.old_state
            RETURNING c.id
        """  # noqa: S608 -- the table name comes from the model
        params = [
            [c.id for c in clocks],
            [c.revision for c in clocks],
            [c.old_state for c in clocks],
            [json.dumps(c.fired) for c in clocks],
            [c.next_check_at for c in clocks],
            [c.state for c in clocks],
            [c.breached_at for c in clocks],
            [c.anchor_at for c in clocks],
            [c.anchor_consumed for c in clocks],
            [c.deadline for c in clocks],
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written = {row[0] for row in cursor.fetchall()}
    else:
        written = set()
        for c in clocks:
            updated = SlaClock.objects.filter(
                pk=c.id, revision=c.revision, state=c.old_state
            ).update(
                fired=c.fired,
                next_check_at=c.next_check_at,
                state=c.state,
                breached_at=c.breached_at,
                anchor_at=c.anchor_at,
                anchor_consumed=c.anchor_consumed,
                deadline=c.deadline,
                revision=F("revision") + 1,
                updated_at=timezone.now(),
            )
            if updated:
                written.add(c.id)
    for c in clocks:
        if c.id in written:
            c.revision += 1
    return written


def _crossing(clock, percent, threshold, breached, at) -> handlers.ThresholdCrossing:
    notify = frozenset()
    level = 0
    if threshold is not None:
        level = threshold.escalation_level
        notify = frozenset(
            name
            for name, flag in (
                ("assignee", threshold.notify_assignee),
                ("lead", threshold.notify_lead),
                ("incident_manager", threshold.notify_incident_manager),
                ("director", threshold.notify_director),
            )
            if flag
        )
    return handlers.ThresholdCrossing(
        clock_id=clock.pk,
        incident_id=clock.incident_id,
        segment_id=clock.segment_id,
        target=clock.target,
        percent=percent,
        escalation_level=level,
        notify=notify,
        breached=breached,
        due_at=_crossing_due(clock, percent),
        at=at,
    )


def _crossing_due(clock, percent) -> datetime | None:
    if clock.target == Target.UPDATE or percent == 100:
        return clock.breached_at or clock.deadline
    return None


def _run_handlers(crossings: list[handlers.ThresholdCrossing], result: TickResult) -> None:
    """Call the handlers for a batch: first all in one savepoint (a handler's batch form with
    every crossing at once, where it registered one); if one fails, roll that back and go
    again one savepoint per crossing, so that a failing crossing (its incident closed
    meanwhile, …) is logged and stays fired while the others take effect."""
    registered = handlers.threshold_handlers()
    if not registered or not crossings:
        return
    try:
        with transaction.atomic():
            for handler in registered:
                many = handlers.batch_threshold_handler(handler)
                if many is not None:
                    many(crossings)
                    continue
                for crossing in crossings:
                    handler(crossing)
        return
    except _TRANSIENT:
        raise
    except Exception:  # noqa: BLE001, S110 -- retried one by one just below
        pass
    for crossing in crossings:
        for handler in registered:
            try:
                with transaction.atomic():
                    handler(crossing)
            except _TRANSIENT:
                raise
            except Exception as exc:
                logger.exception(
                    "SLA threshold handler failed for clock %s (%s %s%%); marked fired",
                    crossing.clock_id,
                    crossing.target,
                    crossing.percent,
                )
                result.handler_errors += 1
                message = f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {crossing.percent}%: {exc!r}"
                result.errors.append(f"clock {crossing.clock_id}: {message}")
                SlaClock.objects.filter(pk=crossing.clock_id).update(last_error=message[:2000])


def _tick_batch(at: datetime, limit: int, result: TickResult) -> int:
    """Handle one batch; returns the number of clocks written (0: nothing left to take)."""
    clocks = _due_clocks(at, limit)
    if not clocks:
        return 0
    calendars = BusinessCalendar.objects.in_bulk({c.calendar_id for c in clocks})
    thresholds = _thresholds_for(c.policy_id for c in clocks)
    pending = []
    for clock in clocks:
        clock.calendar = calendars[clock.calendar_id]
        clock.old_state = clock.state
        _tick_clock(clock, working_calendar(clock.calendar), at, thresholds, pending)
    written = _write_ticked(clocks)
    crossings = []
    for clock, percent, threshold, breached in pending:
        if clock.pk not in written:
            continue
        crossings.append(_crossing(clock, percent, threshold, breached, at))
        result.fired += 1
        result.breached += breached and clock.target != Target.UPDATE
    result.examined += len(clocks)
    result.rescheduled += len(written - {clock.pk for clock, *_ in pending})
    _run_handlers(crossings, result)
    return len(written)


def sla_tick(
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    time_budget: float | None = None,
) -> TickResult:
    """Handle the clocks that came due: fire each crossed threshold exactly once.

    Batches of ``batch_size`` clocks are locked ``FOR UPDATE SKIP LOCKED`` through the
    partial index on ``next_check_at``; per batch, in one transaction: the fired sets,
    breaches and next checks are written (the UPDATE repeats the revision and state guard)
    and the threshold handler is called for each crossing, so marks and effects commit
    together or not at all. Stops when nothing is due or after ``time_budget`` seconds
    (the next tick goes on).

    A short batch does not end the run: rows another transaction held were skipped, and
    they may be free now. Two ticks at once make that common, since a tick that fails to
    lock a clock's incident still holds the clock's own row lock until it commits. The run
    ends on a batch that takes nothing.
    """
    batch_size = batch_size or settings.SLA_TICK_BATCH
    started = time.monotonic()
    result = TickResult()
    while True:
        at = now or timezone.now()
        with transaction.atomic():
            handled = _tick_batch(at, batch_size, result)
        if not handled:
            break
        result.batches += 1
        if time_budget is not None and time.monotonic() - started > time_budget:
            result.more_due = True
            break
    result.seconds = time.monotonic() - started
    return result


# --- re-planning after calendar or policy edits -----------------------------------------------


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
            nearest = _replan_incident(incident, at, ola=True, clock_ids=ids)
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


# --- calendars -------------------------------------------------------------------------------


def calendar_touch(*, calendar: BusinessCalendar) -> None:
    """Record that the calendar's hours or days changed: every process rebuilds it."""
    BusinessCalendar.objects.filter(pk=calendar.pk).update(revision=F("revision") + 1)
    calendar.refresh_from_db(fields=["revision"])


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    valid_from: date | None = None
    valid_until: date | None = None


@transaction.atomic
def calendar_load_days(
    *,
    calendar: BusinessCalendar,
    holidays: dict[date, str],
    workdays: dict[date, str],
    first_year: int,
    last_year: int,
) -> LoadResult:
    """Write statutory holidays and adjusted working days into the calendar and widen its
    data range to whole years ``first_year``–``last_year``. Dates the administrators added
    that the source does not mention are kept; where the source says otherwise, it wins."""
    result = LoadResult()
    wanted = {d: (DayKind.HOLIDAY, n) for d, n in holidays.items()}
    wanted.update({d: (DayKind.WORKDAY, n) for d, n in workdays.items()})
    existing = {d.date: d for d in CalendarDay.objects.filter(calendar=calendar, date__in=wanted)}
    create, update = [], []
    for day, (kind, name) in sorted(wanted.items()):
        name = (name or "")[:100]
        row = existing.get(day)
        if row is None:
            create.append(CalendarDay(calendar=calendar, date=day, kind=kind, name=name))
        elif row.kind != kind or row.name != name:
            row.kind, row.name = kind, name
            update.append(row)
        else:
            result.unchanged += 1
    CalendarDay.objects.bulk_create(create, batch_size=1000)
    CalendarDay.objects.bulk_update(update, ["kind", "name"], batch_size=1000)
    result.created, result.updated = len(create), len(update)
    start, end = date(first_year, 1, 1), date(last_year, 12, 31)
    fields = []
    if calendar.valid_from is None or start < calendar.valid_from:
        calendar.valid_from = start
        fields.append("valid_from")
    if calendar.valid_until is None or end > calendar.valid_until:
        calendar.valid_until = end
        fields.append("valid_until")
    if fields:
        calendar.save(update_fields=fields)
    if create or update or fields:
        calendar_touch(calendar=calendar)
    result.valid_from, result.valid_until = calendar.valid_from, calendar.valid_until
    return result


def calendar_load_china(*, calendar: BusinessCalendar) -> LoadResult:
    """Load the Chinese statutory calendar the ``chinesecalendar`` package knows."""
    import chinese_calendar

    holidays = {d: str(n) for d, n in chinese_calendar.holidays.items()}
    workdays = {d: str(n) for d, n in chinese_calendar.workdays.items()}
    years = [d.year for d in (*holidays, *workdays)]
    return calendar_load_days(
        calendar=calendar,
        holidays=holidays,
        workdays=workdays,
        first_year=min(years),
        last_year=max(years),
    )
