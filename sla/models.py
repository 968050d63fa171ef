"""SLA and OLA data: business calendars, policies and thresholds, OLA targets, clocks (DESIGN §3).

Clocks refer to incidents and assignment segments by lazy model references: ``sla`` never
imports ``incidents`` (DESIGN §5).
"""

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from itsm.configcache import VersionedModel
from itsm.models import BilingualName
from sla.choices import (
    COUNTING_STATES,
    DayKind,
    EscalationLevel,
    Nature,
    Priority,
    State,
    Target,
    ThresholdTarget,
    Weekday,
)


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone %(tz)s.") % {"tz": value}) from exc


class BusinessCalendar(VersionedModel, BilingualName):
    """Working hours per weekday, holidays and adjusted working days (调休) in one time zone."""

    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    always_open = models.BooleanField(
        _("always open (24×7)"),
        default=False,
        help_text=_("Every instant is working time; periods and days are ignored."),
    )
    valid_from = models.DateField(
        _("holiday data from"),
        null=True,
        blank=True,
        help_text=_("First date the holidays and adjusted working days are known for."),
    )
    valid_until = models.DateField(
        _("holiday data until"),
        null=True,
        blank=True,
        help_text=_(
            "Last date the holidays and adjusted working days are known for. A deadline "
            "beyond it is flagged as a calendar gap. Empty: no limit (24×7)."
        ),
    )
    revision = models.PositiveIntegerField(
        _("revision"),
        default=1,
        editable=False,
        help_text=_("Raised on every edit; cached working calendars are rebuilt when it moves."),
    )
    active = models.BooleanField(_("active"), default=True)
    data_warning_sent_for = models.DateField(
        _("data warning sent for"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The end of data the administrators were last warned about (once per end date)."
        ),
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=models.F("valid_until")),
                name="sla_calendar_valid_range",
                violation_error_message=_("The data range must not end before it starts."),
            )
        ]


