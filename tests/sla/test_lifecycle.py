"""The clock life cycle through the incident services (DESIGN §3): start, response, pause and
resume, resolve, reopen, close and cancel, priority change, OLA per segment."""

from datetime import timedelta

import pytest

from incidents import services
from incidents.models import AssignmentSegment, Incident
from sla.choices import State, Target
from sla.models import SlaClock
from sla.selectors import clocks_for_incident
from tests.sla.conftest import sh

pytestmark = pytest.mark.django_db


def clock_of(incident, target, segment=None) -> SlaClock:
    qs = SlaClock.objects.filter(incident_id=incident.pk, target=target)
    qs = qs.filter(segment=segment) if segment is not None else qs.filter(segment__isnull=True)
    return qs.get()


def refreshed(incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


# --- start ----------------------------------------------------------------------------------


def test_created_starts_response_and_resolution_clocks(world, sla_demo, clock):
    incident = world.incident()  # impact 2 × urgency 2 → P3: 2 h / 24 business hours
    assert incident.priority == "P3"

    response = clock_of(incident, Target.RESPONSE)
    resolution = clock_of(incident, Target.RESOLUTION)
    assert response.policy.code == resolution.policy.code == "p3"
    assert response.state == resolution.state == State.RUNNING
    assert response.started_at == sh(2026, 11, 23, 9, 0)
    assert response.deadline == sh(2026, 11, 23, 11, 0)
    # Monday 7 h, Tuesday 7.5 h, Wednesday 7.5 h, Thursday 2 h from 08:30.
    assert resolution.deadline == sh(2026, 11, 26, 10, 30)
    # The first check is the 75 % threshold: 1.5 business hours.
    assert response.next_check_at == sh(2026, 11, 23, 10, 30)
    assert not SlaClock.objects.filter(incident_id=incident.pk, target=Target.UPDATE).exists()
    assert refreshed(incident).next_deadline_at == sh(2026, 11, 23, 11, 0)


def test_created_outside_working_hours_counts_from_the_next_working_instant(world, sla_demo, clock):
    clock(2026, 11, 21, 10, 0)  # a Saturday
    incident = world.incident()
    assert clock_of(incident, Target.RESPONSE).deadline == sh(2026, 11, 23, 10, 30)


def test_p1_runs_on_24x7_with_an_update_clock(world, sla_demo, clock):
    clock(2026, 11, 21, 22, 0)  # Saturday night: P1 does not wait for Monday
    incident = world.incident(impact=1, urgency=1)
    assert incident.priority == "P1"
    assert clock_of(incident, Target.RESPONSE).deadline == sh(2026, 11, 21, 22, 15)
    assert clock_of(incident, Target.RESOLUTION).deadline == sh(2026, 11, 22, 2, 0)
    update = clock_of(incident, Target.UPDATE)
    assert update.deadline == update.next_check_at == sh(2026, 11, 21, 22, 30)
    # The update reminder is not a commitment: the nearest deadline is the response's.
    assert refreshed(incident).next_deadline_at == sh(2026, 11, 21, 22, 15)


def test_no_policy_no_clocks(world, clock):
    incident = world.incident()
    assert not SlaClock.objects.filter(incident_id=incident.pk).exists()
    assert refreshed(incident).next_deadline_at is None


# --- response -------------------------------------------------------------------------------


def test_accepted_in_time_meets_the_response_target(world, sla_demo, clock):
    incident = world.assigned()
    clock(2026, 11, 23, 10, 59)
    incident = services.incident_accept(incident=incident, by=world.tech)

    response = clock_of(incident, Target.RESPONSE)
    assert response.state == State.MET
    assert response.stopped_at == sh(2026, 11, 23, 10, 59)
    assert response.next_check_at is None
    assert response.breached_at is None
    # The nearest deadline is now the resolution's.
    assert refreshed(incident).next_deadline_at == sh(2026, 11, 26, 10, 30)


def test_accepted_late_breaches_the_response_target(world, sla_demo, clock):
    incident = world.assigned()
    clock(2026, 11, 23, 13, 45)  # 11:00 was the deadline
    services.incident_accept(incident=incident, by=world.tech)

    response = clock_of(incident, Target.RESPONSE)
    assert response.state == State.BREACHED
    assert response.breached_at == sh(2026, 11, 23, 11, 0)
    assert response.anchor_consumed == timedelta(hours=3, minutes=15)


def test_resolved_at_first_contact_answers_both_targets(world, sla_demo, clock):
    incident = world.incident()
    clock(2026, 11, 23, 9, 20)
    incident = services.incident_resolve(
        incident=incident, by=world.agent, code=world.code, resolution="重启解决"
    )
    assert clock_of(incident, Target.RESPONSE).state == State.MET
    assert clock_of(incident, Target.RESOLUTION).state == State.MET
    assert refreshed(incident).next_deadline_at is None


# --- suspend and resume ---------------------------------------------------------------------


def test_suspension_that_stops_the_clock_moves_the_deadline_by_the_paused_business_time(
    world, sla_demo, clock
):
    incident = world.in_progress()
    resolution = clock_of(incident, Target.RESOLUTION)
    assert resolution.deadline == sh(2026, 11, 26, 10, 30)

    clock(2026, 11, 23, 10, 0)
    incident = services.incident_suspend(
        incident=incident, by=world.tech, reason=world.reason, resume_at=sh(2026, 11, 24, 10, 0)
    )
    resolution = clock_of(incident, Target.RESOLUTION)
    assert resolution.state == State.PAUSED
    assert resolution.paused_at == sh(2026, 11, 23, 10, 0)
    assert resolution.next_check_at is None
    assert refreshed(incident).next_deadline_at is None  # nothing runs

    clock(2026, 11, 24, 10, 0)
    incident = services.incident_resume(incident=incident, by=world.tech)
    resolution = clock_of(incident, Target.RESOLUTION)
    assert resolution.state == State.RUNNING
    # Paused: Monday 10:00–12:00 and 13:30–17:30, Tuesday 08:30–10:00 = 7.5 business hours.
    assert resolution.paused_business == timedelta(hours=7, minutes=30)
    # Thursday 10:30 + 7.5 business hours = Friday 10:30.
    assert resolution.deadline == sh(2026, 11, 27, 10, 30)
    assert refreshed(incident).next_deadline_at == sh(2026, 11, 27, 10, 30)


def test_suspension_that_does_not_stop_the_clock_keeps_it_running(world, sla_demo, clock):
    incident = world.in_progress()
    clock(2026, 11, 23, 10, 0)
    incident = services.incident_suspend(
        incident=incident,
        by=world.tech,
        reason=world.vendor_reason,
        resume_at=sh(2026, 11, 24, 10, 0),
    )
    resolution = clock_of(incident, Target.RESOLUTION)
    assert resolution.state == State.RUNNING
    assert resolution.deadline == sh(2026, 11, 26, 10, 30)
    clock(2026, 11, 24, 10, 0)
    services.incident_resume(incident=incident, by=world.tech)
    resolution = clock_of(incident, Target.RESOLUTION)
    assert resolution.deadline == sh(2026, 11, 26, 10, 30)
    assert resolution.paused_business == timedelta(0)


def test_the_current_sections_ola_pauses_with_the_sla(world, sla_demo, clock):
    incident = world.in_progress()
    segment = AssignmentSegment.objects.get(incident=incident, ended_at__isnull=True)
    ola = clock_of(incident, Target.OLA_RESOLVE, segment=segment)
    assert ola.deadline == sh(2026, 11, 24, 9, 30)  # 8 business hours from Monday 09:00

    clock(2026, 11, 23, 10, 0)
    services.incident_suspend(
        incident=incident, by=world.tech, reason=world.reason, resume_at=sh(2026, 11, 23, 16, 0)
    )
    assert clock_of(incident, Target.OLA_RESOLVE, segment=segment).state == State.PAUSED
    clock(2026, 11, 23, 16, 0)
    services.incident_resume(incident=incident, by=world.tech)
    ola = clock_of(incident, Target.OLA_RESOLVE, segment=segment)
    assert ola.state == State.RUNNING
    # Paused 10:00–12:00 and 13:30–16:00: 4.5 business hours after Tuesday 09:30.
    assert ola.deadline == sh(2026, 11, 24, 15, 30)
    segment.refresh_from_db()
    assert segment.ola_resolve_due_at == ola.deadline


# --- resolve, reopen, close, cancel ---------------------------------------------------------


def test_resolve_stops_and_reopen_continues_from_where_it_stopped(world, sla_demo, clock):
    incident = world.in_progress()
    clock(2026, 11, 23, 12, 0)
    incident = services.incident_resolve(
        incident=incident, by=world.tech, code=world.code, resolution="更换网线"
    )
    resolution = clock_of(incident, Target.RESOLUTION)
    assert resolution.state == State.MET
    assert resolution.anchor_consumed == timedelta(hours=3)

    clock(2026, 11, 24, 9, 0)
    incident = services.incident_reopen(incident=incident, by=world.requester, reason="又断了")
    resolution = clock_of(incident, Target.RESOLUTION)
    assert resolution.state == State.RUNNING
    assert resolution.stopped_at is None
    # 3 h used; 21 h left from Tuesday 09:00: Tue 7 h, Wed 7.5 h, Thu 6.5 h → 16:30.
    assert resolution.deadline == sh(2026, 11, 26, 16, 30)
    assert refreshed(incident).next_deadline_at == resolution.deadline


def test_reopen_of_a_breached_resolution_keeps_the_breach(world, sla_demo, clock):
    incident = world.in_progress()
    clock(2026, 11, 27, 9, 0)  # the deadline was Thursday 10:30
    incident = services.incident_resolve(
        incident=incident, by=world.tech, code=world.code, resolution="更换网线"
    )
    assert clock_of(incident, Target.RESOLUTION).state == State.BREACHED
    services.incident_reopen(incident=incident, by=world.requester, reason="又断了")
    resolution = clock_of(incident, Target.RESOLUTION)
    assert resolution.state == State.BREACHED
    assert resolution.stopped_at is None
    assert resolution.is_counting


def test_close_keeps_outcomes_and_cancel_cancels_running_clocks(world, sla_demo, clock):
    closed = world.closed()
    assert {c.state for c in SlaClock.objects.filter(incident_id=closed.pk)} <= {State.MET}
    assert SlaClock.objects.filter(incident_id=closed.pk, stopped_at__isnull=True).count() == 0

    cancelled = world.cancelled()
    states = dict(
        SlaClock.objects.filter(incident_id=cancelled.pk, segment__isnull=True).values_list(
            "target", "state"
        )
    )
    assert states == {Target.RESPONSE: State.CANCELLED, Target.RESOLUTION: State.CANCELLED}
    assert refreshed(cancelled).next_deadline_at is None
    assert not SlaClock.objects.filter(
        incident_id=cancelled.pk, next_check_at__isnull=False
    ).exists()


def test_cancelled_after_the_response_deadline_is_a_breach(world, sla_demo, clock):
    incident = world.incident()
    clock(2026, 11, 23, 14, 0)
    services.incident_cancel(incident=incident, by=world.agent, reason="重复登记")
    assert clock_of(incident, Target.RESPONSE).state == State.BREACHED
    assert clock_of(incident, Target.RESOLUTION).state == State.CANCELLED


# --- priority change --------------------------------------------------------------------------


def test_priority_change_replans_keeping_the_business_time_used(world, sla_demo, clock):
    incident = world.in_progress()  # P3, accepted at 09:00
    clock(2026, 11, 23, 10, 0)
    incident = services.incident_update(
        incident=incident, by=world.agent, changes={"impact": 1}
    )  # 1 × 2 → P2: 30 min / 8 business hours
    assert incident.priority == "P2"
    resolution = clock_of(incident, Target.RESOLUTION)
    assert resolution.policy.code == "p2"
    assert resolution.target_duration == timedelta(hours=8)
    assert resolution.anchor_consumed == timedelta(hours=1)
    # 7 h left from Monday 10:00: Mon 6 h (10–12, 13:30–17:30), Tue 1 h → 09:30.
    assert resolution.deadline == sh(2026, 11, 24, 9, 30)
    # The response was met already: its outcome stays.
    assert clock_of(incident, Target.RESPONSE).state == State.MET
    assert clock_of(incident, Target.RESPONSE).policy.code == "p3"
    assert refreshed(incident).next_deadline_at == sh(2026, 11, 24, 9, 30)


def test_override_to_p1_moves_to_24x7_and_starts_the_update_clock(world, sla_demo, clock):
    incident = world.assigned()
    clock(2026, 11, 23, 9, 10)
    incident = services.incident_override_priority(
        incident=incident, by=world.incident_manager, priority="P1", reason="全关业务中断"
    )
    response = clock_of(incident, Target.RESPONSE)
    assert response.calendar.code == "24x7"
    assert response.deadline == sh(2026, 11, 23, 9, 15)  # 10 min used of 15
    update = clock_of(incident, Target.UPDATE)
    assert update.deadline == sh(2026, 11, 23, 9, 40)
    assert incident.is_major

    incident = services.incident_override_priority(
        incident=incident, by=world.incident_manager, priority="P4", reason="影响已消除"
    )
    assert clock_of(incident, Target.UPDATE).state == State.CANCELLED
    # 10 min used of the 4 business hours of P4: 2 h 50 before lunch, 1 h after.
    assert clock_of(incident, Target.RESPONSE).deadline == sh(2026, 11, 23, 14, 30)

    clock(2026, 11, 23, 9, 20)
    services.incident_override_priority(
        incident=incident, by=world.incident_manager, priority="P1", reason="再次中断"
    )
    update = clock_of(incident, Target.UPDATE)  # the same row, a new interval
    assert update.state == State.RUNNING
    assert update.deadline == sh(2026, 11, 23, 9, 50)


def test_priority_change_keeps_a_breach(world, sla_demo, clock):
    incident = world.incident(impact=1)  # P2: 30 min response
    clock(2026, 11, 23, 10, 0)
    from sla.services import sla_tick

    sla_tick()
    assert clock_of(incident, Target.RESPONSE).state == State.BREACHED
    incident = services.incident_update(incident=incident, by=world.agent, changes={"impact": 3})
    response = clock_of(incident, Target.RESPONSE)
    assert response.state == State.BREACHED
    assert response.target_duration == timedelta(hours=4)


# --- OLA per segment ------------------------------------------------------------------------


def test_ola_clocks_follow_each_segment(world, sla_demo, clock):
    incident = world.incident()
    desk = AssignmentSegment.objects.get(incident=incident)
    desk_ola = clock_of(incident, Target.OLA_RESOLVE, segment=desk)
    assert desk_ola.deadline == sh(2026, 11, 23, 9, 30)  # the desk hands on within 30 min
    assert not SlaClock.objects.filter(segment=desk, target=Target.OLA_ACCEPT).exists()

    clock(2026, 11, 23, 9, 10)
    incident = services.incident_assign(incident=incident, by=world.agent, department=world.network)
    desk.refresh_from_db()
    assert clock_of(incident, Target.OLA_RESOLVE, segment=desk).state == State.MET
    assert desk.ola_met is True

    network = AssignmentSegment.objects.get(incident=incident, ended_at__isnull=True)
    accept = clock_of(incident, Target.OLA_ACCEPT, segment=network)
    assert accept.deadline == sh(2026, 11, 23, 9, 40)
    assert network.ola_accept_due_at == accept.deadline
    assert network.ola_resolve_due_at == sh(2026, 11, 24, 9, 40)

    clock(2026, 11, 23, 10, 0)  # 20 min late
    incident = services.incident_accept(incident=incident, by=world.tech)
    assert clock_of(incident, Target.OLA_ACCEPT, segment=network).state == State.BREACHED

    clock(2026, 11, 23, 11, 0)
    incident = services.incident_assign(
        incident=incident, by=world.tech, department=world.systems, reason="服务器问题"
    )
    network.refresh_from_db()
    assert clock_of(incident, Target.OLA_RESOLVE, segment=network).state == State.MET
    assert network.ola_met is False  # the late acceptance counts against the section
    systems = AssignmentSegment.objects.get(incident=incident, ended_at__isnull=True)
    assert clock_of(incident, Target.OLA_ACCEPT, segment=systems).state == State.RUNNING
    # Three segments, five OLA clocks; the SLA clocks are not touched by hand-overs.
    assert SlaClock.objects.filter(incident_id=incident.pk, segment__isnull=False).count() == 5


def test_reopened_segment_counts_as_accepted(world, sla_demo, clock):
    incident = world.resolved()
    clock(2026, 11, 23, 11, 0)
    incident = services.incident_reopen(incident=incident, by=world.requester, reason="又断了")
    segment = AssignmentSegment.objects.get(incident=incident, ended_at__isnull=True)
    assert clock_of(incident, Target.OLA_ACCEPT, segment=segment).state == State.MET
    assert clock_of(incident, Target.OLA_RESOLVE, segment=segment).state == State.RUNNING


# --- the read selector ----------------------------------------------------------------------


def test_selector_shows_remaining_and_overrun_business_time(world, sla_demo, clock):
    incident = world.assigned()
    clock(2026, 11, 23, 14, 0)  # 3.5 business hours after 09:00
    views = {(v.target, v.department_code): v for v in clocks_for_incident(incident.pk)}
    response = views[(Target.RESPONSE, None)]
    assert response.consumed == timedelta(hours=3, minutes=30)
    assert response.overrun == timedelta(hours=1, minutes=30)
    assert response.remaining == timedelta(0)
    assert response.percent == 175
    resolution = views[(Target.RESOLUTION, None)]
    assert resolution.remaining == timedelta(hours=20, minutes=30)
    assert resolution.overrun == timedelta(0)
    assert (Target.OLA_ACCEPT, "network") in views
    assert [v.target for v in clocks_for_incident(incident.pk)][:2] == ["response", "resolution"]
