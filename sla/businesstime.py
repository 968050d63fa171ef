"""Business-time deadline arithmetic (SLA clocks) over a working calendar with holidays and
adjusted working days (调休); pure Python, no Django."""

from __future__ import annotations

import functools
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import accumulate
from types import MappingProxyType
from zoneinfo import ZoneInfo

__all__ = [
    "MAX_EMPTY_SCAN_DAYS",
    "SHANGHAI",
    "WorkingCalendar",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: ``add``/``next_working_instant`` give up (ValueError) after this many days without work.
MAX_EMPTY_SCAN_DAYS = 3660

# Internally every instant is an int: microseconds since the POSIX epoch (exact, no floats).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)
_US_PER_S = 1_000_000
_US_PER_DAY = 86_400 * _US_PER_S
# The timeline is cut into fixed UTC windows ("chunks", ~388 days) that are built lazily and
# cached.  Each chunk holds sorted interval starts/ends and the cumulative business time at
# each interval end, so add()/elapsed() are two bisections plus a little integer arithmetic.
_CHUNK_US = (1 << 25) * _US_PER_S
_MAX_EMPTY_CHUNKS = -(-MAX_EMPTY_SCAN_DAYS * _US_PER_DAY // _CHUNK_US)  # ceil: 10
_MAX_CACHED_CHUNKS = 256
_MIDNIGHT = time(0, 0)

Interval = tuple[time, time]
_Chunk = tuple[list[int], list[int], list[int], int]


def _normalize_intervals(intervals: Iterable[Sequence[time]], what: str) -> tuple[Interval, ...]:
    result: list[Interval] = []
    for item in intervals:
        try:
            start, end = item
        except (TypeError, ValueError):
            raise ValueError(f"{what}: expected (start, end) pairs, got {item!r}") from None
        if not isinstance(start, time) or not isinstance(end, time):
            raise TypeError(f"{what}: interval bounds must be datetime.time, got {item!r}")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"{what}: interval times must be naive (the calendar has the tz)")
        if end == _MIDNIGHT:
            raise ValueError(
                f"{what}: an interval may not end at time(0, 0); use always_open=True for 24x7"
            )
        if not start < end:
            raise ValueError(f"{what}: interval start {start} must be before end {end}")
        result.append((start.replace(fold=0), end.replace(fold=0)))
    result.sort()
    for (_, prev_end), (start, _) in zip(result, result[1:], strict=False):
        if start < prev_end:
            raise ValueError(f"{what}: overlapping intervals {result}")
    return tuple(result)


def _as_date(value: object, what: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{what}: expected datetime.date, got {value!r}")
    return value


def _naive_error(value: object) -> Exception:
    if not isinstance(value, datetime):
        return TypeError(f"expected a timezone-aware datetime, got {value!r}")
    return ValueError(f"naive datetime not allowed, attach a timezone: {value!r}")


def _to_us(value: datetime) -> int:
    try:
        return (value - _EPOCH) // _US
    except TypeError:
        raise _naive_error(value) from None


def _from_us(us: int, tz: tzinfo) -> datetime:
    seconds, micro = divmod(us, _US_PER_S)
    result = datetime.fromtimestamp(seconds, tz)
    return result.replace(microsecond=micro) if micro else result


def _duration_us(duration: timedelta) -> int:
    if not isinstance(duration, timedelta):
        raise TypeError(f"duration must be a datetime.timedelta, got {duration!r}")
    us = duration // _US
    if us < 0:
        raise ValueError(f"duration must not be negative, got {duration!r}")
    return us


class WorkingCalendar:
    """An immutable working-time calendar in one time zone.

    Working time of a local date is, in order of precedence: nothing if the date is in
    ``holidays``; the intervals of ``workdays[date]`` (adjusted working day) -- or, when that
    entry is None/empty, ``default_day`` or else Monday's intervals; otherwise the ``weekly``
    intervals of its weekday.  Intervals are half-open ``[start, end)`` wall-clock ranges;
    ``always_open`` makes every instant working time.

    Across DST changes an interval runs from the first instant the wall clock shows ``start``
    to the last instant it shows ``end``; a bound that falls into a DST gap is moved to the
    transition instant.

    ``add`` semantics: counting starts at ``start`` or, outside working time, at the next
    working instant.  A zero duration returns ``start`` itself (a zero target is met
    immediately).  When the remaining business time reaches zero exactly at the end of an
    interval, that end is returned (e.g. 08:30 + 3h30 -> 12:00, not 13:30), so results for
    positive durations always lie in ``(interval start, interval end]``.  Results are
    expressed in the tzinfo of ``start``; in a repeated (DST fall-back) hour they carry
    ``fold=1`` where needed, and per PEP 495 such a datetime never compares ``==`` to one in
    another zone -- compare in UTC if that matters.
    """

    __slots__ = (
        "_always_open",
        "_chunks",
        "_day_us",
        "_holidays",
        "_tz",
        "_valid_from",
        "_valid_until",
        "_weekly",
        "_workdays",
    )

    def __init__(
        self,
        tz: tzinfo,
        weekly: Mapping[int, Iterable[Sequence[time]]] | None = None,
        holidays: Iterable[date] = (),
        workdays: Mapping[date, Iterable[Sequence[time]] | None] | Iterable[date] | None = None,
        *,
        always_open: bool = False,
        default_day: Iterable[Sequence[time]] | None = None,
        valid_from: date | None = None,
        valid_until: date | None = None,
    ) -> None:
        """Check and normalise every input once, here, so that the arithmetic never checks
        again (it reads best whole: one check per argument, in the signature's order)."""
        if not isinstance(tz, tzinfo):
            raise TypeError(f"tz must be a tzinfo (e.g. ZoneInfo), got {tz!r}")
        norm_weekly: dict[int, tuple[Interval, ...]] = {}
        for weekday, intervals in (weekly or {}).items():
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"weekly: weekday must be 0 (Monday) .. 6 (Sunday): {weekday!r}")
            norm = _normalize_intervals(intervals, f"weekly[{weekday}]")
            if norm:
                norm_weekly[weekday] = norm

        holiday_set = frozenset(_as_date(d, "holidays") for d in holidays)

        default = (
            _normalize_intervals(default_day, "default_day")
            if default_day is not None
            else norm_weekly.get(0, ())
        )
        norm_workdays: dict[date, tuple[Interval, ...]] = {}
        if workdays is not None:
            items = (
                workdays.items() if isinstance(workdays, Mapping) else ((d, None) for d in workdays)
            )
            for day, intervals in items:
                day = _as_date(day, "workdays")
                norm = _normalize_intervals(intervals or (), f"workdays[{day}]") or default
                if not norm:
                    raise ValueError(
                        f"workdays[{day}] has no intervals and there is no default_day "
                        "or Monday hours to use instead"
                    )
                norm_workdays[day] = norm
        clash = holiday_set.intersection(norm_workdays)
        if clash:
            raise ValueError(f"dates both holiday and adjusted working day: {sorted(clash)}")

        if valid_from is not None:
            _as_date(valid_from, "valid_from")
        if valid_until is not None:
            _as_date(valid_until, "valid_until")
        if valid_from is not None and valid_until is not None and valid_from > valid_until:
            raise ValueError("valid_from must not be after valid_until")

        self._tz = tz
        self._weekly = MappingProxyType(norm_weekly)
        self._holidays = holiday_set
        self._workdays = MappingProxyType(norm_workdays)
        self._always_open = bool(always_open)
        self._valid_from = valid_from
        self._valid_until = valid_until
        # Caches (the only mutable state; filling them twice concurrently is harmless).
        self._day_us = functools.lru_cache(maxsize=4096)(self._compute_day_us)
        self._chunks: dict[int, _Chunk] = {}

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def standard_china(
        cls,
        holidays: Iterable[date],
        workdays: Iterable[date],
        tz: tzinfo = SHANGHAI,
        *,
        valid_from: date | None = None,
        valid_until: date | None = None,
    ) -> WorkingCalendar:
        """Mon–Fri 08:30–12:00 and 13:30–17:30; adjusted working days get the same hours.

        ``holidays``/``workdays`` may be any iterables of dates, e.g. the dicts
        ``chinese_calendar.holidays`` and ``chinese_calendar.workdays`` directly.
        """
        day = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
        return cls(
            tz,
            dict.fromkeys(range(5), day),
            holidays,
            list(workdays),
            default_day=day,
            valid_from=valid_from,
            valid_until=valid_until,
        )

    @classmethod
    def twenty_four_seven(cls, tz: tzinfo) -> WorkingCalendar:
        """Every instant is working time (business time == elapsed real time)."""
        return cls(tz, always_open=True)

    # -- read-only configuration --------------------------------------------------------------

    @property
    def tz(self) -> tzinfo:
        return self._tz

    @property
    def weekly(self) -> Mapping[int, tuple[Interval, ...]]:
        return self._weekly

    @property
    def holidays(self) -> frozenset[date]:
        return self._holidays

    @property
    def workdays(self) -> Mapping[date, tuple[Interval, ...]]:
        return self._workdays

    @property
    def always_open(self) -> bool:
        return self._always_open

    @property
    def valid_from(self) -> date | None:
        return self._valid_from

    @property
    def valid_until(self) -> date | None:
        return self._valid_until

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(tz={self._tz!r}, always_open={self._always_open}, "
            f"weekdays={sorted(self._weekly)}, holidays={len(self._holidays)}, "
            f"workdays={len(self._workdays)}, valid_from={self._valid_from}, "
            f"valid_until={self._valid_until})"
        )

    def covers(self, start_date: date, end_date: date) -> bool:
        """True if [start_date, end_date] lies within the range that has holiday data."""
        if self._valid_from is not None and start_date < self._valid_from:
            return False
        return self._valid_until is None or end_date <= self._valid_until

    # -- per-date intervals -------------------------------------------------------------------

    def intervals_for(self, day: date) -> tuple[Interval, ...]:
        """The configured wall-clock working intervals of a local date."""
        if self._always_open:
            return ((_MIDNIGHT, time.max),)
        if day in self._holidays:
            return ()
        found = self._workdays.get(day)
        if found is not None:
            return found
        return self._weekly.get(day.weekday(), ())

    def working_intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """Working intervals of a local date as aware datetimes in the calendar's zone.

        For an always-open calendar this is the whole day (up to the next local midnight).
        """
        if self._always_open:
            start = self._instant(day, _MIDNIGHT, is_end=False)
            end = self._instant(day + _ONE_DAY, _MIDNIGHT, is_end=False)
            return ((_from_us(start, self._tz), _from_us(end, self._tz)),)
        return tuple((_from_us(s, self._tz), _from_us(e, self._tz)) for s, e in self._day_us(day))

    def _instant(self, day: date, t: time, *, is_end: bool) -> int:
        local = datetime.combine(day, t, tzinfo=self._tz)
        if is_end:
            local = local.replace(fold=1)  # last occurrence of an ambiguous end time
        us = (local - _EPOCH) // _US
        back = _from_us(us, self._tz)
        if back.replace(tzinfo=None, fold=0) != local.replace(tzinfo=None, fold=0):
            us = self._gap_transition(local)
        return us

    def _gap_transition(self, local: datetime) -> int:
        """The instant the clock jumps over the non-existent wall time ``local``."""
        lo = (local.replace(fold=1) - _EPOCH) // _US  # before the jump
        hi = (local.replace(fold=0) - _EPOCH) // _US  # after the jump
        if lo > hi:
            lo, hi = hi, lo
        after = _from_us(hi, self._tz).utcoffset()
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _from_us(mid, self._tz).utcoffset() == after:
                hi = mid
            else:
                lo = mid
        return hi

    def _compute_day_us(self, day: date) -> tuple[tuple[int, int], ...]:
        result: list[tuple[int, int]] = []
        for start, end in self.intervals_for(day):
            s = self._instant(day, start, is_end=False)
            e = self._instant(day, end, is_end=True)
            if result and s <= result[-1][1]:
                s = result[-1][1]
            if e > s:
                result.append((s, e))
        return tuple(result)

    def _local_date(self, us: int) -> date:
        return datetime.fromtimestamp(us // _US_PER_S, self._tz).date()

    def _build_chunk(self, k: int) -> _Chunk:
        w0 = k * _CHUNK_US
        w1 = w0 + _CHUNK_US
        day = self._local_date(w0) - _ONE_DAY
        last = self._local_date(w1 - 1) + _ONE_DAY
        starts: list[int] = []
        ends: list[int] = []
        day_us = self._day_us
        while day <= last:
            for s, e in day_us(day):
                s = max(s, w0)
                e = min(e, w1)
                if e <= s:
                    continue
                if ends and s <= ends[-1]:  # adjacent/overlapping: merge
                    ends[-1] = max(ends[-1], e)
                else:
                    starts.append(s)
                    ends.append(e)
            day += _ONE_DAY
        cumend = list(accumulate(e - s for s, e in zip(starts, ends, strict=True)))
        chunk: _Chunk = (starts, ends, cumend, cumend[-1] if cumend else 0)
        if len(self._chunks) >= _MAX_CACHED_CHUNKS:
            self._chunks.clear()
        self._chunks[k] = chunk
        return chunk

    def _chunk(self, k: int) -> _Chunk:
        return self._chunks.get(k) or self._build_chunk(k)

    # -- public arithmetic --------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of business time has elapsed after ``start``."""
        tz = start.tzinfo
        try:
            t = (start - _EPOCH) // _US
        except TypeError:
            raise _naive_error(start) from None
        if duration.__class__ is not timedelta or duration < _ZERO:
            _duration_us(duration)  # raises the appropriate error (or accepts a subclass)
        d = duration // _US
        if not d:
            return start
        if self._always_open:
            return _from_us(t + d, tz)
        # Hot path, inlined: locate t, then bisect the cumulative sums for the target.
        k = t // _CHUNK_US
        starts, ends, cumend, total = self._chunks.get(k) or self._build_chunk(k)
        i = bisect_right(starts, t) - 1
        if i < 0:
            target = d
            i = 0
        else:
            e = ends[i]
            target = (cumend[i] - (e - t) if t < e else cumend[i]) + d
        if target <= total:
            j = bisect_left(cumend, target, i)
            us = ends[j] - (cumend[j] - target)
        else:
            us = self._add_beyond(k, target - total)
        seconds, micro = divmod(us, _US_PER_S)
        result = datetime.fromtimestamp(seconds, tz)
        return result.replace(microsecond=micro) if micro else result

    def _add_beyond(self, k: int, remaining: int) -> int:
        empty = 0
        while True:
            k += 1
            _, ends, cumend, total = self._chunk(k)
            if remaining <= total:
                j = bisect_left(cumend, remaining)
                return ends[j] - (cumend[j] - remaining)
            remaining -= total
            empty = 0 if total else empty + 1
            if empty >= _MAX_EMPTY_CHUNKS:
                raise ValueError(
                    f"calendar has no working time in {MAX_EMPTY_SCAN_DAYS} days; "
                    "cannot compute a business-time deadline"
                )

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants (zero if ``end <= start``)."""
        try:
            a = (start - _EPOCH) // _US
            b = (end - _EPOCH) // _US
        except TypeError:
            _to_us(start)
            _to_us(end)
            raise
        if b <= a:
            return _ZERO
        if self._always_open:
            return _US * (b - a)
        chunks = self._chunks
        ka = a // _CHUNK_US
        starts, ends, cumend, total_a = chunks.get(ka) or self._build_chunk(ka)
        i = bisect_right(starts, a) - 1
        pa = 0 if i < 0 else cumend[i] - (ends[i] - a if a < ends[i] else 0)
        kb = b // _CHUNK_US
        if kb != ka:
            starts, ends, cumend, _ = chunks.get(kb) or self._build_chunk(kb)
        i = bisect_right(starts, b) - 1
        pb = 0 if i < 0 else cumend[i] - (ends[i] - b if b < ends[i] else 0)
        if ka == kb:
            return _US * (pb - pa)
        total = total_a - pa + pb
        for k in range(ka + 1, kb):
            total += self._chunk(k)[3]
        return _US * total

    def is_working(self, dt: datetime) -> bool:
        """True if ``dt`` is inside a working interval (half-open: an end is not working)."""
        t = _to_us(dt)
        if self._always_open:
            return True
        starts, ends, _, _ = self._chunk(t // _CHUNK_US)
        i = bisect_right(starts, t) - 1
        return i >= 0 and t < ends[i]

    def next_working_instant(self, dt: datetime) -> datetime:
        """``dt`` itself if it is working time, else the start of the next working interval."""
        t = _to_us(dt)
        if self._always_open:
            return dt
        k = t // _CHUNK_US
        starts, ends, _, _ = self._chunk(k)
        i = bisect_right(starts, t) - 1
        if i >= 0 and t < ends[i]:
            return dt
        if i + 1 < len(starts):
            return _from_us(starts[i + 1], dt.tzinfo)
        empty = 0
        while True:
            k += 1
            starts = self._chunk(k)[0]
            if starts:
                return _from_us(starts[0], dt.tzinfo)
            empty += 1
            if empty >= _MAX_EMPTY_CHUNKS:
                raise ValueError(f"calendar has no working time in {MAX_EMPTY_SCAN_DAYS} days")
