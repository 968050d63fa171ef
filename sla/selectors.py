"""Reads of the SLA app: which policy applies to an incident, the clocks of an incident with
their remaining or overrun business time, the calendars whose data runs out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from itsm import configcache
from sla.calendars import working_calendar
from sla.choices import COUNTING_STATES, State, Target
from sla.models import BusinessCalendar, OlaTarget, SlaClock, SlaPolicy, SlaThreshold

_ZERO = timedelta(0)


def _category_chain(category) -> list[int]:
    """The category's id and its parents' ids, nearest first (read through ``parent``)."""
    chain: list[int] = []
    node = category
    while node is not None and node.pk not in chain:
        chain.append(node.pk)
        node = node.parent
    return chain


def policy_for(
    *, priority: str, nature: str = "", category=None, organisation: str = ""
) -> SlaPolicy | None:
    """The active policy that matches and is most specific.

    Specificity is the number of criteria a policy sets (priority, nature, category,
    requester organisation); among equals a policy on the incident's own category beats
    one on a parent category, then the lowest ``rank`` wins, then the oldest. The default
    policy has no criteria, so it matches everything and wins only when nothing else does.
    """
    chain = _category_chain(category) if category is not None else []
    organisation = (organisation or "").strip()
    priority = priority or ""
    nature = nature or ""
    best, best_key = None, None
    for policy in active_policies():
        if policy.priority and policy.priority != priority:
            continue
        if policy.nature and policy.nature != nature:
            continue
        if policy.category_id is not None and policy.category_id not in chain:
            continue
        if policy.organisation and policy.organisation.upper() != organisation.upper():
            continue
        if policy.organisation and not organisation:
            continue
        distance = chain.index(policy.category_id) if policy.category_id else 0
        key = (policy.specificity, -distance, -policy.rank, not policy.is_default, -policy.pk)
        if best_key is None or key > best_key:
            best, best_key = policy, key
    return best


def active_policies() -> list[SlaPolicy]:
    """The active policies with their calendars (cached per process: itsm.configcache)."""

    def load():
        return list(SlaPolicy.objects.filter(active=True).select_related("calendar"))

    return configcache.cached("sla-policies", load)


def thresholds_by_policy() -> dict[int, list[SlaThreshold]]:
    """Every threshold by policy id, lowest percent first (cached per process)."""

    def load():
        result: dict[int, list[SlaThreshold]] = {}
        for threshold in SlaThreshold.objects.order_by("percent"):
            result.setdefault(threshold.policy_id, []).append(threshold)
        return result

    return configcache.cached("sla-thresholds", load)


def policy_for_incident(incident) -> SlaPolicy | None:
    """The policy of an incident, from its priority, nature, category and organisation."""
    return policy_for(
        priority=incident.priority,
        nature=incident.nature,
        category=incident.category,
        organisation=incident.contact_organisation,
    )


def ola_target_for(department_id: int | None) -> OlaTarget | None:
    if department_id is None:
        return None
    return _ola_targets().get(department_id)


def _ola_targets() -> dict[int, OlaTarget]:
    """The first active OLA target of each section, with its calendar (cached per process)."""

    def load():
        targets: dict[int, OlaTarget] = {}
        for ola in (
            OlaTarget.objects.filter(active=True)
            .select_related("calendar")
            .order_by("department__code", "pk")
        ):
            targets.setdefault(ola.department_id, ola)
        return targets

    return configcache.cached("ola-targets", load)


def consumed(clock: SlaClock, now: datetime) -> timedelta:
    """Business time the clock has used up to ``now`` (frozen while paused or stopped)."""
    if not clock.is_counting:
        return clock.anchor_consumed
    wc = working_calendar(clock.calendar)
    return clock.anchor_consumed + wc.elapsed(clock.anchor_at, now)


@dataclass(frozen=True)
class ClockView:
    """A clock as the detail page and the API show it."""

    id: int
    target: str
    target_label: str
    state: str
    state_label: str
    department_code: str | None
    calendar_code: str
    target_duration: timedelta
    started_at: datetime
    deadline: datetime
    stopped_at: datetime | None
    paused_at: datetime | None
    breached_at: datetime | None
    consumed: timedelta
    remaining: timedelta  # business time left; zero once overrun
    overrun: timedelta  # business time beyond the target; zero while within it
    percent: int
    fired: tuple[int, ...]
    calendar_gap: bool
    paused_business: timedelta = _ZERO  # business time spent paused (or stopped) so far
    department_name: str = ""
    countdown: Countdown | None = None


def clock_view(clock: SlaClock, now: datetime | None = None) -> ClockView:
    now = now or timezone.now()
    used = consumed(clock, now)
    left = clock.target_duration - used
    target = clock.target_duration
    percent = int(used * 100 / target) if target > _ZERO else (100 if used > _ZERO else 0)
    department = getattr(getattr(clock, "segment", None), "department", None)
    return ClockView(
        id=clock.pk,
        target=clock.target,
        target_label=str(clock.get_target_display()),
        state=clock.state,
        state_label=str(clock.get_state_display()),
        department_code=getattr(department, "code", None),
        calendar_code=clock.calendar.code,
        target_duration=target,
        started_at=clock.started_at,
        deadline=clock.deadline,
        stopped_at=clock.stopped_at,
        paused_at=clock.paused_at,
        breached_at=clock.breached_at,
        consumed=used,
        remaining=max(left, _ZERO),
        overrun=max(-left, _ZERO),
        percent=percent,
        fired=tuple(clock.fired or ()),
        calendar_gap=clock.calendar_gap,
        paused_business=clock.paused_business,
        department_name=str(department) if department is not None else "",
        countdown=countdown(clock, now),
    )


def clocks_for_incident(incident_id: int, *, now: datetime | None = None) -> list[ClockView]:
    """The clocks of an incident (SLA first, then OLA by segment), with remaining or overrun
    business time at ``now``. Two queries."""
    now = now or timezone.now()
    clocks = (
        SlaClock.objects.filter(incident_id=incident_id)
        .select_related("calendar", "segment__department")
        .order_by("segment_id", "id")
    )
    order = {"response": 0, "resolution": 1, "update": 2, "ola_accept": 3, "ola_resolve": 4}
    views = [clock_view(c, now) for c in clocks]
    return sorted(views, key=lambda v: (v.target.startswith("ola"), order.get(v.target, 9)))


# --- countdowns: the time left of the clocks an incident list shows ----------------------------

# A countdown's colour: on time, past the policy's first warning threshold, breached, paused,
# stopped within its target.
LEVEL_OK, LEVEL_WARNING, LEVEL_BREACHED, LEVEL_PAUSED, LEVEL_MET = (
    "ok",
    "warning",
    "breached",
    "paused",
    "met",
)
# How long ahead the browser may tick a clock of an always-open calendar on its own.
_ALWAYS = timedelta(days=2)


@dataclass(frozen=True)
class Countdown:
    """The business time left (or overrun) of one clock at ``now``, and how it is shown."""

    target: str
    target_label: str
    level: str
    deadline: datetime
    remaining: timedelta  # zero once overrun
    overrun: timedelta  # zero while within the target
    warn_left: timedelta | None  # amber once ``remaining`` is at most this (None: no warning)
    runs_for: timedelta  # wall time it keeps counting from ``now`` without a break


def calendars_by_id() -> dict[int, BusinessCalendar]:
    """Every calendar by id (cached per process): list rows attach their clocks' calendars
    from it instead of a join."""
    return configcache.cached("sla-calendars", BusinessCalendar.objects.in_bulk)


def first_warning_percent(clock: SlaClock, thresholds: dict | None = None) -> int | None:
    """The lowest threshold percent below 100 of the clock's policy for its target
    (``thresholds``: ``thresholds_by_policy()``, read once by a caller with many clocks)."""
    if clock.policy_id is None:
        return None
    thresholds = thresholds_by_policy() if thresholds is None else thresholds
    percents = [
        t.percent
        for t in thresholds.get(clock.policy_id, ())
        if t.target == clock.target and t.percent < 100
    ]
    return min(percents) if percents else None


def _runs_for(wc, now: datetime, remaining: timedelta) -> timedelta:
    """Wall time from ``now`` to the end of the working interval ``now`` lies in."""
    if wc.always_open:
        return remaining + _ALWAYS
    if not wc.is_working(now):
        return _ZERO
    for start, end in wc.working_intervals(timezone.localtime(now, wc.tz).date()):
        if start <= now < end:
            return end - now
    return _ZERO


def countdown(
    clock: SlaClock, now: datetime, thresholds: dict | None = None, labels: dict | None = None
) -> Countdown:
    """The clock's countdown at ``now`` (business time on its own calendar); ``thresholds``
    and ``labels`` (the targets' names) are read once by a caller with many clocks: a
    ``get_target_display`` translates every choice, which costs more than the arithmetic."""
    wc = working_calendar(clock.calendar)
    counting = clock.is_counting
    used = clock.anchor_consumed + (wc.elapsed(clock.anchor_at, now) if counting else _ZERO)
    left = clock.target_duration - used
    remaining, overrun = max(left, _ZERO), max(-left, _ZERO)
    percent = first_warning_percent(clock, thresholds)
    warn_left = clock.target_duration * (100 - percent) / 100 if percent else None
    if overrun > _ZERO or clock.state == State.BREACHED or clock.breached_at is not None:
        level = LEVEL_BREACHED
    elif clock.is_stopped:
        level = LEVEL_MET
    elif not counting:
        level = LEVEL_PAUSED
    elif warn_left is not None and remaining <= warn_left:
        level = LEVEL_WARNING
    else:
        level = LEVEL_OK
    return Countdown(
        target=clock.target,
        target_label=labels[clock.target] if labels else str(clock.get_target_display()),
        level=level,
        deadline=clock.deadline,
        remaining=remaining,
        overrun=overrun,
        warn_left=warn_left,
        runs_for=_runs_for(wc, now, remaining) if counting else _ZERO,
    )


def _shown_clock(clocks: list[SlaClock]) -> SlaClock | None:
    """The clock a list row shows: the counting one due first, else a paused one, else the
    one that stopped last (its outcome)."""
    counting = [c for c in clocks if c.is_counting]
    if counting:
        return min(counting, key=lambda c: c.deadline)
    paused = [c for c in clocks if not c.is_stopped]
    if paused:
        return min(paused, key=lambda c: c.deadline)
    stopped = [c for c in clocks if c.state != State.CANCELLED]
    return max(stopped, key=lambda c: (c.target == Target.RESOLUTION, c.pk)) if stopped else None


def countdowns_for(incident_ids, *, now: datetime | None = None) -> dict[int, Countdown]:
    """The countdown each incident's row shows (its response or resolution clock), by
    incident id: one query whatever the number of incidents; calendars and thresholds come
    from the per-process caches."""
    now = now or timezone.now()
    ids = sorted(set(incident_ids))
    if not ids:
        return {}
    calendars: dict[int, BusinessCalendar] | None = None
    by_incident: dict[int, list[SlaClock]] = {}
    clocks = SlaClock.objects.filter(
        incident_id__in=ids,
        segment__isnull=True,
        target__in=(Target.RESPONSE, Target.RESOLUTION),
    ).only(
        "incident_id", "target", "policy_id", "calendar_id", "target_duration", "anchor_at",
        "anchor_consumed", "deadline", "paused_at", "stopped_at", "state", "breached_at",
    )  # fmt: skip
    for clock in clocks:
        calendars = calendars_by_id() if calendars is None else calendars
        calendar = calendars.get(clock.calendar_id)
        if calendar is None:  # created since the cache was loaded
            calendar = BusinessCalendar.objects.get(pk=clock.calendar_id)
        SlaClock._meta.get_field("calendar").set_cached_value(clock, calendar)
        by_incident.setdefault(clock.incident_id, []).append(clock)
    result = {}
    thresholds = thresholds_by_policy() if by_incident else {}
    labels = {value: str(label) for value, label in Target.choices}
    for incident_id, found in by_incident.items():
        shown = _shown_clock(found)
        if shown is not None:
            result[incident_id] = countdown(shown, now, thresholds, labels)
    return result


def nearest_deadline(incident_id: int) -> datetime | None:
    """The nearest deadline of the incident's counting response and resolution clocks."""
    return (
        SlaClock.objects.filter(
            incident_id=incident_id,
            segment__isnull=True,
            target__in=("response", "resolution"),
            state__in=COUNTING_STATES,
            stopped_at__isnull=True,
            paused_at__isnull=True,
        )
        .order_by("deadline")
        .values_list("deadline", flat=True)
        .first()
    )


def clocks_with_calendar_gap():
    """Clocks still open whose deadline lies beyond their calendar's data (dashboards)."""
    return SlaClock.objects.filter(calendar_gap=True).exclude(
        state__in=(State.MET, State.CANCELLED)
    )


# Administrators are warned this many days before a calendar's holiday data ends.
CALENDAR_WARNING_DAYS = 60


def calendars_running_out(*, within_days: int = CALENDAR_WARNING_DAYS, today: date | None = None):
    """Active calendars whose holiday data ends within ``within_days`` (or already ended)."""
    today = today or timezone.localdate()
    return BusinessCalendar.objects.filter(
        active=True,
        always_open=False,
        valid_until__lt=today + timedelta(days=within_days),
    )


def calendars_run_out(*, today: date | None = None) -> dict[str, str]:
    """Active calendars whose holiday data ended before ``today``, for /healthz:
    ``{"standard": "ran out on 2026-12-31"}`` (machine-read, not translated)."""
    return {
        code: f"ran out on {end:%Y-%m-%d}"
        for code, end in calendars_running_out(within_days=0, today=today)
        .order_by("code")
        .values_list("code", "valid_until")
    }
