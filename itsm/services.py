"""Writes on the shared core: people, roles, section memberships and the notification outbox."""

import logging
import smtplib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import partial
from urllib.parse import urljoin

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from itsm import selectors
from itsm.models import (
    Department,
    Membership,
    Notification,
    NotificationAttachment,
    NotificationEmailState,
    NotificationPreference,
)
from itsm.notification_kinds import notification_kind
from itsm.roles import SECTION_ROLES, Role

User = get_user_model()


def user_grant_role(*, user, role: str) -> None:
    """Put the user in the group of the role (idempotent)."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    group = Group.objects.get(name=role)
    user.groups.add(group)
    if hasattr(user, "_itsm_roles"):
        del user._itsm_roles


@transaction.atomic
def membership_set(
    *, user, department: Department, role: str, is_primary: bool = True, on_duty: bool = True
) -> Membership:
    """Make the user a member of the section with the role, and grant the role's group.

    A user has at most one primary section; making this one primary demotes the others.
    """
    if role not in SECTION_ROLES:
        raise ValueError(f"role {role!r} is not held inside a section")
    if is_primary:
        Membership.objects.filter(user=user, is_primary=True).exclude(department=department).update(
            is_primary=False
        )
    membership, _ = Membership.objects.update_or_create(
        user=user,
        department=department,
        defaults={"role": role, "is_primary": is_primary, "on_duty": on_duty},
    )
    user_grant_role(user=user, role=role)
    if role == Role.SECTION_LEAD and department.lead_id != user.pk:
        department.lead = user
        department.save(update_fields=["lead"])
    return membership


# --- Notifications: the outbox (docs/notifications.md) ------------------------------------

logger = logging.getLogger(__name__)

_PENDING = NotificationEmailState.PENDING

# Publishing to a broker that is down must not hold up the request whose transaction
# queued the notification: one quick retry, then the rows wait for the sweep.
_ENQUEUE_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Notification ids per delivery task.
_ENQUEUE_CHUNK = 100
# Queued by name: itsm.tasks imports this module, so this one must not import it back.
DELIVER_TASK = "itsm.deliver_notifications"
_LAST_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class EmailFile:
    """A file attached to a notification's email (``OutboxMessage.attachments``)."""

    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class OutboxMessage:
    """One notification to write for each of its recipients (``notification_queue_many``)."""

    recipients: tuple
    event: str
    subject: str
    body: str
    url: str = ""
    incident_number: str = ""
    # Sent with the email only (the inbox links to the page instead).
    attachments: tuple[EmailFile, ...] = ()


def notification_queue(
    *,
    recipients: Iterable,
    event: str,
    subject: str,
    body: str,
    url: str = "",
    incident_number: str = "",
    attachments: Iterable[EmailFile] = (),
) -> list[Notification]:
    """Write one notification per distinct active recipient; email them after commit.

    Call it inside the transaction of the change it announces, so that both commit or
    neither does. ``None`` and inactive users among the recipients are skipped, and each
    person is told once. The email is pending when the user has an address and wants
    email for this kind, skipped otherwise; ``attachments`` go with a pending email only
    (stored with its row, so every retry sends the same bytes). Delivery is queued with
    ``transaction.on_commit``; if the broker is down the rows stay pending and the
    periodic sweep queues them once their grace period is over.
    """
    message = OutboxMessage(
        recipients=tuple(recipients),
        event=event,
        subject=subject,
        body=body,
        url=url,
        incident_number=incident_number,
        attachments=tuple(attachments),
    )
    return notification_queue_many([message])


def notification_queue_many(messages: Iterable[OutboxMessage]) -> list[Notification]:
    """``notification_queue`` for several messages at once (the SLA tick's batches): one
    look-up of email choices per kind and one INSERT for all their rows."""
    messages = list(messages)
    for message in messages:
        if notification_kind(message.event) is None:
            raise ValueError(f"unknown notification event kind {message.event!r}")
    addressed = []
    for message in messages:
        people = {}
        for user in message.recipients:
            if user is not None and user.is_active and user.pk not in people:
                people[user.pk] = user
        if people:
            addressed.append((message, people))
    if not addressed:
        return []
    by_event: dict[str, set[int]] = {}
    for message, people in addressed:
        by_event.setdefault(message.event, set()).update(people)
    channels = {
        event: selectors.notification_channels(user_ids=ids, event=event)
        for event, ids in by_event.items()
    }
    now = timezone.now()
    rows = []
    files = []
    for message, people in addressed:
        for user in people.values():
            row = _outbox_row(message, user, channels[message.event][user.pk], now)
            if row is None:
                continue
            emailed = row.email_state != NotificationEmailState.SKIPPED
            files.append(message.attachments if emailed else ())
            row.has_attachments = bool(files[-1])
            rows.append(row)
    if not rows:
        return []
    # Validation above raises before this block, so a refused call leaves the caller's
    # transaction usable; no savepoint inside it (two statements saved per call).
    with transaction.atomic(savepoint=False):
        created = Notification.objects.bulk_create(rows)
        _attachments_create(created, files)
        pending_ids = [n.pk for n in created if n.email_state == _PENDING]
        if pending_ids:
            transaction.on_commit(partial(_notification_enqueue, pending_ids))
    return created


