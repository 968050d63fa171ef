"""A Redis outage during ordinary work loses no notification and no webhook: every row the
services wrote while the broker was down is delivered, once, after it comes back (DESIGN §9).

The outage is the broker made unreachable for the process that works (``broker_unreachable``):
what matters is that nothing is queued in Redis then, however long it lasts; the outbox
rows wait in PostgreSQL and the periodic sweeps, run by the real worker once Redis answers,
queue them again.
"""

import pytest

from itsm import tasks
from itsm.celery import app as celery_app
from itsm.models import (
    Notification,
    NotificationEmailState,
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookSubscription,
)
from tests.api.test_webhooks import SECRET, Receiver
from tests.celery_worker import broker_unreachable, wait_until

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver():
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def test_work_during_a_redis_outage_is_notified_and_delivered_once_afterwards(
    celery_worker_process, world, receiver, settings, caplog
):
    # Due for the sweeps at once, instead of after their grace periods.
    settings.NOTIFICATION_GRACE_SECONDS = 0
    settings.WEBHOOK_GRACE_SECONDS = 0
    WebhookSubscription.objects.create(
        name="CMDB",
        url=receiver.url,
        events=["incident.created", "incident.assigned", "incident.accepted"],
        secret=SECRET,
    )

    with broker_unreachable(celery_app):
        for number in range(3):
            world.in_progress(title=f"停电期间的事件 {number}")

    assert "not queued" in caplog.text
    notifications = list(Notification.objects.values_list("pk", flat=True))
    webhooks = list(WebhookDelivery.objects.values_list("pk", flat=True))
    # Each incident was logged, dispatched and accepted: people were told, systems too.
    assert len(notifications) >= 6
    assert len(webhooks) == 9
    assert not Notification.objects.exclude(email_state=NotificationEmailState.PENDING).exists()
    assert not WebhookDelivery.objects.exclude(state=WebhookDeliveryState.PENDING).exists()

    # Redis is back: the beat's sweeps, run by the worker, queue every waiting row again.
    tasks.sweep_notifications.delay()
    tasks.sweep_webhooks.delay()

    def all_done():
        waiting = Notification.objects.filter(email_state=NotificationEmailState.PENDING)
        undelivered = WebhookDelivery.objects.exclude(state=WebhookDeliveryState.DELIVERED)
        return not waiting.exists() and not undelivered.exists()

    wait_until(all_done, timeout=60, message="every notification and webhook to go out")
    assert set(
        Notification.objects.filter(pk__in=notifications).values_list("email_state", flat=True)
    ) <= {NotificationEmailState.SENT, NotificationEmailState.SKIPPED}
    assert WebhookDelivery.objects.filter(
        pk__in=webhooks, state=WebhookDeliveryState.DELIVERED
    ).count() == len(webhooks)
    # Once each: the receiver got exactly one POST per delivery.
    assert receiver.received() == len(webhooks)
