"""The tick in-process: thresholds fire once, escalate through the incident services and
notify; breaches are marked; failures neither loop nor double; concurrent ticks fire once."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from incidents import services
from incidents.choices import EventKind
from incidents.models import Incident, IncidentEvent
from itsm.models import Notification, WebhookDelivery, WebhookSubscription
from sla import handlers
from sla.choices import State, Target
from sla.models import SlaClock
from sla.services import sla_tick
from tests.sla.conftest import sh


def clock_of(incident, target) -> SlaClock:
    return SlaClock.objects.get(incident_id=incident.pk, target=target, segment__isnull=True)


def escalations(incident) -> list[tuple]:
    return list(
        IncidentEvent.objects.filter(incident=incident, kind=EventKind.ESCALATED)
        .order_by("id")
        .values_list("actor", "reason", "data__level")
    )


@pytest.fixture
def extra_handler():
    """Register a threshold handler for one test."""
    added = []

    def register(fn):
        handlers.register_threshold_handler(fn)
        added.append(fn)
        return fn

    yield register
    for fn in added:
        handlers.unregister(fn)


@pytest.mark.django_db
def test_thresholds_fire_once_and_escalate_through_the_incident_services(world, sla_demo, clock):
    incident = world.incident()  # P3: response 2 h from Monday 09:00
    response = clock_of(incident, Target.RESPONSE)
    assert response.next_check_at == sh(2026, 11, 23, 10, 30)

    clock(2026, 11, 23, 10, 29)
    first = sla_tick()
    assert clock_of(incident, Target.RESPONSE).fired == []
    assert first.fired == 1  # only the desk's 30-minute OLA (due 09:30)

    clock(2026, 11, 23, 10, 31)
    result = sla_tick()
    assert result.fired == 1
    response = clock_of(incident, Target.RESPONSE)
    assert response.fired == [75]
    assert response.state == State.RUNNING
    assert response.next_check_at == sh(2026, 11, 23, 11, 0)
    assert Incident.objects.get(pk=incident.pk).escalation_level == 1
    assert escalations(incident) == [(None, "SLA response 75%", 1)]
    warned = set(
        Notification.objects.filter(event="sla.warning").values_list(
            "recipient__username", flat=True
        )
    )
    assert warned <= {"w_netlead", "w_net1"}  # lead and assignee (none yet) minus those told

    # A second tick (a duplicate beat, a retried task) changes nothing.
    again = sla_tick()
    assert again.fired == 0
    assert again.examined == 0
    assert escalations(incident) == [(None, "SLA response 75%", 1)]

    clock(2026, 11, 23, 11, 0, 30)
    sla_tick()
    response = clock_of(incident, Target.RESPONSE)
    assert response.fired == [75, 100]
    assert response.state == State.BREACHED
    assert response.breached_at == sh(2026, 11, 23, 11, 0)
    # 150 % of 2 h = 3 business hours: Monday 12:00, the end of the morning.
    assert response.next_check_at == sh(2026, 11, 23, 12, 0)
    assert Incident.objects.get(pk=incident.pk).escalation_level == 2
    assert Notification.objects.filter(
        event="incident.escalated", recipient=world.incident_manager
    ).exists()

    clock(2026, 11, 23, 13, 31)
    sla_tick()
    response = clock_of(incident, Target.RESPONSE)
    assert response.fired == [75, 100, 150]
    assert response.next_check_at is None
    assert Incident.objects.get(pk=incident.pk).escalation_level == 3
    assert [level for *_, level in escalations(incident)] == [1, 2, 3]
    assert all(actor is None for actor, *_ in escalations(incident))
    assert sla_tick().examined == 0


@pytest.mark.django_db
def test_a_late_tick_fires_every_crossed_threshold_once_in_order(world, sla_demo, clock):
    incident = world.incident()
    clock(2026, 11, 23, 14, 0)  # 3.5 business hours: 75, 100 and 150 % of the response
    sla_tick()
    assert clock_of(incident, Target.RESPONSE).fired == [75, 100, 150]
    assert [level for *_, level in escalations(incident)] == [1, 2, 3]


@pytest.mark.django_db
def test_no_escalation_below_the_current_level_only_a_notification(world, sla_demo, clock):
    incident = world.in_progress()
    services.incident_escalate(incident=incident, by=world.tech, reason="VIP 投诉", level=2)
    clock(2026, 11, 25, 17, 0)  # past 75 % of the 24 h resolution target
    sla_tick()
    assert clock_of(incident, Target.RESOLUTION).fired == [75]
    assert [level for *_, level in escalations(incident)] == [2]
    warned = Notification.objects.filter(event="sla.warning", incident_number=incident.number)
    assert set(warned.values_list("recipient__username", flat=True)) == {"w_net1", "w_netlead"}


@pytest.mark.django_db
def test_ola_breach_tells_the_section_lead(world, sla_demo, clock):
    incident = world.assigned()
    clock(2026, 11, 23, 9, 31)  # network must accept within 30 min
    sla_tick()
    breached = Notification.objects.filter(event="sla.breached", incident_number=incident.number)
    assert "w_netlead" in set(breached.values_list("recipient__username", flat=True))
    segment_clock = SlaClock.objects.get(
        incident_id=incident.pk, target=Target.OLA_ACCEPT, segment__isnull=False
    )
    assert segment_clock.state == State.BREACHED
    assert Incident.objects.get(pk=incident.pk).escalation_level == 0


@pytest.fixture
def english():
    """The reminders are told apart by their English subject."""
    with translation.override("en"):
        yield


@pytest.mark.django_db
def test_major_incident_update_reminders_repeat_every_interval(world, sla_demo, clock, english):
    incident = world.incident(impact=1, urgency=1)  # P1: update every 30 min on 24×7
    clock(2026, 11, 23, 9, 31)
    sla_tick()
    update = clock_of(incident, Target.UPDATE)
    assert update.deadline == update.next_check_at == sh(2026, 11, 23, 10, 0)
    reminders = Notification.objects.filter(
        event="sla.warning", incident_number=incident.number, subject__contains="update"
    )
    assert reminders.filter(recipient=world.incident_manager).count() == 1
    assert sla_tick().fired == 0
    # Nobody ticked for an hour: one reminder, then the rhythm goes on from now.
    clock(2026, 11, 23, 11, 5)
    sla_tick()
    update = clock_of(incident, Target.UPDATE)
    assert update.deadline == sh(2026, 11, 23, 11, 35)
    assert reminders.filter(recipient=world.incident_manager).count() == 2
    # Resolved: the reminders stop.
    services.incident_resolve(incident=incident, by=world.agent, code=world.code, resolution="好")
    assert clock_of(incident, Target.UPDATE).state == State.CANCELLED
    clock(2026, 11, 23, 15, 0)
    sla_tick()
    assert reminders.filter(recipient=world.incident_manager).count() == 2


def _effects_of_a_tick() -> dict:
    """Run a tick and roll it back; what it wrote, without ids and times."""
    last_event = IncidentEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    last_note = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
    last_delivery = (
        WebhookDelivery.objects.order_by("-id").values_list("id", flat=True).first() or 0
    )
    with transaction.atomic():
        result = sla_tick()
        effects = {
            "fired": result.fired,
            "events": sorted(
                (number, kind, reason, json.dumps(data, sort_keys=True), notified, to_status)
                for number, kind, reason, data, notified, to_status in IncidentEvent.objects.filter(
                    id__gt=last_event
                ).values_list("incident__number", "kind", "reason", "data", "notified", "to_status")
            ),
            "notifications": sorted(
                Notification.objects.filter(id__gt=last_note).values_list(
                    "recipient__username", "event", "subject", "body", "incident_number"
                )
            ),
            "incidents": sorted(
                Incident.objects.values_list("number", "escalation_level", "version")
            ),
            "clocks": sorted(
                (pk, json.dumps(fired), state)
                for pk, fired, state in SlaClock.objects.values_list("id", "fired", "state")
            ),
            "webhooks": sorted(
                json.dumps(
                    {
                        **payload,
                        "incident": {**payload["incident"], "updated_at": None},
                        "change": {**payload["change"], "at": None},
                    },
                    sort_keys=True,
                )
                for payload in WebhookDelivery.objects.filter(id__gt=last_delivery).values_list(
                    "payload", flat=True
                )
            ),
        }
        transaction.set_rollback(True)
    return effects


@pytest.mark.django_db
def test_a_batch_does_what_the_crossings_do_one_by_one(world, sla_demo, clock, monkeypatch):
    """The incidents' batch handler against their one-crossing handler, on one mixed batch:
    new incidents (response 75/100/150 %, desk OLA), an incident in another section (OLA
    accept), a major incident (update reminders), one escalated by hand beforehand; with a
    webhook subscription, whose payloads show each escalation's own level and version."""
    WebhookSubscription.objects.create(name="all", url="http://127.0.0.1:1/", events=[])
    for _ in range(3):
        world.incident()
    world.assigned()
    world.incident(impact=1, urgency=1)
    manual = world.in_progress()
    services.incident_escalate(incident=manual, by=world.tech, reason="VIP 投诉", level=2)
    clock(2026, 11, 25, 17, 0)
    batch = _effects_of_a_tick()
    monkeypatch.setattr(handlers, "_batch_threshold_handlers", {})
    one_by_one = _effects_of_a_tick()
    assert batch == one_by_one
    assert batch["fired"] > 10
    assert {kind for _, kind, *_ in batch["events"]} == {EventKind.ESCALATED}
    levels = [json.loads(p)["change"]["data"]["level"] for p in batch["webhooks"]]
    assert sorted(levels) == sorted(json.loads(data)["level"] for *_, data, _, _ in batch["events"])
    assert len({json.loads(p)["incident"]["version"] for p in batch["webhooks"]}) > 1
    assert {event for _, event, *_ in batch["notifications"]} >= {
        "incident.escalated",
        "sla.warning",
        "sla.breached",
    }


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_for_4_or_12_incidents(world, sla_demo, clock):
    incidents = [world.incident() for _ in range(12)]
    clock(2026, 11, 23, 10, 31)  # 75 % of each response target and the desk's OLA

    def tick_with_due(n):
        with transaction.atomic():
            SlaClock.objects.filter(incident__in=incidents[n:]).update(
                next_check_at=F("next_check_at") + timedelta(days=30)
            )
            with CaptureQueriesContext(connection) as ctx:
                result = sla_tick()
            transaction.set_rollback(True)
        return result.fired, len(ctx.captured_queries)

    (fired_few, queries_few), (fired_many, queries_many) = tick_with_due(4), tick_with_due(12)
    assert (fired_few, fired_many) == (4 * 2, 12 * 2)
    assert queries_few == queries_many


