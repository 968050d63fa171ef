"""The outbox with a real Celery worker on Redis: nothing is lost, nothing is sent twice."""

import pytest
from django.db import transaction

from itsm import services, tasks
from itsm.celery import app as celery_app
from itsm.models import Notification, NotificationEmailState
from itsm.roles import Role
from tests.celery_worker import broker_unreachable, wait_until

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def queue_for(user, subject: str) -> Notification:
    with transaction.atomic():  # the caller's transaction; delivery is queued on commit
        [notification] = services.notification_queue(
            recipients=[user],
            event="incident.assigned",
            subject=subject,
            body="Printer on floor 3 is down.",
            url="/incidents/INC-2026-000042/",
            incident_number="INC-2026-000042",
        )
    return notification


def wait_sent(notification: Notification) -> Notification:
    def sent():
        row = Notification.objects.get(pk=notification.pk)
        return row if row.email_state == NotificationEmailState.SENT else None

    return wait_until(sent, message=f"notification {notification.pk} to be sent")


def emails_of(worker, notification: Notification) -> list:
    wanted = f"<notification-{notification.pk}@"
    return [m for m in worker.emails() if (m["Message-ID"] or "").startswith(wanted)]


def test_queued_while_the_broker_is_down_then_delivered_by_the_sweep(
    celery_worker_process, make_user, settings, caplog
):
    user = make_user(Role.TECHNICIAN, email="tech@example.cn")
    # Due for the sweep at once, instead of after the grace period.
    settings.NOTIFICATION_GRACE_SECONDS = 0

    with broker_unreachable(celery_app):
        notification = queue_for(user, "Queued during a Redis outage")

    assert "Notification delivery not queued" in caplog.text
    row = Notification.objects.get(pk=notification.pk)
    assert row.email_state == NotificationEmailState.PENDING
    assert row.attempts == 0

    # The broker is back: the periodic sweep, run by the worker, finds the row and
    # queues its delivery again.
    tasks.sweep_notifications.delay()
    row = wait_sent(notification)
    assert row.attempts == 1
    [message] = wait_until(
        lambda: emails_of(celery_worker_process, notification), message="the email file"
    )
    assert message["To"] == "tech@example.cn"
    assert "/incidents/INC-2026-000042/" in message.get_payload(decode=True).decode()


def test_the_same_notification_delivered_by_several_tasks_is_sent_once(
    celery_worker_process, make_user
):
    user = make_user(Role.TECHNICIAN, email="tech2@example.cn")
    notification = queue_for(user, "Delivered by three tasks")  # task 1, on commit
    tasks.deliver_notifications.delay([notification.pk])  # task 2
    tasks.deliver_notifications.delay([notification.pk])  # task 3
    wait_sent(notification)

    # The worker runs one task at a time in queue order: once a notification queued
    # after the three tasks is sent, all three have run.
    barrier = queue_for(user, "Barrier")
    wait_sent(barrier)

    assert len(emails_of(celery_worker_process, notification)) == 1
    assert Notification.objects.get(pk=notification.pk).attempts == 1