class WorkingPeriod(models.Model):
    """One working interval of a weekday (a day with a lunch break has two)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="periods",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"), help_text=_("Not 00:00: use “always open” for 24×7."))

    class Meta:
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        ordering = ["calendar", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")),
                name="sla_period_start_before_end",
                violation_error_message=_("A working period must start before it ends."),
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="sla_period_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class CalendarDay(models.Model):
    """A date that differs from its weekday: a holiday, or an adjusted working day (调休)."""

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="sla_day_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class SlaPolicy(VersionedModel, BilingualName):
    """Response and resolution targets for the incidents it matches; the most specific wins."""

    priority = models.CharField(
        _("priority"), max_length=2, choices=Priority.choices, blank=True, help_text=_("Any.")
    )
    nature = models.CharField(
        _("nature"), max_length=12, choices=Nature.choices, blank=True, help_text=_("Any.")
    )
    category = models.ForeignKey(
        "incidents.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: any. A category also matches its sub-categories."),
    )
    organisation = models.CharField(
        _("requester organisation"),
        max_length=150,
        blank=True,
        help_text=_("Empty: any. Compared without case with the incident's organisation."),
    )
    rank = models.IntegerField(
        _("rank"),
        default=0,
        help_text=_("Among equally specific policies the lowest rank wins."),
    )
    is_default = models.BooleanField(
        _("default policy"),
        default=False,
        help_text=_("Used when no other policy matches; it has no criteria. Only one."),
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        related_name="policies",
    )
    response_target = models.DurationField(
        _("response within"), help_text=_("Business time on the calendar.")
    )
    resolution_target = models.DurationField(
        _("resolution within"), help_text=_("Business time on the calendar.")
    )
    update_interval = models.DurationField(
        _("major-incident update every"),
        null=True,
        blank=True,
        help_text=_("Empty: no update clock. Business time on the calendar."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["rank", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="sla_policy_one_default",
                violation_error_message=_("There is already a default policy."),
            ),
            models.CheckConstraint(
                condition=Q(is_default=False)
                | Q(priority="", nature="", category__isnull=True, organisation=""),
                name="sla_policy_default_has_no_criteria",
                violation_error_message=_("The default policy matches everything: no criteria."),
            ),
        ]

    @property
    def specificity(self) -> int:
        """How many criteria the policy sets."""
        return sum(
            (
                bool(self.priority),
                bool(self.nature),
                self.category_id is not None,
                bool(self.organisation),
            )
        )

    def clean(self):
        for name in ("response_target", "resolution_target", "update_interval"):
            value = getattr(self, name)
            if value is not None and value < timedelta(0):
                raise ValidationError({name: _("A target cannot be negative.")})
        if self.update_interval is not None and self.update_interval <= timedelta(0):
            raise ValidationError({"update_interval": _("Leave it empty or make it positive.")})


class SlaThreshold(VersionedModel):
    """At this share of a target, raise the escalation level and tell these people."""

    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="thresholds"
    )
    target = models.CharField(_("target"), max_length=12, choices=ThresholdTarget.choices)
    percent = models.PositiveSmallIntegerField(
        _("percent of the target"), validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("raise the escalation level to"),
        choices=EscalationLevel.choices,
        default=EscalationLevel.NONE,
    )
    notify_assignee = models.BooleanField(_("tell the assignee"), default=False)
    notify_lead = models.BooleanField(_("tell the section lead"), default=False)
    notify_incident_manager = models.BooleanField(_("tell the incident manager"), default=False)
    notify_director = models.BooleanField(_("tell the director"), default=False)

    class Meta:
        verbose_name = _("SLA threshold")
        verbose_name_plural = _("SLA thresholds")
        ordering = ["policy", "target", "percent"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "target", "percent"], name="sla_threshold_unique"
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=1, percent__lte=1000), name="sla_threshold_percent_range"
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__gte=0, escalation_level__lte=3),
                name="sla_threshold_level_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()} {self.percent}%"


class OlaTarget(VersionedModel):
    """How long an incident may sit with a section before it is accepted, and before it is
    resolved or handed on (operational level agreement)."""

    department = models.OneToOneField(
        "itsm.Department",
        verbose_name=_("section"),
        on_delete=models.CASCADE,
        related_name="ola_target",
    )
    accept_within = models.DurationField(
        _("accept within"),
        null=True,
        blank=True,
        help_text=_("Business time. Empty: no acceptance target (e.g. the service desk)."),
    )
    resolve_within = models.DurationField(
        _("resolve or hand on within"), help_text=_("Business time.")
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        related_name="ola_targets",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("OLA target")
        verbose_name_plural = _("OLA targets")
        ordering = ["department__code"]

    def __str__(self) -> str:
        return str(self.department)


class SlaClock(models.Model):
    """One target of one incident (or of one assignment segment, for OLAs) being timed.

    Business time consumed = ``anchor_consumed`` + business time from ``anchor_at`` to now
    while the clock counts (state running or breached and not stopped); every pause, resume,
    stop, restart and re-plan moves the anchor, so the deadline is always
    ``calendar.add(anchor_at, target - anchor_consumed)``.
    """

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        related_name="sla_clocks",
    )
    # Clocks are updated often and every index costs on each update: the segment is reached
    # through the (segment, target) constraint's index; policies, OLA targets and calendars
    # are looked up from the clock, rarely the other way (a PROTECT check on delete).
    segment = models.ForeignKey(
        "incidents.AssignmentSegment",
        verbose_name=_("assignment segment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ola_clocks",
        db_index=False,
    )
    target = models.CharField(_("target"), max_length=12, choices=Target.choices)
    policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clocks",
        db_index=False,
    )
    ola_target = models.ForeignKey(
        OlaTarget,
        verbose_name=_("OLA target"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clocks",
        db_index=False,
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    target_duration = models.DurationField(_("target (business time)"))
    started_at = models.DateTimeField(_("started at"))
    anchor_at = models.DateTimeField(_("counting since"))
    anchor_consumed = models.DurationField(
        _("business time used before that"), default=timedelta(0)
    )
    deadline = models.DateTimeField(_("deadline"))
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_business = models.DurationField(
        _("business time paused"), default=timedelta(0), help_text=_("Paused or stopped time.")
    )
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.RUNNING
    )
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    next_check_at = models.DateTimeField(
        _("next check at"),
        null=True,
        blank=True,
        help_text=_("When the next threshold is due; empty when nothing more is due."),
    )
    fired = models.JSONField(_("thresholds fired (percent)"), default=list, blank=True)
    calendar_gap = models.BooleanField(
        _("calendar gap"),
        default=False,
        help_text=_("A deadline fell outside the dates the calendar has holiday data for."),
    )
    last_error = models.TextField(_("last handler error"), blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["incident", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "target"],
                condition=Q(segment__isnull=True),
                name="sla_clock_one_per_incident_target",
            ),
            models.UniqueConstraint(
                fields=["segment", "target"],
                condition=Q(segment__isnull=False),
                name="sla_clock_one_per_segment_target",
            ),
            models.CheckConstraint(
                condition=Q(next_check_at__isnull=True)
                | Q(state__in=COUNTING_STATES, stopped_at__isnull=True),
                name="sla_clock_checks_only_counting",
            ),
        ]
        indexes = [
            # The tick: only clocks that count and have something due, by due time.
            models.Index(
                fields=["next_check_at"],
                condition=Q(state__in=COUNTING_STATES) & Q(next_check_at__isnull=False),
                name="sla_clock_due",
            ),
            models.Index(fields=["calendar"], condition=Q(calendar_gap=True), name="sla_clock_gap"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.target} {self.state}"

    @property
    def is_counting(self) -> bool:
        return self.state in COUNTING_STATES and self.stopped_at is None and self.paused_at is None

    @property
    def is_stopped(self) -> bool:
        return self.stopped_at is not None or self.state in (State.MET, State.CANCELLED)
