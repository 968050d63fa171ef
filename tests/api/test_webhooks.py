"""Outbound webhooks against a local HTTP server on 127.0.0.1: outbox, signature, retries."""

import hashlib
import hmac
import json
import queue
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from incidents import services
from itsm import webhooks
from itsm.models import WebhookDelivery, WebhookDeliveryState, WebhookSubscription

SECRET = "s3cret-for-tests"


class Receiver:
    """An HTTP server on 127.0.0.1 that records POSTs and answers the statuses queued."""

    def __init__(self):
        self.requests: queue.Queue = queue.Queue()
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.requests.put((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/itsm"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def get(self, timeout=10):
        return self.requests.get(timeout=timeout)

    def received(self) -> int:
        return self.requests.qsize()


@pytest.fixture
def receiver():
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def subscription(receiver, db):
    return WebhookSubscription.objects.create(
        name="CMDB",
        url=receiver.url,
        events=["incident.created", "incident.assigned"],
        secret=SECRET,
    )


def deliveries():
    return list(WebhookDelivery.objects.order_by("id"))


@pytest.mark.django_db
def test_events_are_queued_in_the_services_transaction(world, subscription):
    incident = world.incident()
    services.incident_escalate(incident=incident, by=world.agent, reason="x")  # not subscribed
    services.incident_assign(incident=incident, by=world.agent, department=world.network)
    rows = deliveries()
    assert [d.event for d in rows] == ["incident.created", "incident.assigned"]
    assert all(d.state == WebhookDeliveryState.PENDING for d in rows)
    assert rows[1].payload["incident"]["number"] == incident.number
    assert rows[1].payload["incident"]["department"] == "network"
    assert rows[1].payload["change"]["actor"] == "w_agent"
    assert rows[1].payload["change"]["to_status"] == "assigned"


@pytest.mark.django_db
def test_failed_write_queues_nothing(world, api, subscription):
    response = api(world.agent).post("/api/v1/incidents/", {"title": ""}, format="json")
    assert response.status_code == 400
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_inactive_or_uninterested_subscriptions_get_nothing(world, subscription):
    subscription.active = False
    subscription.save()
    WebhookSubscription.objects.create(
        name="only closed", url="http://127.0.0.1:1/", events=["incident.closed"]
    )
    world.incident()
    assert not WebhookDelivery.objects.exists()
    # An empty list of events means every event.
    WebhookSubscription.objects.create(name="all", url="http://127.0.0.1:1/", events=[])
    world.incident()
    assert [d.event for d in deliveries()] == ["incident.created"]


@pytest.mark.django_db
def test_delivery_is_signed(world, receiver, subscription):
    world.incident()
    [delivery] = deliveries()
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == WebhookDeliveryState.DELIVERED
    headers, body = receiver.get()
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-ITSM-Signature"] == expected
    assert headers["X-ITSM-Event"] == "incident.created"
    assert headers["X-ITSM-Delivery"] == str(delivery.pk)
    assert headers["Content-Type"].startswith("application/json")
    payload = json.loads(body)
    assert payload["id"] == delivery.pk
    assert payload["event"] == "incident.created"
    assert payload["incident"]["status"] == "new"
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert delivery.delivered_at is not None
    assert delivery.next_attempt_at is None
    # Delivered rows are not sent again.
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is None
    assert receiver.received() == 0


@pytest.mark.django_db
def test_failures_are_retried_with_back_off_then_delivered(
    world, receiver, subscription, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.statuses = [500, 503]
    world.incident()
    [delivery] = deliveries()
    before = timezone.now()
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == WebhookDeliveryState.PENDING
    delivery.refresh_from_db()
    assert delivery.last_status_code == 500
    assert delivery.last_error == "HTTP 500"
    first_wait = delivery.next_attempt_at - before
    assert timedelta(seconds=29) <= first_wait <= timedelta(seconds=31)
    webhooks.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at - timezone.now() > timedelta(seconds=55)  # doubled
    # Not due yet: the sweep leaves it alone; once due, it queues it again.
    assert webhooks.webhook_sweep() == 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert webhooks.webhook_sweep(now=timezone.now() + timedelta(minutes=5)) == 1
    assert len(callbacks) == 1
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == WebhookDeliveryState.DELIVERED
    bodies = [receiver.get()[1] for _ in range(3)]
    assert bodies[0] == bodies[1] == bodies[2]  # the same signed body on every attempt


@pytest.mark.django_db
def test_gives_up_after_the_last_attempt_or_on_gone(world, receiver, subscription, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.statuses = [500, 500, 410]
    world.incident()
    world.incident()
    first, second = deliveries()
    webhooks.webhook_deliver(delivery_id=first.pk)
    assert webhooks.webhook_deliver(delivery_id=first.pk) == WebhookDeliveryState.FAILED
    assert webhooks.webhook_deliver(delivery_id=second.pk) == WebhookDeliveryState.FAILED
    first.refresh_from_db()
    assert first.next_attempt_at is None
    assert first.attempts == 2
    # The admin's retry gives a failed delivery one more attempt.
    assert webhooks.webhook_retry(delivery_ids=[first.pk]) == 1
    assert webhooks.webhook_deliver(delivery_id=first.pk) == WebhookDeliveryState.DELIVERED


@pytest.mark.django_db
def test_network_errors_are_recorded_and_retried(world, settings):
    WebhookSubscription.objects.create(name="down", url="http://127.0.0.1:9/", secret="x")
    world.incident()
    [delivery] = deliveries()
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == WebhookDeliveryState.PENDING
    delivery.refresh_from_db()
    assert delivery.last_status_code is None
    assert "Error" in delivery.last_error or "refused" in delivery.last_error.lower()


@pytest.mark.django_db
def test_inactive_subscription_fails_its_pending_deliveries(world, subscription):
    world.incident()
    [delivery] = deliveries()
    WebhookSubscription.objects.update(active=False)
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == WebhookDeliveryState.FAILED


@pytest.mark.django_db
def test_admin_pages(world, client, subscription):
    world.admin.is_superuser = True
    world.admin.save(update_fields=["is_superuser"])
    client.force_login(world.admin)
    world.incident()
    for name in ("itsm_webhooksubscription", "itsm_webhookdelivery"):
        assert client.get(f"/admin/itsm/{name.split('_')[1]}/").status_code == 200
    response = client.get(f"/admin/itsm/webhooksubscription/{subscription.pk}/change/")
    assert response.status_code == 200
    assert "incident.created" in response.content.decode()


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_end_to_end_through_the_outbox_and_a_real_worker(
    celery_worker_process, world, api, receiver
):
    from tests.celery_worker import wait_until

    WebhookSubscription.objects.create(
        name="CMDB", url=receiver.url, events=["incident.created"], secret=SECRET
    )
    response = api(world.agent).post("/api/v1/incidents/", {"title": "来自 API"}, format="json")
    assert response.status_code == 201
    headers, body = receiver.get(timeout=30)
    assert json.loads(body)["incident"]["number"] == response.json()["number"]
    assert hmac.compare_digest(
        headers["X-ITSM-Signature"],
        "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
    )
    wait_until(
        lambda: WebhookDelivery.objects.filter(state=WebhookDeliveryState.DELIVERED).exists(),
        message="the delivery to be recorded",
    )