@pytest.mark.django_db
def test_paused_clocks_are_not_ticked(world, sla_demo, clock):
    incident = world.in_progress()
    services.incident_suspend(
        incident=incident, by=world.tech, reason=world.reason, resume_at=sh(2026, 11, 25, 9, 0)
    )
    clock(2026, 11, 30, 9, 0)
    sla_tick()
    assert clock_of(incident, Target.RESOLUTION).fired == []


@pytest.mark.django_db
def test_a_failing_handler_is_logged_and_the_threshold_stays_fired(
    world, sla_demo, clock, extra_handler, caplog
):
    doomed = world.incident()
    fine = world.incident()

    def fail_for_doomed(crossing):
        if crossing.incident_id == doomed.pk and crossing.target == Target.RESPONSE:
            # Writes made before the failure are rolled back with its savepoint.
            Incident.objects.filter(pk=doomed.pk).update(title="half-done")
            raise RuntimeError("the incident is closed")

    extra_handler(fail_for_doomed)
    clock(2026, 11, 23, 10, 31)
    result = sla_tick()
    assert result.handler_errors == 1
    doomed_clock = clock_of(doomed, Target.RESPONSE)
    assert doomed_clock.fired == [75]
    assert "the incident is closed" in doomed_clock.last_error
    assert Incident.objects.get(pk=doomed.pk).title != "half-done"
    # The incidents' own handler still escalated both (its savepoint is separate).
    assert [lvl for *_, lvl in escalations(fine)] == [1]
    assert [lvl for *_, lvl in escalations(doomed)] == [1]
    assert "SLA threshold handler failed" in caplog.text
    # Not stuck: the next tick does not try again.
    assert sla_tick().fired == 0


