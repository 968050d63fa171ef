"""The shared core: sections (departments), the people's memberships, the notification outbox."""

import secrets

from django.conf import settings
from django.contrib.auth.models import User, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from itsm.configcache import VersionedModel, VersionedQuerySet
from itsm.notification_kinds import notification_kind_label
from itsm.roles import SECTION_ROLES, Role


class DepartmentKind(models.TextChoices):
    """What a section does in the division."""

    SERVICE_DESK = "service_desk", _("Service desk")
    TECHNICAL = "technical", _("Technical section")
    DEVELOPMENT = "development", _("Development section")
    VENDOR = "vendor", _("Vendor")
    BRANCH = "branch", _("Branch technical section")
    ADMINISTRATIVE = "administrative", _("Administrative section")


class BilingualName(models.Model):
    """A code with a Chinese and an English name; ``name`` follows the active language
    (Chinese unless English is active)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        lang = (get_language() or "zh-hans").lower()
        return self.name_en if lang.startswith("en") else self.name_zh


class DepartmentQuerySet(VersionedQuerySet):
    def active(self):
        return self.filter(active=True)


class Department(BilingualName, VersionedModel):
    """A section of the IT division (or a vendor, or a branch) that can hold incidents."""

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


class Membership(VersionedModel):
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


class NotificationEmailState(models.TextChoices):
    """Where a notification's email stands."""

    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not emailed")
    FAILED = "failed", _("Failed")
    # Waiting for the recipient's daily digest (docs/notifications.md, "The daily digest").
    DIGEST = "digest", _("In the daily digest")


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def due(self, now):
        """Pending emails whose next attempt is due (served by ``notification_due_idx``)."""
        return self.filter(email_state=NotificationEmailState.PENDING, next_attempt_at__lte=now)


class Notification(models.Model):
    """One message to one person about one event: an inbox entry and an email to deliver."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        # The inbox index starts with the recipient and serves the foreign key too.
        db_index=False,
    )
    event = models.CharField(_("event kind"), max_length=60)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # A lazy reference: the shared core does not import the incidents app.
    incident_number = models.CharField(_("incident number"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # False when the recipient turned the inbox off for the kind: the row only carries the
    # email (it is written read, so the unread badge never counts it).
    in_inbox = models.BooleanField(_("shown in the inbox"), default=True)
    email_state = models.CharField(
        _("email state"),
        max_length=10,
        choices=NotificationEmailState.choices,
        default=NotificationEmailState.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    next_attempt_at = models.DateTimeField(
        _("next attempt at"),
        null=True,
        blank=True,
        help_text=_("When the email is tried next; empty once nothing is left to do."),
    )
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Whether files go with the email: a delivery reads the attachments only when they exist.
    has_attachments = models.BooleanField(_("has attachments"), default=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep: pending emails by due time; sent and skipped rows are not in it.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(email_state="pending"),
                name="notification_due_idx",
            ),
            # The inbox: a user's notifications, newest first.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            # The unread badge on every page: COUNT over the user's unread rows only.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(email_state="pending", next_attempt_at__isnull=False)
                    | (~Q(email_state="pending") & Q(next_attempt_at__isnull=True))
                ),
                name="notification_next_attempt_iff_pending",
            ),
            models.CheckConstraint(
                condition=~Q(email_state="sent") | Q(sent_at__isnull=False),
                name="notification_sent_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id}: {self.subject}"

    @property
    def event_label(self):
        """The human name of the event kind."""
        return notification_kind_label(self.event)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationAttachment(models.Model):
    """A file sent with a notification's email (a report's PDF), kept with its outbox row so
    that it commits with it and every retry sends the same bytes."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    content = models.BinaryField(_("content"))

    class Meta:
        verbose_name = _("notification attachment")
        verbose_name_plural = _("notification attachments")
        ordering = ["notification", "id"]

    def __str__(self) -> str:
        return f"{self.notification_id}: {self.filename}"


class NotificationPreference(models.Model):
    """How a person wants one kind of event: in the inbox or not, and by email at once, in
    the daily digest (for the kinds that offer it) or not at all."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        db_index=False,  # the unique constraint's index starts with the user
    )
    event = models.CharField(_("event kind"), max_length=60)
    inbox = models.BooleanField(_("show in the inbox"), default=True)
    email = models.BooleanField(_("send email"), default=True)
    digest = models.BooleanField(
        _("email in the daily digest"),
        default=False,
        help_text=_("With email on: one message a day instead of one per event."),
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        ordering = ["user", "event"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event"], name="notificationpreference_unique_user_event"
            ),
        ]

    def __str__(self) -> str:
        email = ("digest" if self.digest else "email") if self.email else "no email"
        return f"{self.user_id} {self.event}: {'inbox' if self.inbox else 'no inbox'}, {email}"


class NotificationDigest(models.Model):
    """The daily digest sent to one person on one day: its row makes it once a day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique constraint's index starts with the user
    )
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    count = models.PositiveIntegerField(_("notifications"), default=0)

    class Meta:
        verbose_name = _("notification digest")
        verbose_name_plural = _("notification digests")
        ordering = ["-day", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="notificationdigest_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}: {self.count}"


# --- The REST API: idempotent POSTs, system accounts, outbound webhooks (docs/api.md) --------


class IdempotencyKey(models.Model):
    """A POST answered once: a retry with the same key gets the stored answer (docs/api.md)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
        # The unique constraint's index starts with the user and serves the foreign key.
        db_index=False,
    )
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    request_hash = models.CharField(
        _("request hash"), max_length=64, help_text=_("SHA-256 of the method, path and body.")
    )
    status_code = models.PositiveSmallIntegerField(
        _("response status"), null=True, blank=True, help_text=_("Empty while in progress.")
    )
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.method} {self.path} {self.key}"


class SystemAccountManager(UserManager):
    def get_queryset(self):
        return super().get_queryset().filter(groups__name=Role.SYSTEM)


class SystemAccount(User):
    """An external system (monitoring, another application) that uses the API with a token."""

    objects = SystemAccountManager()

    class Meta:
        proxy = True
        verbose_name = _("system account")
        verbose_name_plural = _("system accounts")


def webhook_secret() -> str:
    """A new random signing secret for a webhook subscription."""
    return secrets.token_hex(32)


class WebhookSubscription(VersionedModel):
    """An outside URL told about incident events by POSTs signed with a shared secret."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(
        _("events"), default=list, blank=True, help_text=_("Event kinds to send; empty: every one.")
    )
    secret = models.CharField(
        _("secret"),
        max_length=128,
        default=webhook_secret,
        help_text=_("Signs every delivery (HMAC-SHA256 in the X-ITSM-Signature header)."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        """Whether this subscription is sent the event kind."""
        return not self.events or event in self.events


class WebhookDeliveryState(models.TextChoices):
    """Where a webhook delivery stands."""

    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one subscription: an outbox row, POSTed after commit and retried."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        # The subscription's history index starts with it and serves the foreign key.
        db_index=False,
    )
    event = models.CharField(_("event kind"), max_length=60)
    incident_number = models.CharField(_("incident number"), max_length=32, blank=True)
    payload = models.JSONField(_("payload"))
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=WebhookDeliveryState.choices,
        default=WebhookDeliveryState.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep: pending deliveries by due time.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="webhook_delivery_due_idx",
            ),
            models.Index(
                fields=["subscription", "-created_at"], name="webhook_delivery_history_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(state="pending", next_attempt_at__isnull=False)
                    | (~Q(state="pending") & Q(next_attempt_at__isnull=True))
                ),
                name="webhook_delivery_next_attempt_iff_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.state})"
