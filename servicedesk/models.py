"""Service desk intake data: monitoring alerts and the rules that map them to incidents."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LEVEL_CHOICES = [(1, _("1 high")), (2, _("2 medium")), (3, _("3 low"))]


class AlertRule(models.Model):
    """How an alert with these labels (service, severity, instance) is logged as an incident."""

    name = models.CharField(_("name"), max_length=100)
    service = models.CharField(
        _("service label"), max_length=100, blank=True, help_text=_("Empty: any service.")
    )
    severity = models.CharField(
        _("severity label"), max_length=40, blank=True, help_text=_("Empty: any severity.")
    )
    instance = models.CharField(
        _("instance label"),
        max_length=200,
        blank=True,
        help_text=_("Empty: any instance. A trailing * matches every instance that starts so."),
    )
    category = models.ForeignKey(
        "incidents.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Routes the incident to the category's section."),
    )
    impact = models.PositiveSmallIntegerField(
        _("impact"),
        choices=LEVEL_CHOICES,
        null=True,
        blank=True,
        help_text=_("Empty: from the severity (settings ALERT_SEVERITY_LEVELS)."),
    )
    urgency = models.PositiveSmallIntegerField(
        _("urgency"),
        choices=LEVEL_CHOICES,
        null=True,
        blank=True,
        help_text=_("Empty: from the severity (settings ALERT_SEVERITY_LEVELS)."),
    )
    configuration_item = models.CharField(
        _("configuration item"),
        max_length=200,
        blank=True,
        help_text=_("Empty: the alert's instance label."),
    )
    rank = models.IntegerField(
        _("rank"), default=0, help_text=_("Among equally specific rules the lowest rank wins.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["rank", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(impact__isnull=True) | Q(impact__gte=1, impact__lte=3),
                name="alertrule_impact_range",
            ),
            models.CheckConstraint(
                condition=Q(urgency__isnull=True) | Q(urgency__gte=1, urgency__lte=3),
                name="alertrule_urgency_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        """How many labels the rule matches on."""
        return sum(bool(v) for v in (self.service, self.severity, self.instance))

    def matches(self, *, service: str, severity: str, instance: str) -> bool:
        if self.service and self.service.lower() != service.lower():
            return False
        if self.severity and self.severity.lower() != severity.lower():
            return False
        if self.instance:
            if self.instance.endswith("*"):
                return instance.startswith(self.instance[:-1])
            return self.instance == instance
        return True


class AlertSource(models.TextChoices):
    SIMPLE = "simple", _("Simple JSON")
    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")


class AlertOutcome(models.TextChoices):
    """How an alert ended."""

    AUTO_RESOLVED = "auto_resolved", _("Resolved the incident automatically")
    TAKEN_OVER = "taken_over", _("Cleared; a person had taken the incident over")
    INCIDENT_ENDED = "incident_ended", _("The incident had ended before the alert")


class Alert(models.Model):
    """A monitoring alert, by fingerprint, and the incident it opened; repeats are counted."""

    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the fingerprint constraint's index starts with it
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=200)
    source = models.CharField(_("format"), max_length=12, choices=AlertSource.choices)
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    rule = models.ForeignKey(
        AlertRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    title = models.CharField(_("title"), max_length=200)
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    annotations = models.JSONField(_("annotations"), default=dict, blank=True)
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    first_seen_at = models.DateTimeField(_("first seen at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)
    starts_at = models.DateTimeField(_("started at (monitoring)"), null=True, blank=True)
    resolved_at = models.DateTimeField(
        _("resolved at"), null=True, blank=True, help_text=_("Empty while the alert fires.")
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=AlertOutcome.choices, blank=True
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            # Deduplication: one firing alert per system and fingerprint.
            models.UniqueConstraint(
                fields=["reported_by", "fingerprint"],
                condition=Q(resolved_at__isnull=True),
                name="alert_one_firing_per_fingerprint",
            ),
        ]
        indexes = [
            models.Index(
                fields=["reported_by", "fingerprint", "-last_seen_at"], name="alert_fingerprint_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fingerprint} ({self.occurrences}×)"
