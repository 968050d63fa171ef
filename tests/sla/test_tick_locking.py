"""What the tick locks: only clock rows; the incidents are locked by the lock step the
incidents app registered, and the clocks of crossings it could not take stay due, unmarked,
for a later batch, so that each threshold still fires once."""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from incidents.choices import EventKind
from incidents.models import Incident, IncidentEvent
from incidents.sla_handlers import lock_incidents
from sla import handlers
from sla.choices import Target
from sla.handlers import ThresholdCrossing
from sla.models import SlaClock
from sla.services import sla_tick


def clock_of(incident, target) -> SlaClock:
    return SlaClock.objects.get(incident_id=incident.pk, target=target, segment__isnull=True)


def levels(incident) -> list[int]:
    return list(
        IncidentEvent.objects.filter(incident=incident, kind=EventKind.ESCALATED)
        .order_by("id")
        .values_list("data__level", flat=True)
    )


def crossing_of(incident) -> ThresholdCrossing:
    return ThresholdCrossing(
        clock_id=0,
        incident_id=incident.pk,
        segment_id=None,
        target=Target.RESPONSE,
        percent=75,
        escalation_level=1,
    )


@pytest.fixture
def refusing_lock():
    """A threshold handler whose lock step refuses the crossings of some incidents."""
    refused: set[int] = set()

    def record(_crossing):
        pass

    handlers.register_threshold_handler(
        record, lock=lambda crossings: [c for c in crossings if c.incident_id in refused]
    )
    yield refused
    handlers.unregister(record)


@pytest.mark.django_db
def test_the_tick_locks_clock_rows_only(world, sla_demo, clock):
    world.incident()
    clock(2026, 11, 23, 10, 31)
    with CaptureQueriesContext(connection) as ctx:
        assert sla_tick().fired == 2
    locking = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    clock_locks = [sql for sql in locking if "sla_slaclock" in sql]
    assert clock_locks
    assert all("incidents_incident" not in sql for sql in clock_locks)
    # The incidents are locked by the incidents app's own lock step, without waiting.
    assert any("incidents_incident" in sql and "SKIP LOCKED" in sql for sql in locking)


@pytest.mark.django_db
def test_clocks_whose_crossings_a_lock_step_refused_stay_due_and_fire_later_once(
    world, sla_demo, clock, refusing_lock
):
    held, fine = world.incident(), world.incident()
    refusing_lock.add(held.pk)
    clock(2026, 11, 23, 10, 31)  # response 75 % and the desk OLA of both
    before = clock_of(held, Target.RESPONSE)

    result = sla_tick()

    assert result.fired == 2  # the fine incident's only
    assert result.examined == 2
    assert clock_of(fine, Target.RESPONSE).fired == [75]
    assert levels(fine) == [1]
    after = clock_of(held, Target.RESPONSE)
    assert (after.fired, after.next_check_at, after.revision) == (
        [],
        before.next_check_at,
        before.revision,
    )
    assert levels(held) == []

    refusing_lock.clear()
    assert sla_tick().fired == 2
    assert clock_of(held, Target.RESPONSE).fired == [75]
    assert levels(held) == [1]
    assert sla_tick().fired == 0


@pytest.mark.django_db
def test_a_run_with_only_refused_clocks_left_ends(world, sla_demo, clock, refusing_lock):
    incidents = [world.incident() for _ in range(3)]
    refusing_lock.update(i.pk for i in incidents)
    clock(2026, 11, 23, 10, 31)
    result = sla_tick(batch_size=2)
    assert (result.fired, result.batches, result.examined) == (0, 0, 0)
    assert SlaClock.objects.filter(fired=[]).count() == SlaClock.objects.count()


@pytest.mark.django_db(transaction=True)
def test_lock_incidents_hands_back_the_crossings_of_an_incident_held_elsewhere(world, sla_demo):
    free, busy = world.incident(), world.incident()
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Incident.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        with transaction.atomic():
            refused = lock_incidents([crossing_of(free), crossing_of(busy)])
        assert [c.incident_id for c in refused] == [busy.pk]
    finally:
        release.set()
        holder.join(timeout=30)
    with transaction.atomic():
        assert lock_incidents([crossing_of(free), crossing_of(busy)]) == []


@pytest.mark.django_db(transaction=True)
def test_a_run_leaves_the_clocks_of_an_incident_held_throughout_due(world, sla_demo, clock):
    free, busy = world.incident(), world.incident()
    clock(2026, 11, 23, 11, 1)
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Incident.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        result = sla_tick(batch_size=50)
    finally:
        release.set()
        holder.join(timeout=30)
    assert result.fired == 3  # response 75 % and 100 %, the desk OLA: of the free one only
    assert clock_of(busy, Target.RESPONSE).fired == []
    assert levels(busy) == []
    again = sla_tick()
    assert again.fired == 3
    assert clock_of(busy, Target.RESPONSE).fired == [75, 100]
    assert levels(busy) == [1, 2]
    assert levels(free) == [1, 2]
