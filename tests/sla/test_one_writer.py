"""One writer per table: the clock services compute what the incident and its segments should
become and the incidents app writes it; ``sla`` reads, writes and locks no incident table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import services
from incidents.models import AssignmentSegment, Incident
from incidents.services.segments import segment_ola_set
from sla import handlers
from sla import services as sla
from sla.choices import Target
from sla.models import BusinessCalendar, SlaClock
from tests.sla.conftest import sh

pytestmark = pytest.mark.django_db


def incident_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "incidents_" in q["sql"]]


def test_ending_a_segment_returns_its_ola_outcome_and_writes_no_segment(world, sla_demo, clock):
    incident = world.assigned()  # network must accept within 30 min
    segment = AssignmentSegment.objects.get(incident=incident, ended_at__isnull=True)
    clock(2026, 11, 23, 10, 0)  # too late: the acceptance clock ends breached
    with CaptureQueriesContext(connection) as ctx:
        moved = sla.ola_segment_ended(segment=segment, at=sh(2026, 11, 23, 10, 0))
    assert moved.segments == {segment.pk: {"ola_met": False}}
    assert incident_queries(ctx) == []
    segment.refresh_from_db()
    assert segment.ola_met is None

    segment_ola_set(moved, segment=segment)
    assert segment.ola_met is False
    segment.refresh_from_db()
    assert segment.ola_met is False


def test_resuming_returns_the_moved_ola_due_time_for_the_segments_writer(world, sla_demo, clock):
    incident = world.in_progress()
    segment = AssignmentSegment.objects.get(incident=incident, ended_at__isnull=True)
    clock(2026, 11, 23, 10, 0)
    services.incident_suspend(
        incident=incident, by=world.tech, reason=world.reason, resume_at=sh(2026, 11, 23, 16, 0)
    )
    with CaptureQueriesContext(connection) as ctx:
        moved = sla.clocks_resumed(incident=incident, at=sh(2026, 11, 23, 16, 0))
    assert incident_queries(ctx) == []
    ola = SlaClock.objects.get(segment=segment, target=Target.OLA_RESOLVE)
    assert moved.segments == {segment.pk: {"ola_resolve_due_at": ola.deadline}}
    assert (
        moved.deadline
        == SlaClock.objects.get(incident_id=incident.pk, target=Target.RESOLUTION).deadline
    )
    segment.refresh_from_db()
    assert segment.ola_resolve_due_at != ola.deadline  # sla wrote only its clocks

    segment_ola_set(moved)  # a segment not in memory: written by id
    segment.refresh_from_db()
    assert segment.ola_resolve_due_at == ola.deadline


def test_starting_a_segment_returns_its_due_times(world, sla_demo, clock):
    incident = world.incident()
    AssignmentSegment.objects.filter(incident=incident).update(ended_at=sh(2026, 11, 23, 9, 0))
    segment = AssignmentSegment.objects.create(
        incident=incident, department=world.network, started_at=sh(2026, 11, 23, 9, 0)
    )
    with CaptureQueriesContext(connection) as ctx:
        moved = sla.ola_segment_started(segment=segment, at=sh(2026, 11, 23, 9, 0))
    assert incident_queries(ctx) == []
    assert moved.segments == {
        segment.pk: {
            "ola_accept_due_at": sh(2026, 11, 23, 9, 30),
            "ola_resolve_due_at": sh(2026, 11, 24, 9, 30),
        }
    }
    segment_ola_set(moved, segment=segment)
    segment.refresh_from_db()
    assert (segment.ola_accept_due_at, segment.ola_resolve_due_at) == (
        sh(2026, 11, 23, 9, 30),
        sh(2026, 11, 24, 9, 30),
    )


def test_a_replan_reaches_incidents_only_through_the_replan_handler(
    world, sla_demo, clock, monkeypatch
):
    incident = world.incident()
    loaded = Incident.objects.select_related("category").get(pk=incident.pk)
    returned = []

    def handler(incident_id, replan):
        returned.append(replan(loaded if incident_id == loaded.pk else None))

    monkeypatch.setattr(handlers, "_replan_handlers", [handler])
    calendar = BusinessCalendar.objects.get(code="standard")
    calendar.always_open = True  # every hour counts now: the deadlines come nearer
    calendar.save()
    sla.calendar_touch(calendar=calendar)
    with CaptureQueriesContext(connection) as ctx:
        moved = sla.clocks_replan(calendars=[calendar])
    assert incident_queries(ctx) == []
    assert {m.incident_number for m in moved} == {incident.number}
    response = SlaClock.objects.get(incident_id=incident.pk, target=Target.RESPONSE)
    assert response.deadline == sh(2026, 11, 23, 11, 0)
    [result] = returned
    assert result.deadline == response.deadline
    segment = AssignmentSegment.objects.get(incident=incident)
    desk_ola = SlaClock.objects.get(segment=segment, target=Target.OLA_RESOLVE)
    assert result.segments.get(segment.pk, {}).get("ola_resolve_due_at", desk_ola.deadline) == (
        desk_ola.deadline
    )
    # The handler here wrote nothing, and sla did not either.
    assert Incident.objects.get(pk=incident.pk).next_deadline_at == incident.next_deadline_at


def test_a_tick_with_a_recording_handler_touches_no_incident_table(
    world, sla_demo, clock, monkeypatch
):
    world.incident()
    seen = []
    monkeypatch.setattr(handlers, "_threshold_handlers", [seen.append])
    clock(2026, 11, 23, 10, 31)
    with CaptureQueriesContext(connection) as ctx:
        assert sla.sla_tick().fired == 2
    assert len(seen) == 2
    assert incident_queries(ctx) == []
