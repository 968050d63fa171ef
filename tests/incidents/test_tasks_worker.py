"""The incident automation tasks against a real Celery worker on Redis.

The worker's clock is the real one, so the due rows are made due by moving their stored
time into the past (raw data: the services refuse a resume time in the past, which is the
rule). The worker runs the solo pool, so tasks run in the order they were sent: a later
task's visible effect proves the earlier duplicates have run.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import tasks
from incidents.choices import CloseMethod, EventKind, Status
from incidents.models import Incident
from tests.celery_worker import wait_until

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def _status(pk):
    return Incident.objects.get(pk=pk).status


def test_auto_resume_through_the_worker_once(world, celery_worker_process):
    first = world.suspended()
    second = world.suspended(title="稍后恢复")
    Incident.objects.filter(pk=first.pk).update(resume_at=timezone.now() - timedelta(minutes=1))
    tasks.auto_resume.delay()
    wait_until(lambda: _status(first.pk) == Status.IN_PROGRESS, message="auto-resume")
    assert _status(second.pk) == Status.SUSPENDED
    event = first.events.get(kind=EventKind.RESUMED)
    assert event.actor is None
    assert event.data["automatic"] is True

    tasks.auto_resume.delay()
    tasks.auto_resume.delay()
    Incident.objects.filter(pk=second.pk).update(resume_at=timezone.now() - timedelta(minutes=1))
    tasks.auto_resume.delay()
    wait_until(lambda: _status(second.pk) == Status.IN_PROGRESS, message="the later resume")
    assert first.events.filter(kind=EventKind.RESUMED).count() == 1


def test_auto_close_through_the_worker_once(world, celery_worker_process):
    first = world.resolved()
    second = world.resolved(title="刚解决")
    long_ago = timezone.now() - timedelta(days=30)
    Incident.objects.filter(pk=first.pk).update(resolved_at=long_ago)
    tasks.auto_close.delay()
    wait_until(lambda: _status(first.pk) == Status.CLOSED, message="auto-close")
    closed = Incident.objects.get(pk=first.pk)
    assert closed.close_method == CloseMethod.AUTOMATIC
    assert closed.events.get(kind=EventKind.CLOSED).actor is None
    assert _status(second.pk) == Status.RESOLVED

    tasks.auto_close.delay()
    tasks.auto_close.delay()
    Incident.objects.filter(pk=second.pk).update(resolved_at=long_ago)
    tasks.auto_close.delay()
    wait_until(lambda: _status(second.pk) == Status.CLOSED, message="the later close")
    assert closed.events.filter(kind=EventKind.CLOSED).count() == 1
