"""Outbound webhooks: an outbox of signed HTTP POSTs to the subscriptions of the admin.

``webhook_queue`` writes one delivery row per interested subscription inside the caller's
transaction (so a change and its deliveries commit together, or neither does) and queues
the delivery task after commit. ``webhook_deliver`` POSTs one row at most once at a time
(row lock, ``SKIP LOCKED``), records the HTTP status, and on failure schedules the next
attempt with exponential back-off; ``webhook_sweep`` re-queues due rows whose task was lost
or whose back-off ran out. The body is signed: ``X-ITSM-Signature: sha256=<hex>``, the
HMAC-SHA256 of the raw body with the subscription's secret.
"""

import hashlib
import hmac
import http.client
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlsplit

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise

from itsm import configcache
from itsm.models import WebhookDelivery, WebhookDeliveryState, WebhookSubscription

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ITSM-Signature"
_PENDING = WebhookDeliveryState.PENDING
_ENQUEUE_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
_LAST_ERROR_LENGTH = 2000
# Queued by name: itsm.tasks imports this module, so this one must not import it back.
DELIVER_TASK = "itsm.deliver_webhooks"


# --- the registry of event kinds (for the admin's choices) -------------------------------------


@dataclass(frozen=True)
class WebhookEvent:
    code: str
    label: str | Promise


_EVENTS: dict[str, WebhookEvent] = {}


def webhook_event_register(code: str, label: str | Promise) -> None:
    """Make an event kind choosable in the subscriptions (``<app>.<event>``)."""
    _EVENTS[code] = WebhookEvent(code, label)


def webhook_event_choices() -> list[tuple[str, str | Promise]]:
    return [(e.code, e.label) for e in _EVENTS.values()]


# --- queueing ----------------------------------------------------------------------------------


def webhook_subscriptions_for(event: str) -> list[WebhookSubscription]:
    """The active subscriptions that want the event kind (cached: itsm.configcache)."""
    active = configcache.cached(
        "webhook-subscriptions", lambda: list(WebhookSubscription.objects.filter(active=True))
    )
    return [s for s in active if s.wants(event)]


def webhook_queue(
    *,
    event: str,
    payload: dict,
    incident_number: str = "",
    subscriptions: list[WebhookSubscription] | None = None,
) -> list[WebhookDelivery]:
    """Write a delivery per interested subscription; POST them after commit."""
    if subscriptions is None:
        subscriptions = webhook_subscriptions_for(event)
    if not subscriptions:
        return []
    now = timezone.now()
    first_sweep_at = now + timedelta(seconds=settings.WEBHOOK_GRACE_SECONDS)
    rows = [
        WebhookDelivery(
            subscription=subscription,
            event=event,
            incident_number=incident_number,
            payload=payload,
            created_at=now,
            next_attempt_at=first_sweep_at,
        )
        for subscription in subscriptions
    ]
    with transaction.atomic(savepoint=False):
        created = WebhookDelivery.objects.bulk_create(rows)
        transaction.on_commit(partial(_enqueue, [d.pk for d in created]))
    return created


def _enqueue(ids: list[int]) -> bool:
    """Queue the delivery task; a broker failure is logged (the sweep delivers later)."""
    try:
        current_app.signature(DELIVER_TASK).apply_async(
            args=[ids], retry_policy=_ENQUEUE_RETRY_POLICY
        )
    except Exception:  # noqa: BLE001 - any broker failure: the rows wait for the sweep
        logger.warning("Webhook deliveries %s not queued; the sweep will send them", ids)
        return False
    return True


# --- delivery ----------------------------------------------------------------------------------


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes POSTed (the same on every attempt)."""
    envelope = {
        "id": delivery.pk,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        **delivery.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True).encode()


def webhook_signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the body with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_retry_delay(attempts: int) -> timedelta:
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), settings.WEBHOOK_RETRY_MAX_SECONDS)
    )


def _post(url: str, body: bytes, headers: dict) -> int:
    """POST without following redirects; returns the status (raises on network errors)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(
        parts.hostname, parts.port, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
    )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status
    finally:
        connection.close()


def webhook_deliver(*, delivery_id: int) -> str | None:
    """POST one pending delivery; returns its new state, or None when there was nothing to do
    (delivered already, or another worker holds it)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .filter(pk=delivery_id, state=_PENDING)
            .first()
        )
        if delivery is None:
            return None
        subscription = delivery.subscription
        delivery.attempts += 1
        if not subscription.active:
            _finish(delivery, WebhookDeliveryState.FAILED, error="The subscription is inactive.")
        else:
            body = webhook_body(delivery)
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "ITSM-Webhooks/1.0",
                "X-ITSM-Event": delivery.event,
                "X-ITSM-Delivery": str(delivery.pk),
                SIGNATURE_HEADER: webhook_signature(subscription.secret, body),
            }
            try:
                code = _post(subscription.url, body, headers)
            except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
                _failed(delivery, None, f"{type(exc).__name__}: {exc}")
            else:
                if 200 <= code < 300:
                    delivery.last_status_code = code
                    delivery.delivered_at = timezone.now()
                    _finish(delivery, WebhookDeliveryState.DELIVERED)
                else:
                    _failed(delivery, code, f"HTTP {code}")
        delivery.save(
            update_fields=[
                "state",
                "attempts",
                "next_attempt_at",
                "last_status_code",
                "last_error",
                "delivered_at",
            ]
        )
        return delivery.state


def _finish(delivery: WebhookDelivery, state: str, *, error: str = "") -> None:
    delivery.state = state
    delivery.next_attempt_at = None
    if error:
        delivery.last_error = error[:_LAST_ERROR_LENGTH]


def _failed(delivery: WebhookDelivery, code: int | None, error: str) -> None:
    """A failed attempt: back off, or give up after the last one (or on 410 Gone)."""
    delivery.last_status_code = code
    delivery.last_error = error[:_LAST_ERROR_LENGTH]
    if code == 410 or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        _finish(delivery, WebhookDeliveryState.FAILED)
        logger.error("Webhook delivery %s failed for good: %s", delivery.pk, error)
    else:
        delivery.next_attempt_at = timezone.now() + webhook_retry_delay(delivery.attempts)
        logger.warning(
            "Webhook delivery %s failed (attempt %s), next at %s: %s",
            delivery.pk,
            delivery.attempts,
            delivery.next_attempt_at.isoformat(),
            error,
        )


def webhook_sweep(*, now: datetime | None = None, batch: int | None = None) -> int:
    """Queue again the pending deliveries that are due; returns how many."""
    now = now or timezone.now()
    batch = batch or settings.WEBHOOK_SWEEP_BATCH
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.filter(state=_PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return 0
        WebhookDelivery.objects.filter(pk__in=ids, state=_PENDING).update(
            next_attempt_at=now + timedelta(seconds=settings.WEBHOOK_GRACE_SECONDS)
        )
        transaction.on_commit(partial(_enqueue, ids))
    return len(ids)


def webhook_retry(*, delivery_ids) -> int:
    """Make failed or pending deliveries pending again and queue them now (the admin)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.filter(
                pk__in=list(delivery_ids),
                state__in=[_PENDING, WebhookDeliveryState.FAILED],
            )
            .select_for_update()
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        WebhookDelivery.objects.filter(pk__in=ids).update(
            state=_PENDING,
            next_attempt_at=now + timedelta(seconds=settings.WEBHOOK_GRACE_SECONDS),
        )
        transaction.on_commit(partial(_enqueue, ids))
    return len(ids)
