"""The shared core: sections (departments) and the people's memberships in them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from itsm.roles import SECTION_ROLES, Role


class DepartmentKind(models.TextChoices):
    """What a section does in the division."""

    SERVICE_DESK = "service_desk", _("Service desk")
    TECHNICAL = "technical", _("Technical section")
    DEVELOPMENT = "development", _("Development section")
    VENDOR = "vendor", _("Vendor")
    BRANCH = "branch", _("Branch technical section")
    ADMINISTRATIVE = "administrative", _("Administrative section")


class DepartmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Department(models.Model):
    """A section of the IT division (or a vendor, or a branch) that can hold incidents."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_departments",
    )
    email = models.EmailField(_("team email"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["code"]
        permissions = [
            ("use_desk_console", _("Can use the service-desk console")),
            ("use_portal", _("Can use the requester portal")),
            ("use_section_queue", _("Can work a section queue")),
            ("view_dashboards", _("Can read the KPI dashboards")),
            ("manage_incident_process", _("Can settle disputes and override priority")),
            ("use_api", _("Can use the REST API")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        lang = (get_language() or "zh-hans").lower()
        return self.name_en if lang.startswith("en") else self.name_zh


class Membership(models.Model):
    """A person's place in a section, with the role they hold there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("section"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=[(r.value, r.label) for r in SECTION_ROLES],
        default=Role.TECHNICIAN,
    )
    on_duty = models.BooleanField(
        _("on duty"),
        default=True,
        help_text=_("Only members on duty receive automatically assigned incidents."),
    )
    is_primary = models.BooleanField(_("primary section"), default=True)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["department__code", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department"], name="membership_unique_user_department"
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_primary=True),
                name="membership_one_primary_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department.code} ({self.get_role_display()})"
