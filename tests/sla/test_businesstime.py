"""Tests for sla.businesstime: business-time deadlines on the Chinese working calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.businesstime import MAX_EMPTY_SCAN_DAYS, SHANGHAI, WorkingCalendar

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
M = timedelta(minutes=1)

CAL = WorkingCalendar.standard_china(
    chinese_calendar.holidays,
    chinese_calendar.workdays,
    valid_from=date(2004, 1, 1),
    valid_until=date(2026, 12, 31),
)


def sh(*args: int) -> datetime:
    """An aware Asia/Shanghai datetime."""
    return datetime(*args, tzinfo=SHANGHAI)


def ber(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


# --- the holiday data the expectations below rely on --------------------------------------


def test_chinese_calendar_data_matches_expectations():
    national_day_2025 = {date(2025, 10, d) for d in range(1, 9)}
    spring_festival_2026 = {date(2026, 2, d) for d in range(15, 24)}
    new_year_2026 = {date(2026, 1, d) for d in range(1, 4)}
    for day in national_day_2025 | spring_festival_2026 | new_year_2026:
        assert day in chinese_calendar.holidays, day
        assert not chinese_calendar.is_workday(day)
    for day in (
        date(2025, 9, 28),
        date(2025, 10, 11),
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
    ):
        assert day.weekday() >= 5, day
        assert day in chinese_calendar.workdays, day
        assert chinese_calendar.is_workday(day)
    # The package's "workdays" are only the adjusted weekend working days (调休) ...
    assert all(day.weekday() >= 5 for day in chinese_calendar.workdays)
    # ... and it has no data beyond 2026.
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


# --- ordinary days -------------------------------------------------------------------------


def test_lunch_break_is_skipped():
    assert CAL.add(sh(2025, 6, 16, 11, 50), 20 * M) == sh(2025, 6, 16, 13, 40)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (sh(2025, 6, 16, 8, 30), sh(2025, 6, 16, 8, 40)),
        (sh(2025, 6, 16, 12, 0), sh(2025, 6, 16, 13, 40)),
        (sh(2025, 6, 16, 13, 30), sh(2025, 6, 16, 13, 40)),
        (sh(2025, 6, 16, 17, 30), sh(2025, 6, 17, 8, 40)),
        (sh(2025, 6, 16, 8, 29, 59), sh(2025, 6, 16, 8, 40)),
        (sh(2025, 6, 16, 11, 59, 59), sh(2025, 6, 16, 13, 39, 59)),
    ],
)
def test_starts_exactly_at_boundaries(start, expected):
    assert CAL.add(start, 10 * M) == expected


def test_is_working_is_half_open_and_next_working_instant():
    assert CAL.is_working(sh(2025, 6, 16, 8, 30))
    assert not CAL.is_working(sh(2025, 6, 16, 8, 29, 59, 999999))
    assert CAL.is_working(sh(2025, 6, 16, 11, 59, 59, 999999))
    assert not CAL.is_working(sh(2025, 6, 16, 12, 0))
    assert CAL.is_working(sh(2025, 6, 16, 13, 30))
    assert not CAL.is_working(sh(2025, 6, 16, 17, 30))
    assert not CAL.is_working(sh(2025, 6, 21, 10, 0))  # Saturday
    assert CAL.next_working_instant(sh(2025, 6, 16, 12, 0)) == sh(2025, 6, 16, 13, 30)
    assert CAL.next_working_instant(sh(2025, 6, 16, 17, 30)) == sh(2025, 6, 17, 8, 30)
    assert CAL.next_working_instant(sh(2025, 6, 20, 18, 0)) == sh(2025, 6, 23, 8, 30)
    inside = sh(2025, 6, 16, 9, 15, 1, 5)
    assert CAL.next_working_instant(inside) is inside


def test_zero_duration_returns_start_even_outside_working_time():
    for start in (sh(2025, 6, 16, 12, 0), sh(2025, 6, 21, 3, 0), sh(2025, 6, 16, 9, 0)):
        assert CAL.add(start, timedelta(0)) is start


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (sh(2025, 6, 16, 8, 30), timedelta(hours=3, minutes=30), sh(2025, 6, 16, 12, 0)),
        (sh(2025, 6, 16, 13, 30), 4 * H, sh(2025, 6, 16, 17, 30)),
        (sh(2025, 6, 16, 8, 30), timedelta(hours=7, minutes=30), sh(2025, 6, 16, 17, 30)),
        (sh(2025, 6, 16, 7, 0), timedelta(hours=7, minutes=30), sh(2025, 6, 16, 17, 30)),
        (sh(2025, 6, 16, 12, 30), 4 * H, sh(2025, 6, 16, 17, 30)),
        (sh(2025, 6, 20, 8, 30), timedelta(hours=7, minutes=30), sh(2025, 6, 20, 17, 30)),
    ],
)
def test_result_is_interval_end_not_next_start(start, duration, expected):
    assert CAL.add(start, duration) == expected


def test_overnight():
    assert CAL.add(sh(2025, 6, 17, 17, 0), H) == sh(2025, 6, 18, 9, 0)
    assert CAL.add(sh(2025, 6, 17, 20, 0), H) == sh(2025, 6, 18, 9, 30)
    assert CAL.add(sh(2025, 6, 18, 2, 0), 4 * H) == sh(2025, 6, 18, 14, 0)


def test_weekend():
    assert CAL.add(sh(2025, 6, 20, 17, 0), H) == sh(2025, 6, 23, 9, 0)  # Fri -> Mon
    assert CAL.add(sh(2025, 6, 21, 10, 0), H) == sh(2025, 6, 23, 9, 30)  # Sat -> Mon
    assert CAL.elapsed(sh(2025, 6, 20, 17, 30), sh(2025, 6, 23, 8, 30)) == timedelta(0)
    assert CAL.elapsed(sh(2025, 6, 20, 17, 0), sh(2025, 6, 23, 9, 0)) == H


def test_full_week_and_long_targets():
    assert CAL.elapsed(sh(2025, 6, 16), sh(2025, 6, 23)) == timedelta(hours=37, minutes=30)
    # 40 business hours from Monday 08:30 = 5 days + 2.5 h -> next Monday 11:00.
    assert CAL.add(sh(2025, 6, 16, 8, 30), 40 * H) == sh(2025, 6, 23, 11, 0)


# --- holidays and adjusted working days (调休) ---------------------------------------------


def test_national_day_2025():
    # Sep 27 (Sat) is off, Sep 28 (Sun) is an adjusted working day.
    assert CAL.add(sh(2025, 9, 26, 17, 0), H) == sh(2025, 9, 28, 9, 0)
    assert CAL.add(sh(2025, 9, 27, 10, 0), H) == sh(2025, 9, 28, 9, 30)
    # Oct 1-8 are holidays: from Sep 30 straight to Thursday Oct 9.
    assert CAL.add(sh(2025, 9, 30, 17, 0), H) == sh(2025, 10, 9, 9, 0)
    assert CAL.add(sh(2025, 10, 3, 10, 0), H) == sh(2025, 10, 9, 9, 30)
    assert CAL.elapsed(sh(2025, 10, 1), sh(2025, 10, 9)) == timedelta(0)
    assert CAL.elapsed(sh(2025, 9, 30, 17, 0), sh(2025, 10, 9, 9, 0)) == H
    # Oct 11 (Sat) is an adjusted working day with the normal hours, Oct 12 (Sun) is not.
    assert CAL.add(sh(2025, 10, 10, 17, 0), H) == sh(2025, 10, 11, 9, 0)
    assert CAL.add(sh(2025, 10, 11, 17, 0), H) == sh(2025, 10, 13, 9, 0)
    assert CAL.is_working(sh(2025, 10, 11, 13, 30))
    assert not CAL.is_working(sh(2025, 10, 11, 12, 30))
    assert not CAL.is_working(sh(2025, 10, 6, 10, 0))


def test_spring_festival_2026():
    assert CAL.add(sh(2026, 2, 13, 17, 0), H) == sh(2026, 2, 14, 9, 0)  # Fri -> Sat (调休)
    assert CAL.add(sh(2026, 2, 14, 17, 0), H) == sh(2026, 2, 24, 9, 0)  # Feb 15-23 off
    assert CAL.add(sh(2026, 2, 27, 17, 0), H) == sh(2026, 2, 28, 9, 0)  # Fri -> Sat (调休)
    assert CAL.add(sh(2026, 2, 28, 17, 0), H) == sh(2026, 3, 2, 9, 0)  # Sat -> Mon
    assert CAL.elapsed(sh(2026, 2, 14, 17, 30), sh(2026, 2, 24, 8, 30)) == timedelta(0)


def test_year_end_crossing():
    # Jan 1-3 2026 are holidays, Sunday Jan 4 2026 is an adjusted working day.
    assert CAL.add(sh(2025, 12, 31, 17, 0), H) == sh(2026, 1, 4, 9, 0)
    assert CAL.elapsed(sh(2025, 12, 31, 17, 0), sh(2026, 1, 4, 9, 0)) == H
    # A normal year end (Jan 1 2025 is a Wednesday holiday).
    assert CAL.add(sh(2024, 12, 31, 17, 0), H) == sh(2025, 1, 2, 9, 0)


def test_elapsed_over_whole_years_matches_package_workday_count():
    for year in (2024, 2025, 2026):
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
        days = sum(
            chinese_calendar.is_workday(start + timedelta(n)) for n in range((end - start).days)
        )
        expected = days * timedelta(hours=7, minutes=30)
        assert CAL.elapsed(sh(year, 1, 1), sh(year + 1, 1, 1)) == expected
        last_working_day = max(
            start + timedelta(n)
            for n in range((end - start).days)
            if chinese_calendar.is_workday(start + timedelta(n))
        )
        assert CAL.add(sh(year, 1, 1), expected) == datetime.combine(
            last_working_day, time(17, 30), tzinfo=SHANGHAI
        )


def test_results_keep_the_start_timezone():
    start = sh(2025, 6, 16, 11, 50).astimezone(UTC)
    result = CAL.add(start, 20 * M)
    assert result.tzinfo is UTC
    assert result == sh(2025, 6, 16, 13, 40)
    assert CAL.next_working_instant(sh(2025, 6, 16, 12, 0).astimezone(UTC)).tzinfo is UTC


def test_microsecond_precision():
    start = sh(2025, 6, 16, 11, 59, 59, 999_999)
    assert CAL.add(start, timedelta(microseconds=1)) == sh(2025, 6, 16, 12, 0)
    assert CAL.add(start, timedelta(microseconds=2)) == sh(2025, 6, 16, 13, 30, 0, 1)
    assert CAL.elapsed(start, sh(2025, 6, 16, 13, 30, 0, 1)) == timedelta(microseconds=2)


def test_covers():
    assert CAL.covers(date(2025, 1, 1), date(2026, 12, 31))
    assert not CAL.covers(date(2026, 12, 1), date(2027, 1, 5))
    assert not CAL.covers(date(2003, 12, 31), date(2004, 1, 5))
    assert WorkingCalendar.twenty_four_seven(SHANGHAI).covers(date(1900, 1, 1), date(2999, 1, 1))


def test_custom_adjusted_working_day_hours_and_default_day():
    weekly = {d: [(time(9, 0), time(18, 0))] for d in range(5)}
    cal = WorkingCalendar(
        SHANGHAI,
        weekly,
        holidays={date(2025, 6, 16)},
        workdays={date(2025, 6, 21): [(time(9, 0), time(12, 0))], date(2025, 6, 22): None},
    )
    assert cal.intervals_for(date(2025, 6, 16)) == ()
    assert cal.intervals_for(date(2025, 6, 21)) == ((time(9, 0), time(12, 0)),)
    assert cal.intervals_for(date(2025, 6, 22)) == ((time(9, 0), time(18, 0)),)  # Monday's
    assert cal.add(sh(2025, 6, 20, 17, 0), 2 * H) == sh(2025, 6, 21, 10, 0)
    assert cal.add(sh(2025, 6, 21, 11, 0), 2 * H) == sh(2025, 6, 22, 10, 0)
    other = WorkingCalendar(
        SHANGHAI, {}, workdays=[date(2025, 6, 21)], default_day=[(time(10, 0), time(11, 0))]
    )
    assert other.add(sh(2025, 6, 1), 30 * M) == sh(2025, 6, 21, 10, 30)
    assert other.add(sh(2025, 6, 21, 10, 0), H) == sh(2025, 6, 21, 11, 0)


def test_adjacent_intervals_behave_like_one():
    cal = WorkingCalendar(SHANGHAI, {0: [(time(8, 0), time(12, 0)), (time(12, 0), time(16, 0))]})
    assert cal.add(sh(2025, 6, 16, 11, 0), 2 * H) == sh(2025, 6, 16, 13, 0)
    assert cal.add(sh(2025, 6, 16, 8, 0), 4 * H) == sh(2025, 6, 16, 12, 0)
    assert cal.is_working(sh(2025, 6, 16, 12, 0))


# --- 24x7 and time zones with DST ----------------------------------------------------------


def test_twenty_four_seven():
    cal = WorkingCalendar.twenty_four_seven(SHANGHAI)
    start = sh(2025, 10, 1, 3, 17, 5)
    assert cal.add(start, 40 * H) == start + 40 * H
    assert cal.elapsed(start, start + 40 * H) == 40 * H
    assert cal.is_working(start)
    assert cal.next_working_instant(start) is start
    # Real elapsed time across a DST change, not wall-clock arithmetic.
    cal_berlin = WorkingCalendar.twenty_four_seven(BERLIN)
    assert cal_berlin.add(ber(2025, 3, 30, 0, 0), 5 * H) == ber(2025, 3, 30, 6, 0)
    assert cal_berlin.elapsed(ber(2025, 10, 26, 0, 0), ber(2025, 10, 27, 0, 0)) == 25 * H


def test_dst_days_count_real_time():
    cal = WorkingCalendar(BERLIN, {d: [(time(1, 0), time(4, 0))] for d in range(7)})
    assert cal.elapsed(ber(2025, 3, 29), ber(2025, 3, 30)) == 3 * H
    assert cal.elapsed(ber(2025, 3, 30), ber(2025, 3, 31)) == 2 * H  # 02:00 -> 03:00 skipped
    assert cal.elapsed(ber(2025, 10, 26), ber(2025, 10, 27)) == 4 * H  # 02:00-03:00 twice
    assert cal.add(ber(2025, 3, 30, 1, 0), 2 * H) == ber(2025, 3, 30, 4, 0)
    assert cal.add(ber(2025, 10, 26, 1, 0), 4 * H) == ber(2025, 10, 26, 4, 0)
    # A result inside the repeated hour is the second 02:30 (fold=1, i.e. CET).
    second = cal.add(ber(2025, 10, 26, 1, 0), timedelta(hours=2, minutes=30))
    assert second.fold == 1
    assert second.astimezone(UTC) == datetime(2025, 10, 26, 1, 30, tzinfo=UTC)


def test_dst_gap_bound_moves_to_transition():
    # 02:30 does not exist on 2025-03-30 in Berlin: the wall clock passes it at 03:00 CEST.
    cal = WorkingCalendar(BERLIN, {6: [(time(2, 30), time(5, 0))]})
    ((start, end),) = cal.working_intervals(date(2025, 3, 30))
    assert start == ber(2025, 3, 30, 3, 0) == datetime(2025, 3, 30, 1, 0, tzinfo=UTC)
    assert end == ber(2025, 3, 30, 5, 0)
    assert cal.add(ber(2025, 3, 30, 0, 0), H) == ber(2025, 3, 30, 4, 0)


def test_dst_ambiguous_end_is_last_occurrence():
    # 02:30 happens twice on 2025-10-26 in Berlin; work ends the second time (02:30 CET).
    cal = WorkingCalendar(BERLIN, {6: [(time(1, 0), time(2, 30))]})
    ((start, end),) = cal.working_intervals(date(2025, 10, 26))
    assert start == datetime(2025, 10, 25, 23, 0, tzinfo=UTC)  # 01:00 CEST
    # PEP 495: a fold=1 datetime never compares == to another zone's; compare in UTC.
    assert end.fold == 1
    assert end.astimezone(UTC) == datetime(2025, 10, 26, 1, 30, tzinfo=UTC)  # 02:30 CET
    assert cal.elapsed(ber(2025, 10, 26), ber(2025, 10, 27)) == timedelta(hours=2, minutes=30)


# --- validation ----------------------------------------------------------------------------


def test_naive_datetimes_rejected():
    naive = datetime(2025, 6, 16, 9, 0)  # noqa: DTZ001 - deliberately naive
    with pytest.raises(ValueError, match="naive"):
        CAL.add(naive, H)
    with pytest.raises(ValueError, match="naive"):
        CAL.elapsed(naive, sh(2025, 6, 17))
    with pytest.raises(ValueError, match="naive"):
        CAL.elapsed(sh(2025, 6, 15), naive)
    with pytest.raises(ValueError, match="naive"):
        CAL.is_working(naive)
    with pytest.raises(ValueError, match="naive"):
        CAL.next_working_instant(naive)
    with pytest.raises(ValueError, match="naive"):
        WorkingCalendar.twenty_four_seven(SHANGHAI).add(naive, H)


def test_negative_duration_rejected():
    with pytest.raises(ValueError, match="negative"):
        CAL.add(sh(2025, 6, 16, 9, 0), -M)
    with pytest.raises(TypeError, match="timedelta"):
        CAL.add(sh(2025, 6, 16, 9, 0), 60)


def test_empty_calendar_raises_instead_of_looping():
    empty = WorkingCalendar(SHANGHAI, {})
    with pytest.raises(ValueError, match=f"no working time in {MAX_EMPTY_SCAN_DAYS} days"):
        empty.add(sh(2025, 6, 16, 9, 0), M)
    with pytest.raises(ValueError, match="no working time"):
        empty.next_working_instant(sh(2025, 6, 16, 9, 0))
    assert empty.elapsed(sh(2025, 1, 1), sh(2026, 1, 1)) == timedelta(0)
    assert not empty.is_working(sh(2025, 6, 16, 9, 0))
    # Working time that ends: fine until it runs out.
    once = WorkingCalendar(SHANGHAI, {}, workdays={date(2025, 6, 16): [(time(9), time(10))]})
    assert once.add(sh(2025, 1, 1), H) == sh(2025, 6, 16, 10, 0)
    with pytest.raises(ValueError, match="no working time"):
        once.add(sh(2025, 1, 1), H + M)


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({0: [(time(22, 0), time(0, 0))]}, "time\\(0, 0\\)"),
        ({0: [(time(12, 0), time(9, 0))]}, "before end"),
        ({0: [(time(9, 0), time(12, 0)), (time(11, 0), time(13, 0))]}, "overlapping"),
        ({7: [(time(9, 0), time(12, 0))]}, "weekday"),
        ({0: [(time(9, 0, tzinfo=UTC), time(12, 0))]}, "naive"),
    ],
)
def test_invalid_weekly_rejected(weekly, message):
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(SHANGHAI, weekly)


def test_invalid_holiday_configuration_rejected():
    with pytest.raises(ValueError, match="both holiday and adjusted"):
        WorkingCalendar.standard_china([date(2025, 10, 11)], [date(2025, 10, 11)])
    with pytest.raises(ValueError, match="no default_day"):
        WorkingCalendar(SHANGHAI, {}, workdays=[date(2025, 10, 11)])
    with pytest.raises(ValueError, match="valid_from"):
        WorkingCalendar(SHANGHAI, {}, valid_from=date(2026, 1, 1), valid_until=date(2025, 1, 1))


def test_configuration_is_read_only():
    with pytest.raises(AttributeError):
        CAL.always_open = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        CAL.weekly[5] = ()  # type: ignore[index]
    assert isinstance(CAL.holidays, frozenset)


# --- property-based tests ------------------------------------------------------------------

_LO = int(datetime(2024, 1, 1, tzinfo=SHANGHAI).timestamp())
_HI = int(datetime(2027, 1, 1, tzinfo=SHANGHAI).timestamp())

instants = st.builds(
    lambda seconds, micro, tz: datetime.fromtimestamp(seconds, tz).replace(microsecond=micro),
    st.integers(_LO, _HI),
    st.integers(0, 999_999),
    st.sampled_from([SHANGHAI, UTC]),
)
minute_instants = st.integers(_LO // 60, _HI // 60).map(
    lambda minutes: datetime.fromtimestamp(minutes * 60, SHANGHAI)
)
durations = st.integers(0, 200 * 3600 * 1_000_000).map(lambda us: timedelta(microseconds=us))
PROPERTY = settings(max_examples=200, deadline=None)


def _is_interval_end(cal: WorkingCalendar, dt: datetime) -> bool:
    local = dt.astimezone(cal.tz)
    utc = dt.astimezone(UTC)
    return any(end.astimezone(UTC) == utc for _, end in cal.working_intervals(local.date()))


@pytest.mark.slow
@PROPERTY
@given(start=instants, duration=durations)
def test_property_elapsed_inverts_add(start, duration):
    deadline = CAL.add(start, duration)
    assert deadline >= start
    assert deadline.tzinfo is start.tzinfo
    assert CAL.elapsed(start, deadline) == duration


@pytest.mark.slow
@PROPERTY
@given(start=instants, d1=durations, d2=durations)
def test_property_add_is_monotonic(start, d1, d2):
    d1, d2 = sorted((d1, d2))
    assert CAL.add(start, d1) <= CAL.add(start, d2)


@pytest.mark.slow
@PROPERTY
@given(start=instants, duration=durations.filter(bool))
def test_property_positive_result_is_working_or_interval_end(start, duration):
    deadline = CAL.add(start, duration)
    assert deadline > start
    assert CAL.is_working(deadline) or _is_interval_end(CAL, deadline)
    # Starting at the next working instant changes nothing.
    assert CAL.add(CAL.next_working_instant(start), duration) == deadline


@pytest.mark.slow
@PROPERTY
@given(a=instants, b=instants, c=instants)
def test_property_elapsed_is_additive(a, b, c):
    a, b, c = sorted((a, b, c))
    assert CAL.elapsed(a, c) == CAL.elapsed(a, b) + CAL.elapsed(b, c)
    assert CAL.elapsed(c, a) == timedelta(0)


def _oracle_add(cal: WorkingCalendar, start: datetime, minutes: int) -> datetime:
    """Minute-by-minute brute force straight from the calendar rules (wall-clock membership)."""
    if minutes == 0:
        return start
    holidays, workdays, weekly = cal.holidays, cal.workdays, cal.weekly
    instant = start.astimezone(UTC)
    while True:
        local = instant.astimezone(cal.tz)
        day = local.date()
        intervals = () if day in holidays else workdays.get(day) or weekly.get(day.weekday(), ())
        wall = local.time()
        if any(s <= wall < e for s, e in intervals):
            minutes -= 1
            if minutes == 0:
                return instant + M
        instant += M


@pytest.mark.slow
@PROPERTY
@given(start=minute_instants, minutes=st.integers(0, 3 * 450))
def test_property_agrees_with_minute_oracle(start, minutes):
    expected = _oracle_add(CAL, start, minutes)
    assert CAL.add(start, minutes * M) == expected
    assert CAL.elapsed(start, expected) == minutes * M


BERLIN_CAL = WorkingCalendar(
    BERLIN,
    {d: [(time(1, 0), time(4, 0)), (time(9, 0), time(17, 0))] for d in range(6)},
    holidays={date(2025, 3, 31)},
)
_DST_WINDOWS = [
    int(datetime(2025, 3, 26, tzinfo=BERLIN).timestamp()) // 60,
    int(datetime(2025, 10, 22, tzinfo=BERLIN).timestamp()) // 60,
]
berlin_minute_instants = st.builds(
    lambda base, offset: datetime.fromtimestamp((base + offset) * 60, BERLIN),
    st.sampled_from(_DST_WINDOWS),
    st.integers(0, 7 * 24 * 60),
)


@pytest.mark.slow
@PROPERTY
@given(start=berlin_minute_instants, minutes=st.integers(0, 30 * 60))
def test_property_agrees_with_minute_oracle_across_dst(start, minutes):
    expected = _oracle_add(BERLIN_CAL, start, minutes)
    # In UTC: a result in the repeated hour has fold=1 and then never == a UTC datetime.
    assert BERLIN_CAL.add(start, minutes * M).astimezone(UTC) == expected.astimezone(UTC)
    assert BERLIN_CAL.elapsed(start, expected) == minutes * M
