"""The clock services the incident services call (DESIGN §5), inside the caller's transaction.

Each hook takes the incident (or segment) object the caller has locked, moves that
incident's clocks and returns what the incident services then write (``ClocksMoved``): the
incident's nearest running deadline (response and resolution clocks that count), kept in
``Incident.next_deadline_at`` for queue sorting, and the OLA fields of the segments whose
clocks changed. ``sla`` writes only its clocks. See docs/sla.md (Clocks) for what each hook
does.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sla import clockmath
from sla.calendars import business_limit, working_calendar, working_days_before
from sla.choices import State, Target
from sla.models import SlaClock, SlaPolicy
from sla.selectors import nearest_deadline, ola_target_for, policy_for_incident
from sla.services.common import (
    lock_clocks,
    new_clock,
    report_gaps,
    retarget,
    save,
    thresholds_for,
    wc,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClocksMoved:
    """What a hook moved, for the incident services to write: the incident's nearest
    deadline, and per assignment segment whose OLA clocks changed, its OLA fields as they
    should now be (``ola_accept_due_at``, ``ola_resolve_due_at``, ``ola_met``)."""

    deadline: datetime | None
    segments: dict[int, dict[str, object]] = field(default_factory=dict)


def _moved(deadline: datetime | None, clocks=()) -> ClocksMoved:
    """The nearest ``deadline`` and the OLA due times of the segments of ``clocks``."""
    segments: dict[int, dict[str, object]] = defaultdict(dict)
    for clock in clocks:
        if clock.segment_id is not None:
            segments[clock.segment_id].update(clockmath.ola_due([clock]))
    return ClocksMoved(deadline=deadline, segments=dict(segments))


def _apply(incident, at: datetime, change) -> ClocksMoved:
    """Lock the incident's clocks, run ``change(clock, wc, thresholds)`` on each, save the
    ones it changed, report new calendar gaps; return what moved."""
    clocks = lock_clocks(incident.pk)
    thresholds = thresholds_for(c.policy_id for c in clocks)
    gaps = {c.pk: c.calendar_gap for c in clocks}
    changed = []
    for clock in clocks:
        if change(clock, wc(clock), thresholds):
            save(clock)
            changed.append(clock)
    report_gaps(changed, gaps, at)
    return _moved(clockmath.nearest(clocks), changed)


# --- opening ----------------------------------------------------------------------------------


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
    thresholds = thresholds_for([policy.pk])
    calendar = working_calendar(policy.calendar)
    new = []
    for target, duration in (
        (Target.RESPONSE, policy.response_target),
        (Target.RESOLUTION, policy.resolution_target),
        (Target.UPDATE, policy.update_interval),
    ):
        if duration is None or target in have:
            continue
        clock = new_clock(
            incident_id=incident.pk,
            target=target,
            calendar=policy.calendar,
            duration=duration,
            at=at,
            policy=policy,
        )
        clockmath.plan(clock, calendar, at, thresholds)
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
    calendar = working_calendar(ola.calendar)
    new = []
    for target, duration in (
        (Target.OLA_ACCEPT, None if accepted else ola.accept_within),
        (Target.OLA_RESOLVE, ola.resolve_within),
    ):
        if duration is None or target in have:
            continue
        clock = new_clock(
            incident_id=incident_id,
            segment_id=segment_id,
            target=target,
            calendar=ola.calendar,
            duration=duration,
            at=at,
            ola=ola,
        )
        clockmath.plan(clock, calendar, at, {})
        new.append(clock)
    return new


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
    due = clockmath.ola_due(ola_clocks)
    return OpeningClocks(
        sla=sla_clocks,
        ola=ola_clocks,
        deadline=clockmath.nearest(sla_clocks),
        ola_accept_due_at=due.get("ola_accept_due_at"),
        ola_resolve_due_at=due.get("ola_resolve_due_at"),
    )


def clocks_opened(opening: OpeningClocks, *, at: datetime) -> list[SlaClock]:
    """The incident, its first segment and the clocks ``clocks_planned`` gave are inserted
    (``OpeningClocks.sla`` linked to the incident, ``.ola`` to the incident and the segment):
    report deadlines beyond the calendars' data. Returns the incident's SLA clocks."""
    report_gaps(opening.sla + opening.ola, {}, at)
    return opening.sla


# --- the incident's transitions -----------------------------------------------------------------


def clocks_response_met(*, incident, at: datetime) -> ClocksMoved:
    """Someone accepted the incident: the response clock stops (met or breached)."""

    def change(clock, wc, thresholds):
        return clock.target == Target.RESPONSE and clockmath.stop(clock, wc, at, completed=True)

    return _apply(incident, at, change)


def clocks_paused(*, incident, at: datetime) -> ClocksMoved:
    """Suspended with a reason that stops the clock: every counting clock pauses (SLA, the
    update reminder, and the current section's OLA)."""
    return _apply(incident, at, lambda clock, wc, thresholds: clockmath.pause(clock, wc, at))


def clocks_resumed(*, incident, at: datetime) -> ClocksMoved:
    """Work resumed: paused clocks run again, deadlines moved by the paused business time."""
    return _apply(
        incident, at, lambda clock, wc, thresholds: clockmath.resume(clock, wc, at, thresholds)
    )


def clocks_resolution_stopped(*, incident, at: datetime) -> ClocksMoved:
    """Resolved: the resolution clock stops (met or breached); the update reminder ends."""

    def change(clock, wc, thresholds):
        if clock.target == Target.RESOLUTION:
            return clockmath.stop(clock, wc, at, completed=True)
        if clock.target == Target.UPDATE:
            return clockmath.stop(clock, wc, at, completed=False)
        return False

    return _apply(incident, at, change)


def clocks_resolution_restarted(*, incident, at: datetime, segment=None) -> ClocksMoved:
    """Reopened: the resolution clock runs again from where it stopped (the business time
    it had used counts), under the policy that matches the incident now; the update
    reminder of a major incident starts a new interval. ``segment`` is the section's new
    segment: if it counts as accepted (the incident service sets ``accepted_at``), its OLA
    acceptance clock stops."""
    policy = policy_for_incident(incident)
    clocks = lock_clocks(incident.pk)
    thresholds = thresholds_for([c.policy_id for c in clocks] + [policy.pk if policy else None])
    gaps = {c.pk: c.calendar_gap for c in clocks}
    changed = []
    have_update = False
    for clock in clocks:
        if clock.target == Target.RESOLUTION and clock.segment_id is None:
            if clockmath.restart(clock, wc(clock), at, thresholds):
                if policy is not None and clock.policy_id != policy.pk:
                    retarget(
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
        clocks.append(_update_clock(incident, at, policy, thresholds))
    for clock in changed:
        save(clock)
    accepted = []
    if segment is not None and segment.accepted_at is not None:
        accepted = lock_clocks(
            incident.pk, segment_id=segment.pk, target=Target.OLA_ACCEPT, stopped_at__isnull=True
        )
    for clock in accepted:
        if clockmath.stop(
            clock, wc(clock), max(segment.accepted_at, clock.anchor_at), completed=True
        ):
            save(clock)
    report_gaps(changed, gaps, at)
    return _moved(clockmath.nearest(clocks), changed + accepted)


def _new_cycle(clock: SlaClock, at: datetime, policy: SlaPolicy, thresholds) -> None:
    calendar = working_calendar(policy.calendar)
    clockmath.new_cycle(clock, calendar, at, policy=policy, thresholds=thresholds)


def _update_clock(incident, at: datetime, policy: SlaPolicy, thresholds) -> SlaClock:
    """A new update-reminder clock of a major incident, saved."""
    clock = new_clock(
        incident_id=incident.pk,
        target=Target.UPDATE,
        calendar=policy.calendar,
        duration=policy.update_interval,
        at=at,
        policy=policy,
    )
    clockmath.plan(clock, working_calendar(policy.calendar), at, thresholds)
    clock.save()
    return clock


def clocks_ended(*, incident, at: datetime) -> ClocksMoved:
    """Closed or cancelled: every clock still open ends (cancelled, or breached if it had
    run over); met and breached clocks keep their outcome."""
    return _apply(
        incident, at, lambda clock, wc, thresholds: clockmath.stop(clock, wc, at, completed=False)
    )


def clocks_replanned(*, incident, at: datetime) -> ClocksMoved:
    """The priority (or what the policy matches on) changed: the clocks that have not
    stopped follow the policy that matches now. Rule: the business time each has used is
    kept; the target and calendar come from the new policy; fired thresholds stay fired and
    a breach stays a breach. An update clock starts or ends with the policy's interval."""
    return replan_incident(incident, at, ola=False)


def replan_incident(incident, at: datetime, *, ola: bool, clock_ids=None) -> ClocksMoved:
    """Re-plan the incident's clocks that have not stopped (only ``clock_ids`` if given; OLA
    clocks only with ``ola``) under the policy that matches it now; save those that moved."""
    policy = policy_for_incident(incident)
    clocks = lock_clocks(incident.pk)
    thresholds = thresholds_for([c.policy_id for c in clocks] + [policy.pk if policy else None])
    gaps = {c.pk: c.calendar_gap for c in clocks}
    changed = [
        clock
        for clock in clocks
        if (clock_ids is None or clock.pk in clock_ids)
        and not clock.is_stopped
        and _replan_clock(clock, policy, at, thresholds, ola=ola, gap=gaps[clock.pk])
    ]
    if clock_ids is None and policy is not None and policy.update_interval:
        # The incident became major (again): its update reminder runs while it is unresolved.
        unresolved = not any(
            c.target == Target.RESOLUTION and c.segment_id is None and c.is_stopped for c in clocks
        )
        update = next((c for c in clocks if c.target == Target.UPDATE and not c.segment_id), None)
        if update is None and unresolved:
            clocks.append(_update_clock(incident, at, policy, thresholds))
        elif update is not None and update.is_stopped and unresolved:
            _new_cycle(update, at, policy, thresholds)
            changed.append(update)
    for clock in changed:
        save(clock)
    report_gaps(changed, gaps, at)
    return _moved(clockmath.nearest(clocks), changed)


def _replan_clock(clock: SlaClock, policy, at: datetime, thresholds, *, ola: bool, gap) -> bool:
    """Re-plan one running clock: an SLA clock under ``policy``, an OLA clock (with ``ola``)
    under its OLA target read again. Returns whether anything of its plan changed."""
    before = clockmath.plan_key(clock)
    if clock.segment_id is None:
        if policy is None:
            return False
        if clock.target == Target.UPDATE and not policy.update_interval:
            clockmath.stop(clock, wc(clock), at, completed=False)
            return True
        duration = {
            Target.RESPONSE: policy.response_target,
            Target.RESOLUTION: policy.resolution_target,
            Target.UPDATE: policy.update_interval,
        }[clock.target]
        retarget(
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
            return False
        target.refresh_from_db()
        duration = (
            target.accept_within if clock.target == Target.OLA_ACCEPT else target.resolve_within
        )
        if duration is None:
            return False
        retarget(clock, at, calendar=target.calendar, target=duration, thresholds=thresholds)
    else:
        return False
    return clockmath.plan_key(clock) != before or gap != clock.calendar_gap


# --- assignment segments (OLA) ----------------------------------------------------------------


def ola_segment_started(*, segment, at: datetime) -> ClocksMoved:
    """The incident arrived at a section: its OLA clocks start (accept, resolve or hand on).
    (The first segment of a new incident is planned by ``clocks_planned`` instead.)"""
    if ola_target_for(segment.department_id) is None:
        return ClocksMoved(deadline=nearest_deadline(segment.incident_id))
    # No default ordering: SlaClock's orders by its incident, a join on the incident table.
    have = set(
        SlaClock.objects.filter(segment_id=segment.pk).order_by().values_list("target", flat=True)
    )
    new = _ola_clocks_for(
        department_id=segment.department_id,
        incident_id=segment.incident_id,
        segment_id=segment.pk,
        accepted=segment.accepted_at is not None,
        at=at,
        have=have,
    )
    SlaClock.objects.bulk_create(new)
    report_gaps(new, {}, at)
    return _moved(nearest_deadline(segment.incident_id), new)


def ola_segment_accepted(*, segment, at: datetime) -> ClocksMoved:
    """The section accepted the incident: the OLA acceptance clock stops."""
    for clock in lock_clocks(segment.incident_id, segment_id=segment.pk, target=Target.OLA_ACCEPT):
        if clockmath.stop(clock, wc(clock), at, completed=True):
            save(clock)
    return ClocksMoved(deadline=nearest_deadline(segment.incident_id))


def ola_segment_ended(*, segment, at: datetime) -> ClocksMoved:
    """The incident left the section: the resolve-or-hand-on clock stops, an acceptance
    clock still open ends, and the segment is to record whether its OLA was met (false if
    any of its OLA clocks breached)."""
    clocks = lock_clocks(segment.incident_id, segment_id=segment.pk)
    for clock in clocks:
        completed = clock.target == Target.OLA_RESOLVE
        if clockmath.stop(clock, wc(clock), at, completed=completed):
            save(clock)
    segments = {}
    if clocks:
        segments[segment.pk] = {"ola_met": not any(c.state == State.BREACHED for c in clocks)}
    return ClocksMoved(deadline=nearest_deadline(segment.incident_id), segments=segments)


# --- business days for the incident rules ----------------------------------------------------


def business_days_before(*, at: datetime, days: int) -> datetime:
    """The same time of day ``days`` working days before ``at`` on the standard calendar
    (``settings.SLA_STANDARD_CALENDAR``); plain days if it is not configured."""
    return working_days_before(at, days)


def business_limit_exceeded(*, start: datetime, end: datetime, limit: timedelta) -> bool:
    """Whether ``end`` lies beyond ``limit`` after ``start`` on the standard calendar: whole
    days of the limit count as working days, the rest as business time."""
    return end > business_limit(start, limit)
