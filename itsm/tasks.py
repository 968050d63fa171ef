"""Celery tasks of the shared core: thin wrappers around the notification and webhook services.

The services queue these tasks by name (``itsm.deliver_notifications``, ``itsm.deliver_webhooks``)
and never import this module; ``ItsmConfig.ready`` imports it so every process knows them.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from itsm import digest, logins, services, webhooks
from itsm.api.idempotency import purge_idempotency_keys as idempotency_keys_purge

# A lost database connection is worth a few quick retries; anything else in a delivery is
# recorded on the row by the service, and whatever is still pending the sweep picks up.
_DB_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    name=services.DELIVER_TASK,
    acks_late=True,
    autoretry_for=_DB_ERRORS,
    max_retries=3,
    retry_backoff=5,
    retry_backoff_max=60,
    ignore_result=True,
)
def deliver_notifications(ids: list[int]) -> None:
    """Send the emails of the notifications; safe to run twice (a sent row is skipped)."""
    for notification_id in ids:
        services.notification_deliver(notification_id=notification_id)


@shared_task(
    name="itsm.sweep_notifications",
    acks_late=True,
    # No retries: the next beat tick is the retry.
    max_retries=0,
    ignore_result=True,
)
def sweep_notifications() -> int:
    """Queue delivery again for pending notification emails that are due."""
    return services.notification_sweep()


@shared_task(
    name="itsm.send_notification_digests",
    acks_late=True,
    # No retries: the next hourly run sends what is still owed today.
    max_retries=0,
    ignore_result=True,
)
def send_notification_digests() -> int:
    """Send the daily digests owed today (once a day per person, docs/notifications.md)."""
    return digest.notification_digests_send()


# --- Outbound webhooks and API housekeeping (docs/api.md) -------------------------------------


@shared_task(
    name=webhooks.DELIVER_TASK,
    acks_late=True,
    autoretry_for=_DB_ERRORS,
    max_retries=3,
    retry_backoff=5,
    retry_backoff_max=60,
    ignore_result=True,
)
def deliver_webhooks(ids: list[int]) -> None:
    """POST the webhook deliveries; safe to run twice (a delivered row is skipped)."""
    for delivery_id in ids:
        webhooks.webhook_deliver(delivery_id=delivery_id)


@shared_task(name="itsm.sweep_webhooks", acks_late=True, max_retries=0, ignore_result=True)
def sweep_webhooks() -> int:
    """Queue again the webhook deliveries that are due (lost tasks, back-off over)."""
    return webhooks.webhook_sweep()


@shared_task(name="itsm.purge_notifications", acks_late=True, max_retries=0, ignore_result=True)
def purge_notifications() -> int:
    """Delete settled notifications older than NOTIFICATION_RETENTION_DAYS."""
    return services.notification_purge()


@shared_task(name="itsm.purge_idempotency_keys", acks_late=True, max_retries=0, ignore_result=True)
def purge_idempotency_keys() -> int:
    """Forget Idempotency-Keys older than API_IDEMPOTENCY_TTL_HOURS."""
    return idempotency_keys_purge()


@shared_task(name="itsm.purge_login_logs", acks_late=True, max_retries=0, ignore_result=True)
def purge_login_logs() -> int:
    """Forget sign-in audit rows older than LOGIN_LOG_RETENTION_DAYS."""
    return logins.login_logs_purge()
