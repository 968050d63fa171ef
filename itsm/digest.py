"""The daily digest: one email a day per person with their low-priority notifications.

A person who chose "daily digest" for a kind (``NotificationPreference.digest``, offered for
the kinds registered with ``digest=True``) gets its notifications in the inbox at once, and
their emails wait as ``email_state = 'digest'``. The hourly beat task calls
``notification_digests_send``; from ``NOTIFICATION_DIGEST_HOUR`` on, on the
``NOTIFICATION_DIGEST_WEEKDAYS``, each person with waiting rows gets one email listing them.

Exactly once a day: the ``NotificationDigest`` row (unique per person and day) is written,
the email sent and the rows marked sent in one transaction. A second run the same day finds
the row and sends nothing; a failed send rolls all of it back, and the next hourly run tries
again. (As for every email, a crash between the mail server's acceptance and the commit
would send it again: docs/notifications.md.)
"""

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from itsm.models import Notification, NotificationDigest, NotificationEmailState
from itsm.services import absolute_url

logger = logging.getLogger(__name__)

_DIGEST = NotificationEmailState.DIGEST
# The most rows one email lists; the rest are counted and left to the inbox.
DIGEST_MAX_ITEMS = 100


def notification_digests_send(*, now: datetime | None = None) -> int:
    """Send today's digests still owed; returns how many were sent."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.weekday() not in settings.NOTIFICATION_DIGEST_WEEKDAYS:
        return 0
    if local.hour < settings.NOTIFICATION_DIGEST_HOUR:
        return 0
    day = local.date()
    user_ids = (
        Notification.objects.filter(email_state=_DIGEST)
        .exclude(recipient__in=NotificationDigest.objects.filter(day=day).values("user"))
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in list(user_ids):
        try:
            sent += notification_digest_send(user_id=user_id, day=day, now=now)
        except Exception:  # noqa: BLE001 - one person's failure must not stop the others
            logger.warning("Digest for user %s not sent; next run retries", user_id, exc_info=True)
    if sent:
        logger.info("Sent %s notification digests for %s", sent, day)
    return sent


def notification_digest_send(*, user_id: int, day, now: datetime) -> bool:
    """Send one person's digest of ``day`` unless it was sent already; True when sent."""
    try:
        with transaction.atomic():
            digest = NotificationDigest.objects.create(user_id=user_id, day=day, sent_at=now)
            rows = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .filter(recipient_id=user_id, email_state=_DIGEST)
                .order_by("created_at", "id")
            )
            if not rows:  # taken by a concurrent run, or settled meanwhile
                transaction.set_rollback(True)
                return False
            recipient = rows[0].recipient
            if not recipient.is_active or not recipient.email:
                _settle(rows, NotificationEmailState.SKIPPED, now)
                return False
            _digest_email(recipient, rows, day).send()
            _settle(rows, NotificationEmailState.SENT, now)
            digest.count = len(rows)
            digest.save(update_fields=["count"])
    except IntegrityError:  # another run sent this person's digest of the day first
        return False
    return True


def _settle(rows: list[Notification], state: str, now: datetime) -> None:
    ids = [n.pk for n in rows]
    fields = {"email_state": state}
    if state == NotificationEmailState.SENT:
        fields["sent_at"] = now
    Notification.objects.filter(pk__in=ids, email_state=_DIGEST).update(**fields)


def _digest_email(recipient, rows: list[Notification], day) -> EmailMessage:
    """One message listing the rows (subject and link each), in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext(
            "Your daily digest for %(day)s: %(count)s notification",
            "Your daily digest for %(day)s: %(count)s notifications",
            len(rows),
        ) % {"day": day.isoformat(), "count": len(rows)}
        lines = []
        for n in rows[:DIGEST_MAX_ITEMS]:
            when = timezone.localtime(n.created_at).strftime("%m-%d %H:%M")
            lines.append(f"- {when}  {n.subject}")
            if n.url:
                lines.append(f"  {absolute_url(n.url)}")
        if len(rows) > DIGEST_MAX_ITEMS:
            lines.append(
                gettext("… and %(count)s more in your inbox.")
                % {"count": len(rows) - DIGEST_MAX_ITEMS}
            )
        footer = gettext("Your inbox: %(inbox)s\nChange what you receive: %(prefs)s") % {
            "inbox": absolute_url(reverse("notifications")),
            "prefs": absolute_url(reverse("notification-preferences")),
        }
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or settings.NOTIFICATION_EMAIL_TIMEOUT
    return EmailMessage(
        subject=subject,
        body="\n".join(lines) + "\n\n-- \n" + footer,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"Auto-Submitted": "auto-generated"},
        connection=get_connection(timeout=timeout),
    )
