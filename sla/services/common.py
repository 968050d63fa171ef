"""What the clock services share: locking and saving clocks, new clocks, the thresholds of a
set of policies, and reporting deadlines that lie beyond a calendar's data."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sla import clockmath, handlers
from sla.businesstime import WorkingCalendar
from sla.calendars import working_calendar
from sla.models import BusinessCalendar, SlaClock, SlaPolicy, SlaThreshold
from sla.selectors import thresholds_by_policy

logger = logging.getLogger("sla.services")

# The fields a clock service changes (saved together with the revision).
MUTABLE = [
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


def wc(clock: SlaClock) -> WorkingCalendar:
    return working_calendar(clock.calendar)


def thresholds_for(policy_ids) -> dict[int, list[SlaThreshold]]:
    result: dict[int, list[SlaThreshold]] = defaultdict(list)
    ids = {pk for pk in policy_ids if pk}
    if ids:
        every = thresholds_by_policy()
        for pk in ids:
            if pk in every:
                result[pk] = every[pk]
    return result


def retarget(
    clock: SlaClock,
    at: datetime,
    *,
    calendar: BusinessCalendar,
    target: timedelta,
    thresholds,
    policy: SlaPolicy | None = None,
    ola=None,
) -> None:
    """``clockmath.retarget`` with the old and new calendars' arithmetic looked up."""
    clockmath.retarget(
        clock,
        at,
        old_wc=wc(clock),
        new_wc=working_calendar(calendar),
        calendar=calendar,
        target=target,
        thresholds=thresholds,
        policy=policy,
        ola=ola,
    )


def save(clock: SlaClock) -> None:
    clock.revision += 1
    clock.save(update_fields=MUTABLE)


def new_clock(
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


def lock_clocks(incident_id: int, *, segment_id: int | None = None, **filters) -> list[SlaClock]:
    qs = (
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("calendar", "policy")
        .filter(incident_id=incident_id, **filters)
    )
    if segment_id is not None:
        qs = qs.filter(segment_id=segment_id)
    return list(qs.order_by("id"))


def report_gaps(clocks, before: dict[int, bool], at: datetime) -> None:
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
