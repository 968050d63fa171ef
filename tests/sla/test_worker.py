"""The tick through a real Celery worker on Redis (the ``celery_worker_process`` fixture of
tests/conftest.py): a due clock fires once, racing ticks fire once, and a worker killed in
the middle of a batch loses nothing and doubles nothing.

The worker runs in its own process on real time, so these tests use the P1 policy on the
24×7 calendar, its response target set to one hour, and incidents logged 61 minutes ago:
75 % and 100 % have passed whatever the day of the week, 150 % is half an hour away.
"""

import signal
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from incidents.choices import EventKind
from incidents.models import IncidentEvent
from sla.choices import State, Target
from sla.models import SlaClock, SlaPolicy
from sla.services import sla_tick
from sla.tasks import tick
from tests.celery_worker import wait_until
from tests.sla.bulk import clone_incidents_with_clocks

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def p1_one_hour(sla_demo):
    SlaPolicy.objects.filter(code="p1").update(
        response_target=timedelta(hours=1), update_interval=None
    )


def p1_incident(world):
    """A P1 incident logged 61 minutes ago: its response is due at 75 % and 100 %."""
    return world.incident(impact=1, urgency=1, at=timezone.now() - timedelta(minutes=61))


def queue_length(app) -> int:
    with app.connection_for_read() as conn:
        return conn.default_channel.client.llen(app.conf.task_default_queue)


def drain(worker, *, timeout: float = 120.0) -> None:
    """Wait until nothing is queued and the worker is idle (a solo worker answers a ping only
    between tasks). Whichever worker took a task, it has been taken and, if it was this
    one, done."""
    wait_until(
        lambda: (
            queue_length(worker.app) == 0
            and worker.app.control.ping(destination=[worker.nodename], timeout=0.5)
        ),
        timeout=timeout,
        interval=0.2,
        message=f"the queue to drain\n{worker.log_tail()}",
    )


def tick_until(worker, predicate, *, timeout: float = 300.0, every: float = 30.0) -> None:
    """Send ticks (one now, then one every ``every`` seconds) until ``predicate()`` holds:
    waits on the effect in the database, not on which worker ran the tick."""
    deadline = time.monotonic() + timeout
    while True:
        tick.apply_async()
        try:
            wait_until(predicate, timeout=min(every, max(deadline - time.monotonic(), 1)))
            return
        except AssertionError:
            if time.monotonic() >= deadline:
                raise AssertionError(f"timed out; worker log:\n{worker.log_tail()}") from None


def response_clocks(incident_ids):
    return SlaClock.objects.filter(
        incident_id__in=incident_ids, target=Target.RESPONSE, segment__isnull=True
    )


def escalation_levels(incident_ids) -> dict[int, list[int]]:
    levels: dict[int, list[int]] = {pk: [] for pk in incident_ids}
    for incident_id, level in (
        IncidentEvent.objects.filter(incident_id__in=incident_ids, kind=EventKind.ESCALATED)
        .order_by("id")
        .values_list("incident_id", "data__level")
    ):
        levels[incident_id].append(level)
    return levels


def test_a_due_clock_fires_once_through_the_worker(world, p1_one_hour, celery_worker_process):
    incident = p1_incident(world)
    response = response_clocks([incident.pk]).get()
    assert response.next_check_at <= timezone.now()

    tick_until(
        celery_worker_process,
        lambda: escalation_levels([incident.pk]) == {incident.pk: [1, 2]},
    )
    response.refresh_from_db()
    assert response.fired == [75, 100]
    assert response.state == State.BREACHED
    escalated = IncidentEvent.objects.filter(incident=incident, kind=EventKind.ESCALATED)
    assert {e.actor_id for e in escalated} == {None}

    # Duplicate beats and retried tasks change nothing.
    tick.apply_async()
    tick.apply_async()
    drain(celery_worker_process)
    assert escalation_levels([incident.pk]) == {incident.pk: [1, 2]}
    response.refresh_from_db()
    assert response.fired == [75, 100]


def test_two_ticks_racing_fire_once(world, p1_one_hour, celery_worker_process):
    template = p1_incident(world)
    ids = [template.pk, *clone_incidents_with_clocks(template, 199)]

    # A tick in the worker and one here, both in small batches, at the same time.
    tick.apply_async(kwargs={"batch_size": 10})
    outcome = {}

    def here():
        try:
            outcome["result"] = sla_tick(batch_size=10)
        finally:
            connection.close()

    thread = threading.Thread(target=here)
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive()
    wait_until(lambda: response_clocks(ids).filter(fired=[75, 100]).count() == 200, timeout=300)
    drain(celery_worker_process, timeout=300)

    # However the two shared the work (usually about half each), each threshold fired once.
    assert outcome["result"].fired <= 400
    assert response_clocks(ids).filter(fired=[75, 100]).count() == 200
    assert escalation_levels(ids) == {pk: [1, 2] for pk in ids}


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(
    world, p1_one_hour, celery_worker_process
):
    worker = celery_worker_process
    template = p1_incident(world)
    ids = [template.pk, *clone_incidents_with_clocks(template, 299)]
    done = response_clocks(ids).filter(fired=[75, 100])

    tick.apply_async(kwargs={"batch_size": 40})
    # Kill it once the first batches have committed, while it works on the next one.
    wait_until(lambda: done.count() >= 40, timeout=120, message="a first batch")
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait(timeout=30)
    handled = done.count()
    assert 40 <= handled < 300, "the worker finished before it could be killed"
    # What committed is whole: every fired clock has its two escalations, no other has any.
    levels = escalation_levels(ids)
    fired_ids = set(done.values_list("incident_id", flat=True))
    assert all(levels[pk] == [1, 2] for pk in fired_ids)
    assert all(levels[pk] == [] for pk in set(ids) - fired_ids)

    worker.start()  # a fresh worker; the killed one's unacknowledged message stays in Redis
    tick_until(worker, lambda: done.count() == 300, timeout=600)
    drain(worker, timeout=300)
    assert escalation_levels(ids) == {pk: [1, 2] for pk in ids}
    assert not response_clocks(ids).filter(next_check_at__lte=timezone.now()).exists()
