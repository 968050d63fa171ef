"""What the layer above does when a clock needs it: ``sla`` never imports ``incidents``, so the
incidents app registers its functions here at start-up (``IncidentsConfig.ready``).

- a threshold handler, called by the tick inside the transaction that marks the threshold
  fired, so that the handler's writes (escalation, notifications) and the fired mark commit
  together or not at all; with it, optionally, its batch form and its lock step (the tick
  locks only clock rows: the lock step locks, without waiting, the rows the handler will
  write, and hands back the crossings it could not take);
- a calendar-gap handler, called when a clock's deadline first falls outside the dates its
  calendar has holiday data for;
- a re-plan handler, through which a re-plan after a calendar or policy edit reaches each
  incident: the layer above locks the incident, lets ``sla`` move its clocks and writes what
  it gets back (the nearest deadline, the segments' OLA due times).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "ThresholdCrossing",
    "batch_threshold_handler",
    "register_calendar_gap_handler",
    "register_replan_handler",
    "register_threshold_handler",
]


@dataclass(frozen=True)
class ThresholdCrossing:
    """One threshold of one clock crossed, as the handler sees it."""

    clock_id: int
    incident_id: int
    segment_id: int | None
    target: str  # sla.choices.Target
    percent: int
    escalation_level: int  # 0: none; else raise the incident to this level
    notify: frozenset[str] = field(default_factory=frozenset)  # assignee, lead, …
    breached: bool = False  # this crossing is the clock's 100 % (the breach)
    due_at: datetime | None = None  # the instant the threshold was reached
    at: datetime | None = None  # when the tick handled it

    @property
    def reason(self) -> str:
        return f"SLA {self.target} {self.percent}%"


@dataclass(frozen=True)
class CalendarGap:
    """A clock whose deadline lies beyond the holiday data of its calendar."""

    clock_id: int
    incident_id: int
    target: str
    calendar_code: str
    deadline: datetime
    valid_until: object  # date | None
    at: datetime


ThresholdHandler = Callable[[ThresholdCrossing], None]
BatchThresholdHandler = Callable[[list[ThresholdCrossing]], None]
ThresholdLock = Callable[[list[ThresholdCrossing]], Iterable[ThresholdCrossing]]
GapHandler = Callable[[CalendarGap], None]
# replan(incident) moves the incident's clocks and returns what moved
# (sla.services.ClocksMoved: the nearest deadline, the segments' OLA fields).
IncidentReplan = Callable[[object], object]
ReplanHandler = Callable[[int, IncidentReplan], None]

_threshold_handlers: list[ThresholdHandler] = []
_batch_threshold_handlers: dict[ThresholdHandler, BatchThresholdHandler] = {}
_threshold_locks: dict[ThresholdHandler, ThresholdLock] = {}
_gap_handlers: list[GapHandler] = []
_replan_handlers: list[ReplanHandler] = []


def _register(registry: list, fn: Callable) -> Callable:
    if fn not in registry:  # ready() may run twice (tests, autoreload)
        registry.append(fn)
    return fn


def register_threshold_handler(
    fn: ThresholdHandler,
    *,
    many: BatchThresholdHandler | None = None,
    lock: ThresholdLock | None = None,
) -> ThresholdHandler:
    """Call ``fn(crossing)`` for every threshold the tick fires (inside its transaction).

    ``many(crossings)``, if given, does the same for a whole batch at once; the tick calls
    it first and, if it raises, rolls it back and calls ``fn`` crossing by crossing.

    ``lock(crossings)``, if given, is called before anything is marked, outside any
    savepoint: it locks the rows the handler will write for these crossings without waiting
    (``SKIP LOCKED``) and returns the crossings it could not lock. The tick marks none of
    those crossings' clocks and calls no handler for them: they stay due for a later batch."""
    if many is not None:
        _batch_threshold_handlers[fn] = many
    if lock is not None:
        _threshold_locks[fn] = lock
    return _register(_threshold_handlers, fn)


def batch_threshold_handler(fn: ThresholdHandler) -> BatchThresholdHandler | None:
    """The batch form registered with ``fn``, if any."""
    return _batch_threshold_handlers.get(fn)


def threshold_lock(fn: ThresholdHandler) -> ThresholdLock | None:
    """The lock step registered with ``fn``, if any."""
    return _threshold_locks.get(fn)


def register_calendar_gap_handler(fn: GapHandler) -> GapHandler:
    """Call ``fn(gap)`` when a clock's deadline first falls beyond its calendar's data."""
    return _register(_gap_handlers, fn)


def register_replan_handler(fn: ReplanHandler) -> ReplanHandler:
    """Re-plan an incident through ``fn(incident_id, replan)``: inside the re-plan's
    transaction, ``fn`` locks the incident (the lock order of the incident services:
    incident, then clocks), calls ``replan(incident)`` (``sla`` moves the incident's clocks
    and returns a ``ClocksMoved``) and writes the nearest deadline on the incident and the
    OLA due times on its segments. An incident that no longer exists is skipped
    (``replan`` not called)."""
    return _register(_replan_handlers, fn)


def unregister(fn: Callable) -> None:
    """Remove a handler from every registry (tests)."""
    for registry in (_threshold_handlers, _gap_handlers, _replan_handlers):
        while fn in registry:
            registry.remove(fn)
    _batch_threshold_handlers.pop(fn, None)
    _threshold_locks.pop(fn, None)


def threshold_handlers() -> tuple[ThresholdHandler, ...]:
    return tuple(_threshold_handlers)


def gap_handlers() -> tuple[GapHandler, ...]:
    return tuple(_gap_handlers)


def replan_handlers() -> tuple[ReplanHandler, ...]:
    return tuple(_replan_handlers)
