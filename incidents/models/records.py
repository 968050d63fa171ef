"""What is recorded about an incident (DESIGN §2.3): its append-only history, assignment
segments, comments, work logs, attachments and links."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.choices import (
    EventKind,
    LinkKind,
    SegmentEnd,
)
from incidents.models.configuration import DelayReason
from itsm.models import Department

User = settings.AUTH_USER_MODEL


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only history row."""


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes are refused too: history is never rewritten."""

    def update(self, **kwargs):
        raise AppendOnlyError("incident events are append-only")

    def delete(self):
        raise AppendOnlyError("incident events are append-only")


class IncidentEvent(models.Model):
    """One entry of an incident's append-only history: who did what, when, and why."""

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,  # incevent_incident_at (incident, at, id) serves it
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for the system's own actions."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    notified = models.JSONField(_("notified"), default=list, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["incident", "at", "id"], name="incevent_incident_at")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("incident events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("incident events are append-only")


class AssignmentSegment(models.Model):
    """A stretch of time an incident spends with one section (for OLA and time shares)."""

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        related_name="segments",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("section"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # segment_dept_start (department, started_at) serves it
    )
    assignee = models.ForeignKey(
        User,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("end"), max_length=12, choices=SegmentEnd.choices, blank=True)
    handover_reason = models.TextField(_("reason it came here"), blank=True)
    ola_accept_due_at = models.DateTimeField(_("OLA: accept by"), null=True, blank=True)
    ola_resolve_due_at = models.DateTimeField(
        _("OLA: resolve or hand on by"), null=True, blank=True
    )
    ola_met = models.BooleanField(_("OLA met"), null=True, blank=True)
    delay_reason = models.ForeignKey(
        DelayReason,
        verbose_name=_("delay reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delay_note = models.TextField(_("delay note"), blank=True)

    class Meta:
        verbose_name = _("assignment segment")
        verbose_name_plural = _("assignment segments")
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(ended_at__isnull=True),
                name="segment_one_open_per_incident",
            )
        ]
        indexes = [models.Index(fields=["department", "started_at"], name="segment_dept_start")]

    def __str__(self) -> str:
        return f"{self.incident_id} @ {self.department_id} from {self.started_at:%Y-%m-%d %H:%M}"


class Comment(models.Model):
    """A comment on an incident: public (the requester sees it) or internal."""

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    author = models.ForeignKey(
        User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("comment"))
    is_public = models.BooleanField(_("public"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="comment_incident")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.author_id} {self.created_at:%Y-%m-%d %H:%M}"


class WorkLog(models.Model):
    """Time a person spent on an incident."""

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        related_name="worklogs",
    )
    author = models.ForeignKey(
        User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    minutes = models.PositiveIntegerField(_("minutes"))
    note = models.TextField(_("note"), blank=True)
    logged_at = models.DateTimeField(_("logged at"), default=timezone.now)

    class Meta:
        verbose_name = _("work log")
        verbose_name_plural = _("work logs")
        ordering = ["logged_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=24 * 60), name="worklog_minutes_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.author_id} {self.minutes} min"


def attachment_path(instance, filename):
    # Random names: the original name is kept in the row, never used on disk.
    import uuid

    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file attached to an incident (size- and type-limited, served only to viewers)."""

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    is_public = models.BooleanField(_("public"), default=True)
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class IncidentLink(models.Model):
    """A link between two incidents (duplicate of, same outage, follow-up)."""

    from_incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        related_name="links_out",
    )
    to_incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("linked incident"),
        on_delete=models.CASCADE,
        related_name="links_in",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("incident link")
        verbose_name_plural = _("incident links")
        constraints = [
            models.UniqueConstraint(
                fields=["from_incident", "to_incident", "kind"], name="link_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_incident=models.F("to_incident")), name="link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_incident_id} {self.kind} {self.to_incident_id}"