@pytest.mark.django_db
@pytest.mark.parametrize("batch", [False, True], ids=["one crossing", "a batch"])
def test_a_handler_on_a_closed_incident_does_nothing(world, sla_demo, batch):
    from incidents.sla_handlers import on_threshold, on_thresholds
    from sla.handlers import ThresholdCrossing

    incident = world.closed()
    before = Notification.objects.count()
    crossing = ThresholdCrossing(
        clock_id=0,
        incident_id=incident.pk,
        segment_id=None,
        target="resolution",
        percent=100,
        escalation_level=2,
        breached=True,
        notify=frozenset({"incident_manager"}),
    )
    if batch:
        on_thresholds([crossing])
    else:
        on_threshold(crossing)
    assert escalations(incident) == []
    assert Notification.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_a_transient_database_error_rolls_the_batch_back_for_a_retry(
    world, sla_demo, clock, extra_handler
):
    incident = world.incident()
    calls = []

    def flaky(crossing):
        calls.append(crossing.percent)
        if len(calls) == 1:
            raise OperationalError("deadlock detected")

    extra_handler(flaky)
    clock(2026, 11, 23, 10, 31)
    with pytest.raises(OperationalError):
        sla_tick()
    assert clock_of(incident, Target.RESPONSE).fired == []
    assert escalations(incident) == []  # the incidents handler's escalation rolled back too
    sla_tick()
    assert clock_of(incident, Target.RESPONSE).fired == [75]
    assert [lvl for *_, lvl in escalations(incident)] == [1]


