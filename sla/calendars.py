"""Business calendars as arithmetic: a cached ``WorkingCalendar`` per stored calendar, and the
working-day counting that auto-close and suspension limits use.

The cache is keyed on the calendar's ``revision``, which every edit raises
(``sla.services.calendar_touch``), so each process rebuilds a calendar the first time it
sees a new revision and never uses stale hours or holidays.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from sla.businesstime import MAX_EMPTY_SCAN_DAYS, WorkingCalendar
from sla.choices import DayKind
from sla.models import BusinessCalendar

logger = logging.getLogger(__name__)

_cache: dict[int, tuple[int, WorkingCalendar]] = {}
_lock = threading.Lock()


def working_calendar(calendar: BusinessCalendar) -> WorkingCalendar:
    """The arithmetic of a stored calendar, built once per (calendar, revision) and process."""
    cached = _cache.get(calendar.pk)
    if cached is not None and cached[0] == calendar.revision:
        return cached[1]
    built = build_working_calendar(calendar)
    with _lock:
        _cache[calendar.pk] = (calendar.revision, built)
    return built


def clear_cache() -> None:
    """Forget every cached calendar (tests; a revision change does this per calendar)."""
    with _lock:
        _cache.clear()


def build_working_calendar(calendar: BusinessCalendar) -> WorkingCalendar:
    """Read the calendar's periods and days from the database and build its arithmetic."""
    tz = ZoneInfo(calendar.time_zone)
    if calendar.always_open:
        return WorkingCalendar(
            tz,
            always_open=True,
            valid_from=calendar.valid_from,
            valid_until=calendar.valid_until,
        )
    weekly: dict[int, list[tuple]] = defaultdict(list)
    for weekday, start, end in calendar.periods.values_list("weekday", "start", "end"):
        weekly[weekday].append((start, end))
    holidays: list[date] = []
    workdays: dict[date, None] = {}
    for day, kind in calendar.days.values_list("date", "kind"):
        if kind == DayKind.HOLIDAY:
            holidays.append(day)
        else:
            workdays[day] = None
    # Adjusted working days keep the hours of a normal weekday: Monday's, else the first
    # weekday that has hours.
    default_day = weekly.get(0) or next((weekly[d] for d in sorted(weekly)), None)
    if workdays and not default_day:
        logger.warning("calendar %s has adjusted working days but no hours", calendar.code)
        workdays = {}
    return WorkingCalendar(
        tz,
        weekly,
        holidays,
        workdays,
        default_day=default_day,
        valid_from=calendar.valid_from,
        valid_until=calendar.valid_until,
    )


def standard_calendar() -> BusinessCalendar | None:
    """The calendar of ``settings.SLA_STANDARD_CALENDAR`` (auto-close, suspension limits)."""
    return (
        BusinessCalendar.objects.filter(code=settings.SLA_STANDARD_CALENDAR, active=True)
        .only("id", "revision", "time_zone", "always_open", "valid_from", "valid_until", "code")
        .first()
    )


def _is_working_day(wc: WorkingCalendar, day: date) -> bool:
    return bool(wc.intervals_for(day))


def _shift_working_days(at: datetime, days: int, step: int, wc: WorkingCalendar) -> datetime:
    local = at.astimezone(wc.tz)
    day = local.date()
    counted = 0
    scanned = 0
    while counted < days:
        day += timedelta(days=step)
        scanned += 1
        if scanned > MAX_EMPTY_SCAN_DAYS + days:
            raise ValueError("the calendar has no working days to count")
        if _is_working_day(wc, day):
            counted += 1
    if not wc.covers(min(day, local.date()), max(day, local.date())):
        logger.warning(
            "working days counted beyond the holiday data of the calendar (%s to %s)",
            local.date(),
            day,
        )
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=wc.tz)


def working_days_after(at: datetime, days: int, wc: WorkingCalendar | None = None) -> datetime:
    """The same wall-clock time on the ``days``-th working day after ``at``'s date.

    Without a standard calendar (none configured), plain days.
    """
    wc = wc if wc is not None else _standard_wc()
    if wc is None or wc.always_open:
        return at + timedelta(days=days)
    return _shift_working_days(at, days, 1, wc)


def working_days_before(at: datetime, days: int, wc: WorkingCalendar | None = None) -> datetime:
    """The same wall-clock time on the ``days``-th working day before ``at``'s date."""
    wc = wc if wc is not None else _standard_wc()
    if wc is None or wc.always_open:
        return at - timedelta(days=days)
    return _shift_working_days(at, days, -1, wc)


def business_limit(start: datetime, limit: timedelta, wc: WorkingCalendar | None = None):
    """The instant ``limit`` after ``start`` counted on the standard calendar: whole days are
    working days (same wall-clock time), the rest is business time."""
    wc = wc if wc is not None else _standard_wc()
    if wc is None or wc.always_open:
        return start + limit
    whole = timedelta(days=limit.days)
    end = working_days_after(start, limit.days, wc) if limit.days else start
    rest = limit - whole
    return wc.add(end, rest) if rest else end


def _standard_wc() -> WorkingCalendar | None:
    calendar = standard_calendar()
    return working_calendar(calendar) if calendar is not None else None