def _attachments_create(created: list[Notification], files: list[tuple[EmailFile, ...]]) -> None:
    """One INSERT for the files of every emailed row that has some."""
    attachments = [
        NotificationAttachment(
            notification=notification,
            filename=file.filename,
            content_type=file.content_type,
            content=file.content,
        )
        for notification, row_files in zip(created, files, strict=True)
        for file in row_files
    ]
    if attachments:
        NotificationAttachment.objects.bulk_create(attachments)


def _outbox_row(message: OutboxMessage, user, channels, now: datetime) -> Notification | None:
    """One recipient's row by their channels: shown in the inbox or written read (it then
    only carries the email); the email pending, kept for the digest, or skipped. Nothing
    when the person wants the kind neither in the inbox nor by email."""
    email = channels.email and bool(user.email)
    if not channels.inbox and not email:
        return None
    if not email:
        state, next_attempt_at = NotificationEmailState.SKIPPED, None
    elif channels.digest:
        state, next_attempt_at = NotificationEmailState.DIGEST, None
    else:
        state = _PENDING
        next_attempt_at = now + timedelta(seconds=settings.NOTIFICATION_GRACE_SECONDS)
    subject_length = Notification._meta.get_field("subject").max_length
    return Notification(
        recipient=user,
        event=message.event,
        # A mail header is one line; the inbox shows the same subject.
        subject=" ".join(str(message.subject).split())[:subject_length],
        body=str(message.body),
        url=str(message.url),
        incident_number=str(message.incident_number),
        created_at=now,
        read_at=None if channels.inbox else now,
        in_inbox=channels.inbox,
        email_state=state,
        next_attempt_at=next_attempt_at,
    )


def _notification_enqueue(ids: list[int]) -> bool:
    """Queue delivery tasks; a broker failure is logged and swallowed (the sweep retries)."""
    deliver = current_app.signature(DELIVER_TASK)
    try:
        for start in range(0, len(ids), _ENQUEUE_CHUNK):
            deliver.apply_async(
                args=[ids[start : start + _ENQUEUE_CHUNK]], retry_policy=_ENQUEUE_RETRY_POLICY
            )
    except Exception:  # noqa: BLE001 - any broker failure: the rows stay pending for the sweep
        logger.warning(
            "Notification delivery not queued (broker unreachable?); "
            "the sweep will deliver notifications %s",
            ids,
            exc_info=True,
        )
        return False
    return True


