"""The incidents' configuration: categories, routing rules, the priority matrix, the codes of
suspensions, resolutions and delays, section policies and the number counter."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.choices import (
    AssignMode,
    Level,
    Priority,
)
from itsm.configcache import VersionedModel
from itsm.models import BilingualName, Department

User = settings.AUTH_USER_MODEL


class BilingualNameMixin(BilingualName, VersionedModel):
    """A code with a Chinese and an English name that can be retired (``active``).
    Configuration: writes invalidate the per-process caches (``itsm.configcache``)."""

    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True


# --- configuration ------------------------------------------------------------------------


class Category(BilingualNameMixin):
    """A node of the category tree (网络/系统/桌面…), with the section that usually handles it."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    default_department = models.ForeignKey(
        Department,
        verbose_name=_("default section"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]

    def ancestors(self) -> list["Category"]:
        """This category and its parents, nearest first."""
        chain, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def clean(self):
        if self.pk and self.parent_id and self.pk in {c.pk for c in self.parent.ancestors()}:
            raise ValidationError({"parent": _("A category cannot be its own ancestor.")})


class RoutingRule(VersionedModel):
    """Maps a category (and optionally a location and a configuration item) to a section."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="rules"
    )
    location = models.CharField(
        _("location / branch"), max_length=100, blank=True, help_text=_("Empty: any location.")
    )
    configuration_item = models.CharField(
        _("configuration item"), max_length=200, blank=True, help_text=_("Empty: any item.")
    )
    department = models.ForeignKey(
        Department, verbose_name=_("section"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category__code", "location", "configuration_item"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "location", "configuration_item"],
                name="routingrule_unique_match",
            )
        ]

    def __str__(self) -> str:
        parts = [self.category.code, self.location or "*", self.configuration_item or "*"]
        return f"{' / '.join(parts)} → {self.department.code}"


class PriorityMatrixEntry(VersionedModel):
    """One cell of the impact × urgency → priority matrix."""

    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Level.choices)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)

    class Meta:
        verbose_name = _("priority matrix cell")
        verbose_name_plural = _("priority matrix")
        ordering = ["impact", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="priority_matrix_unique")
        ]

    def __str__(self) -> str:
        return f"{self.impact}×{self.urgency} → {self.priority}"


class SuspendReason(BilingualNameMixin):
    """Why an incident may wait, whether that stops the SLA clock, and for how long at most."""

    stops_clock = models.BooleanField(
        _("stops the SLA clock"),
        default=True,
        help_text=_("On the requester's side (awaiting information…): yes; provider's side: no."),
    )
    max_duration = models.DurationField(
        _("maximum duration"),
        help_text=_("Longer suspensions need the incident manager."),
        default=timezone.timedelta(days=3),
    )
    awaits_requester = models.BooleanField(
        _("awaits the requester"),
        default=False,
        help_text=_("A public comment from the requester resumes the incident."),
    )

    class Meta:
        verbose_name = _("suspend reason")
        verbose_name_plural = _("suspend reasons")
        ordering = ["code"]


class ResolutionCode(BilingualNameMixin):
    """An incident closure code (事件结束代码)."""

    class Meta:
        verbose_name = _("resolution code")
        verbose_name_plural = _("resolution codes")
        ordering = ["code"]


class DelayReason(BilingualNameMixin):
    """Why a section overran its OLA; used in the delay-reason distribution."""

    class Meta:
        verbose_name = _("delay reason")
        verbose_name_plural = _("delay reasons")
        ordering = ["code"]


class SectionPolicy(models.Model):
    """How a section receives incidents: manual, round robin or least open work."""

    department = models.OneToOneField(
        Department,
        verbose_name=_("section"),
        on_delete=models.CASCADE,
        related_name="incident_policy",
    )
    assign_mode = models.CharField(
        _("assignment"), max_length=20, choices=AssignMode.choices, default=AssignMode.MANUAL
    )
    acceptance_time = models.DurationField(
        _("time to accept"),
        default=timezone.timedelta(minutes=30),
        help_text=_("Not accepted within this time: the incident goes back to the lead."),
    )
    last_assigned = models.ForeignKey(
        User,
        verbose_name=_("last assigned (round robin)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("section assignment policy")
        verbose_name_plural = _("section assignment policies")

    def __str__(self) -> str:
        return f"{self.department.code}: {self.get_assign_mode_display()}"


class IncidentCounter(models.Model):
    """Number source for databases without sequences (SQLite in the embedded mode)."""

    name = models.CharField(_("name"), max_length=40, primary_key=True)
    value = models.BigIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("number counter")
        verbose_name_plural = _("number counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


# --- the incident -------------------------------------------------------------------------