@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_fire_each_threshold_once(world, sla_demo, clock, settings):
    settings.SLA_TICK_BATCH = 7  # many small batches, so that the two interleave
    incidents = [world.incident() for _ in range(40)]
    clock(2026, 11, 23, 11, 1)  # 75 % and 100 % of every response target
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=30)
            results.append(sla_tick())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    # 40 × (75 %, 100 %) response crossings, plus the desk OLA of each incident.
    assert sum(r.fired for r in results) == 40 * 3
    for incident in incidents:
        assert clock_of(incident, Target.RESPONSE).fired == [75, 100]
        assert [lvl for *_, lvl in escalations(incident)] == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_clocks_skipped_while_their_incident_was_busy_are_handled_in_the_same_run(
    world, sla_demo, clock, extra_handler
):
    """A batch comes short because another transaction holds an incident; the run goes on
    and takes that incident's clocks once it is free, instead of leaving them to the next
    beat (with two ticks at once, each could stop on the other's locks)."""
    free, busy = world.incident(), world.incident()
    clock(2026, 11, 23, 11, 1)
    locked, release, released = threading.Event(), threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Incident.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            released.set()
            connection.close()

    def free_the_busy_incident(_crossing):
        release.set()
        released.wait(timeout=30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=30)
    extra_handler(free_the_busy_incident)
    result = sla_tick(batch_size=50)
    holder.join(timeout=30)
    assert result.fired == 2 * 3  # response 75 % and 100 %, the desk OLA: of both
    assert result.batches == 2
    for incident in (free, busy):
        assert clock_of(incident, Target.RESPONSE).fired == [75, 100]
        assert [lvl for *_, lvl in escalations(incident)] == [1, 2]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_ten_thousand_due_clocks_are_all_handled(world, sla_demo, clock, monkeypatch):
    """10,000 clocks come due at once: every one is handled, each threshold once.

    The incidents' handler (an escalation and notifications, a dozen queries each) is
    replaced by a recorder here: this test is about the tick; the escalation path is
    tested above and through the real worker.
    """
    from tests.sla.bulk import clone_incidents_with_clocks

    seen = []
    monkeypatch.setattr(handlers, "_threshold_handlers", [seen.append])
    template = world.in_progress()  # P3, resolution 24 h from Monday 09:00
    ids = clone_incidents_with_clocks(template, 9_999)
    clock(2026, 11, 25, 17, 0)  # past 75 % (18 h) of every resolution target

    result = sla_tick()

    resolution = [c for c in seen if c.target == Target.RESOLUTION]
    assert len(resolution) == 10_000
    assert {c.incident_id for c in resolution} == {template.pk, *ids}
    assert {(c.percent, c.escalation_level) for c in resolution} == {(75, 1)}
    assert result.examined == result.fired == len(seen)
    assert (
        SlaClock.objects.filter(target=Target.RESOLUTION, fired=[75], state=State.RUNNING).count()
        == 10_000
    )
    assert not SlaClock.objects.filter(next_check_at__lte=sh(2026, 11, 25, 17, 0)).exists()
    again = sla_tick()
    assert again.examined == again.fired == 0
    assert len(seen) == result.fired