def notification_retry_delay(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` failed ones (exponential, capped)."""
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATION_RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds)


def notification_deliver(*, notification_id: int) -> str | None:
    """Send a pending notification's email at most once; returns the new email state.

    The row is locked (``FOR UPDATE SKIP LOCKED``) for the whole send and marked sent in
    the same transaction, so a second delivery of the same row, concurrent or later, finds
    it locked or no longer pending and does nothing (None). A failed send counts an
    attempt and schedules the next one with exponential back-off, or gives up as failed.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, email_state=_PENDING)
            .first()
        )
        if notification is None:
            return None
        recipient = notification.recipient
        if not recipient.is_active or not recipient.email:
            notification.email_state = NotificationEmailState.SKIPPED
            notification.next_attempt_at = None
            notification.last_error = "The recipient is inactive or has no email address."
            notification.save(update_fields=["email_state", "next_attempt_at", "last_error"])
            return notification.email_state
        notification.attempts += 1
        try:
            _notification_email(notification).send()
        except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
            _notification_failed(notification, exc)
        else:
            notification.email_state = NotificationEmailState.SENT
            notification.sent_at = timezone.now()
            notification.next_attempt_at = None
        notification.save(
            update_fields=["email_state", "attempts", "next_attempt_at", "last_error", "sent_at"]
        )
        return notification.email_state


def _notification_email(notification: Notification) -> EmailMessage:
    """The email of a notification, with an absolute link and a stable Message-ID."""
    parts = [notification.body.strip()]
    if notification.url:
        parts.append(absolute_url(notification.url))
    parts.append(
        "-- \n"
        + gettext("Change which notifications you receive by email: %(url)s")
        % {"url": absolute_url(reverse("notification-preferences"))}
    )
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or settings.NOTIFICATION_EMAIL_TIMEOUT
    email = EmailMessage(
        subject=notification.subject,
        body="\n\n".join(p for p in parts if p),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        headers={
            # The same id on a resend lets mail clients drop the duplicate.
            "Message-ID": f"<notification-{notification.pk}@{domain}>",
            # RFC 3834: no out-of-office replies into the desk's email intake.
            "Auto-Submitted": "auto-generated",
        },
        connection=get_connection(timeout=timeout),
    )
    if notification.has_attachments:
        for file in notification.attachments.all():
            email.attach(file.filename, bytes(file.content), file.content_type)
    return email


def absolute_url(url: str) -> str:
    return urljoin(settings.ITSM_BASE_URL.rstrip("/") + "/", url)


def _notification_failed(notification: Notification, exc: Exception) -> None:
    """Record a failed attempt: back off, or give up after the last attempt."""
    notification.last_error = f"{type(exc).__name__}: {exc}"[:_LAST_ERROR_LENGTH]
    if _is_permanent(exc) or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        notification.email_state = NotificationEmailState.FAILED
        notification.next_attempt_at = None
        logger.error(
            "Notification %s email failed for good after %s attempts: %s",
            notification.pk,
            notification.attempts,
            notification.last_error,
        )
    else:
        notification.next_attempt_at = timezone.now() + notification_retry_delay(
            notification.attempts
        )
        logger.warning(
            "Notification %s email failed (attempt %s), next attempt at %s: %s",
            notification.pk,
            notification.attempts,
            notification.next_attempt_at.isoformat(),
            notification.last_error,
        )


def _is_permanent(exc: Exception) -> bool:
    """Whether the mail server will give the same answer on every retry (5xx for all)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    return False


def notification_sweep(*, now: datetime | None = None, batch: int | None = None) -> int:
    """Queue delivery again for pending emails that are due; returns how many.

    Due rows are those whose first task the broker lost (the grace period after queueing
    is over) and those whose back-off has run out. They are taken through the partial
    index with ``FOR UPDATE SKIP LOCKED``, so two sweeps never take the same rows, and
    their next attempt is pushed one grace period ahead, so a task that is lost again is
    queued again by a later sweep.
    """
    now = now or timezone.now()
    batch = batch or settings.NOTIFICATION_SWEEP_BATCH
    with transaction.atomic():
        ids = list(
            Notification.objects.due(now)
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return 0
        Notification.objects.filter(pk__in=ids, email_state=_PENDING).update(
            next_attempt_at=now + timedelta(seconds=settings.NOTIFICATION_GRACE_SECONDS)
        )
        transaction.on_commit(partial(_notification_enqueue, ids))
    logger.info("Notification sweep queued %s due emails", len(ids))
    return len(ids)


def notification_purge(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete the notifications older than ``NOTIFICATION_RETENTION_DAYS`` whose email is
    settled (sent, not emailed or failed: a pending email is never dropped); returns how
    many. Deletes in batches, each its own short transaction, so the inbox and the sweep are
    never held up. A retention of 0 keeps everything."""
    days = settings.NOTIFICATION_RETENTION_DAYS
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Notification.objects.filter(created_at__lt=cutoff)
                .exclude(email_state__in=[_PENDING, NotificationEmailState.DIGEST])
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            # Their attachments go with them (counted apart).
            _, per_model = Notification.objects.filter(pk__in=ids).delete()
        total += per_model.get(Notification._meta.label, 0)
        if len(ids) < batch:
            break
    if total:
        logger.info("Purged %s notifications older than %s days", total, days)
    return total


def notification_retry(*, notification_ids: Iterable[int]) -> int:
    """Make pending or failed emails pending again and queue them now; returns how many.

    A failed email gets one more attempt (its attempt count is kept).
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.filter(
                pk__in=list(notification_ids),
                email_state__in=[_PENDING, NotificationEmailState.FAILED],
            )
            .select_for_update()
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        Notification.objects.filter(pk__in=ids).update(
            email_state=_PENDING,
            next_attempt_at=now + timedelta(seconds=settings.NOTIFICATION_GRACE_SECONDS),
        )
        transaction.on_commit(partial(_notification_enqueue, ids))
    return len(ids)


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (idempotent).

    Raises ``Notification.DoesNotExist`` when it is not the user's.
    """
    notification = Notification.objects.for_recipient(user).get(pk=notification_id)
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notification_mark_all_read(*, user, kind: str = "", incident: str = "") -> int:
    """Mark every unread notification of the user read (of one kind, about one incident,
    when given: what the filtered inbox shows); returns how many."""
    qs = Notification.objects.for_recipient(user).unread()
    if kind:
        qs = qs.filter(event=kind)
    if incident:
        qs = qs.filter(incident_number=incident)
    return qs.update(read_at=timezone.now())


def notification_preferences_set(
    *,
    user,
    email_by_event: Mapping[str, bool] | None = None,
    channels_by_event: Mapping[str, "selectors.Channels"] | None = None,
) -> None:
    """Save the user's choices per event kind: ``email_by_event`` (email at once or not,
    the inbox on) or the full ``channels_by_event``. The digest is refused for a kind that
    does not offer it."""
    channels = dict(channels_by_event or {})
    for code, email in (email_by_event or {}).items():
        channels[code] = selectors.Channels(email=bool(email))
    unknown = [code for code in channels if notification_kind(code) is None]
    if unknown:
        raise ValueError(f"unknown notification event kinds {unknown!r}")
    no_digest = [c for c, ch in channels.items() if ch.digest and not notification_kind(c).digest]
    if no_digest:
        raise ValueError(f"no daily digest for the event kinds {no_digest!r}")
    if not channels:
        return
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(
                user=user, event=code, inbox=ch.inbox, email=ch.email, digest=ch.digest
            )
            for code, ch in channels.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "event"],
        update_fields=["inbox", "email", "digest"],
    )
