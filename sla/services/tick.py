"""The tick: handle the clocks that came due, firing each crossed threshold exactly once and
calling the threshold handlers in the same transaction. See docs/sla.md (The tick)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from sla import clockmath, handlers
from sla.calendars import working_calendar
from sla.choices import COUNTING_STATES, Target
from sla.models import BusinessCalendar, SlaClock
from sla.services.common import thresholds_for

logger = logging.getLogger(__name__)

# Errors after which the transaction cannot go on: the whole batch rolls back and is retried.
_TRANSIENT = (OperationalError, InterfaceError)


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


def _due_clocks(at: datetime, limit: int, skip: set[int]) -> list[_DueClock]:
    """Due clocks but those in ``skip``, their rows locked; rows someone else holds (another
    tick, an incident service moving the clock) are skipped, so the tick never waits. Only
    clock rows: what a crossing will write is locked by the handler's lock step."""
    if connection.vendor != "postgresql":
        rows = (
            SlaClock.objects.filter(state__in=COUNTING_STATES, next_check_at__lte=at)
            .exclude(pk__in=skip)
            .order_by("next_check_at")
            .select_for_update()
            .values_list(*_TICK_FIELDS)[:limit]
        )
        return [_DueClock(row) for row in rows]
    meta = SlaClock._meta
    columns = ", ".join(meta.get_field(n.removesuffix("_id")).column for n in _TICK_FIELDS)
    sql = f"""
        SELECT {columns} FROM {meta.db_table}
        WHERE state IN (%s, %s) AND next_check_at <= %s AND NOT (id = ANY(%s))
        LIMIT %s
        FOR UPDATE SKIP LOCKED
    """  # noqa: S608 -- table and column names come from the model
    # No ORDER BY: sorting every due row to lock the first few cost ten times the batch
    # (all 10,000 read and sorted for each batch of 500); a run handles every due clock
    # anyway, and the next run takes whatever a time budget left.
    with connection.cursor() as cursor:
        cursor.execute(sql, [*COUNTING_STATES, at, sorted(skip), limit])
        return [_DueClock(row) for row in cursor.fetchall()]


def _write_ticked(clocks: list[_DueClock]) -> set[int]:
    """Save the fired sets and next checks of a batch in one statement, guarded by the
    revision and the state read under the lock; returns the ids written."""
    if not clocks:
        return set()
    if connection.vendor == "postgresql":
        written = _write_ticked_postgresql(clocks)
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


def _write_ticked_postgresql(clocks: list[_DueClock]) -> set[int]:
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
        return {row[0] for row in cursor.fetchall()}


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
                _handler_failed(crossing, exc, result)


def _handler_failed(crossing, exc: Exception, result: TickResult) -> None:
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


def _held_back(crossings: list[handlers.ThresholdCrossing]) -> set[int]:
    """Run the handlers' lock steps (outside any savepoint, so what they lock stays locked
    through the handlers' savepoints); returns the ids of the clocks whose crossings one of
    them could not take."""
    held: set[int] = set()
    for handler in handlers.threshold_handlers():
        lock = handlers.threshold_lock(handler)
        left = [c for c in crossings if c.clock_id not in held]
        if lock is not None and left:
            held.update(c.clock_id for c in lock(left))
    return held


def _tick_batch(at: datetime, limit: int, result: TickResult, skip: set[int]) -> tuple[int, set]:
    """Handle one batch; returns the number of clocks written (0: nothing left to take) and
    the ids of the clocks held back because a lock step could not take their crossings."""
    clocks = _due_clocks(at, limit, skip)
    if not clocks:
        return 0, set()
    calendars = BusinessCalendar.objects.in_bulk({c.calendar_id for c in clocks})
    thresholds = thresholds_for(c.policy_id for c in clocks)
    pending = []
    for clock in clocks:
        clock.calendar = calendars[clock.calendar_id]
        clock.old_state = clock.state
        clockmath.tick(clock, working_calendar(clock.calendar), at, thresholds, pending)
    crossings = [(clock, _crossing(clock, *rest, at)) for clock, *rest in pending]
    held = _held_back([crossing for _, crossing in crossings])
    taken = [clock for clock in clocks if clock.pk not in held]
    written = _write_ticked(taken)
    ready = []
    for clock, crossing in crossings:
        if clock.pk not in written:
            continue
        ready.append(crossing)
        result.fired += 1
        result.breached += crossing.breached and clock.target != Target.UPDATE
    result.examined += len(taken)
    result.rescheduled += len(written - {clock.pk for clock, _ in crossings})
    _run_handlers(ready, result)
    return len(written), held


def sla_tick(
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    time_budget: float | None = None,
) -> TickResult:
    """Handle the clocks that came due: fire each crossed threshold exactly once.

    Batches of ``batch_size`` clocks are locked ``FOR UPDATE SKIP LOCKED`` through the
    partial index on ``next_check_at``; per batch, in one transaction: the handlers' lock
    steps lock what the crossings will change (the incidents), without waiting; the fired
    sets, breaches and next checks of the clocks they could take are written (the UPDATE
    repeats the revision and state guard) and the threshold handlers are called for each
    crossing, so marks and effects commit together or not at all. Stops when nothing is due
    or after ``time_budget`` seconds (the next tick goes on).

    Clocks held back (their incident was busy) stay due, and the next batches of the run
    look past them; when nothing else is left the run tries them again, and ends on a batch
    that writes nothing. A short batch does not end the run either: rows another
    transaction held were skipped, and they may be free now.
    """
    batch_size = batch_size or settings.SLA_TICK_BATCH
    started = time.monotonic()
    result = TickResult()
    skip: set[int] = set()
    retried = False
    while True:
        at = now or timezone.now()
        with transaction.atomic():
            handled, held = _tick_batch(at, batch_size, result, skip)
        if handled:
            result.batches += 1
            retried = False
        elif not held:
            # Nothing left but the clocks held back: once more with them, as their incidents
            # may be free now; the run ends when that writes nothing either.
            if not skip or retried:
                break
            skip, retried = set(), True
            continue
        skip |= held
        if time_budget is not None and time.monotonic() - started > time_budget:
            result.more_due = True
            break
    result.seconds = time.monotonic() - started
    return result
