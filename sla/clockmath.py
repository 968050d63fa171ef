"""Clock arithmetic: how much business time a clock has used, when its deadline and its next
threshold fall, and what a pause, resume, stop, restart, re-target or tick does to it.

Everything works on the clock in memory, without queries: the caller hands in the
``WorkingCalendar`` (``sla.calendars.working_calendar``) and the thresholds by policy id. A
clock is anything with the ``SlaClock`` attributes used here: the model, or the tick's lean
row objects. See docs/sla.md (Clocks) for the anchor rule.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sla.businesstime import WorkingCalendar
from sla.choices import COUNTING_STATES, State, Target

ZERO = timedelta(0)


def share(target: timedelta, percent: int) -> timedelta:
    return target * percent // 100


def counting(clock) -> bool:
    """Whether the clock is using business time now (running or breached, not paused or
    stopped)."""
    return clock.state in COUNTING_STATES and clock.stopped_at is None and clock.paused_at is None


def consumed(clock, wc: WorkingCalendar, at: datetime) -> timedelta:
    if counting(clock):
        return clock.anchor_consumed + wc.elapsed(clock.anchor_at, at)
    return clock.anchor_consumed


def instant(clock, wc: WorkingCalendar, amount: timedelta) -> datetime:
    """When the clock will have used ``amount`` of business time (counting from its anchor)."""
    need = amount - clock.anchor_consumed
    if need <= ZERO:
        return clock.anchor_at
    return wc.add(clock.anchor_at, need)


def points(clock, thresholds: dict[int, list]) -> list[int]:
    """The percents at which the tick must look at the clock: its policy's thresholds for
    its target, and 100 (the breach, or the update reminder)."""
    found = {100}
    if clock.target in (Target.RESPONSE, Target.RESOLUTION) and clock.policy_id:
        found.update(
            t.percent for t in thresholds.get(clock.policy_id, ()) if t.target == clock.target
        )
    return sorted(found)


def covers(wc: WorkingCalendar, start: datetime, end: datetime) -> bool:
    """Whether the calendar has holiday data for every local date from start to end."""
    if wc.always_open and wc.valid_from is None and wc.valid_until is None:
        return True
    tz = wc.tz
    return wc.covers(start.astimezone(tz).date(), end.astimezone(tz).date())


def plan(clock, wc: WorkingCalendar, at: datetime, thresholds: dict[int, list]) -> None:
    """Recompute the deadline, the next check and the calendar-gap flag from the anchor."""
    if clock.breached_at is None:
        clock.deadline = instant(clock, wc, clock.target_duration)
    if counting(clock):
        unfired = [p for p in points(clock, thresholds) if p not in (clock.fired or [])]
        if clock.target == Target.UPDATE:
            clock.next_check_at = clock.deadline
        elif unfired:
            clock.next_check_at = instant(clock, wc, share(clock.target_duration, unfired[0]))
        else:
            clock.next_check_at = None
    else:
        clock.next_check_at = None
    clock.calendar_gap = not covers(wc, clock.anchor_at, clock.deadline)


def pause(clock, wc: WorkingCalendar, at: datetime) -> bool:
    if not counting(clock):
        return False
    clock.anchor_consumed += wc.elapsed(clock.anchor_at, at)
    clock.anchor_at = at
    clock.paused_at = at
    clock.state = State.PAUSED
    clock.next_check_at = None
    return True


def resume(clock, wc: WorkingCalendar, at: datetime, thresholds) -> bool:
    if clock.state != State.PAUSED or clock.paused_at is None or clock.stopped_at is not None:
        return False
    clock.paused_business += wc.elapsed(clock.paused_at, at)
    clock.paused_at = None
    clock.anchor_at = at
    clock.state = State.BREACHED if clock.breached_at else State.RUNNING
    plan(clock, wc, at, thresholds)
    return True


def stopped(clock) -> bool:
    return clock.stopped_at is not None or clock.state in (State.MET, State.CANCELLED)


def stop(clock, wc: WorkingCalendar, at: datetime, *, completed: bool) -> bool:
    """Stop the clock: met if completed within the target, breached if over it (or already
    marked), cancelled if it ended without being completed."""
    if stopped(clock):
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


def restart(clock, wc: WorkingCalendar, at: datetime, thresholds) -> bool:
    """Run a stopped clock again from where it stopped: the business time it had used
    counts, the time it stood still does not."""
    if clock.stopped_at is None:
        return False
    clock.paused_business += wc.elapsed(clock.stopped_at, at)
    clock.stopped_at = None
    clock.anchor_at = at
    clock.state = State.BREACHED if clock.breached_at else State.RUNNING
    plan(clock, wc, at, thresholds)
    return True


def retarget(
    clock,
    at: datetime,
    *,
    old_wc: WorkingCalendar,
    new_wc: WorkingCalendar,
    calendar,
    target: timedelta,
    thresholds,
    policy=None,
    ola=None,
) -> None:
    """Re-plan a clock that has not stopped: keep the business time used so far (measured on
    its old calendar ``old_wc`` up to ``at``), then count on ``calendar`` (``new_wc``) towards
    the new target. A breach already marked stays a breach."""
    if counting(clock):
        clock.anchor_consumed += old_wc.elapsed(clock.anchor_at, at)
        clock.anchor_at = at
    if policy is not None:
        clock.policy = policy
    if ola is not None:
        clock.ola_target = ola
    clock.calendar = calendar
    clock.target_duration = target
    plan(clock, new_wc, at, thresholds)


def new_cycle(clock, wc: WorkingCalendar, at: datetime, *, policy, thresholds) -> None:
    """Start a new interval of an update reminder under ``policy`` (on its calendar ``wc``)."""
    clock.policy = policy
    clock.calendar = policy.calendar
    clock.target_duration = policy.update_interval
    clock.anchor_at = at
    clock.anchor_consumed = ZERO
    clock.stopped_at = None
    clock.paused_at = None
    clock.breached_at = None
    clock.state = State.RUNNING
    clock.fired = []
    plan(clock, wc, at, thresholds)


def tick(clock, wc: WorkingCalendar, at: datetime, thresholds, crossings: list) -> None:
    """What the clock crossed at ``at`` (appended to ``crossings`` as ``(clock, percent,
    threshold, breached)``) and its next check. An update reminder rolls to its next interval
    instead (one reminder if several were missed)."""
    used = consumed(clock, wc, at)
    if clock.target == Target.UPDATE:
        if used >= clock.target_duration:
            crossings.append((clock, 100, None, False))
            due = clock.deadline
            clock.anchor_at = due if due <= at else at
            clock.anchor_consumed = ZERO
            clock.deadline = instant(clock, wc, clock.target_duration)
            if clock.deadline <= at:  # reminders missed while no tick ran: one, then on
                clock.anchor_at = at
                clock.deadline = instant(clock, wc, clock.target_duration)
        clock.next_check_at = clock.deadline
        return
    fired = list(clock.fired or [])
    by_percent = {
        t.percent: t for t in thresholds.get(clock.policy_id, ()) if t.target == clock.target
    }
    remaining = []
    for percent in points(clock, thresholds):
        if percent in fired:
            continue
        if used >= share(clock.target_duration, percent):
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
        instant(clock, wc, share(clock.target_duration, remaining[0])) if remaining else None
    )


def nearest(clocks) -> datetime | None:
    """The earliest deadline of the counting response and resolution clocks (the incident's
    queue sort key); OLA and update clocks do not count."""
    deadlines = [
        c.deadline
        for c in clocks
        if c.segment_id is None and c.target in (Target.RESPONSE, Target.RESOLUTION) and counting(c)
    ]
    return min(deadlines) if deadlines else None


def ola_due(clocks) -> dict[str, datetime]:
    """The segment's OLA due times as its fields name them, from its OLA clocks."""
    return {
        "ola_accept_due_at" if c.target == Target.OLA_ACCEPT else "ola_resolve_due_at": c.deadline
        for c in clocks
    }


def plan_key(clock) -> tuple:
    """What a re-plan may change on a clock (to tell whether it did)."""
    return (
        clock.deadline,
        clock.next_check_at,
        clock.target_duration,
        clock.calendar_id,
        clock.policy_id,
        clock.ola_target_id,
        clock.state,
    )
