"""The services behind the periodic tasks: auto-resume, resume reminders, auto-close and
unaccepted incidents going back to the lead. Time moves with time-machine."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from incidents import services
from incidents.choices import CloseMethod, EventKind, Status
from incidents.models import Incident, IncidentEvent
from itsm.models import Notification
from tests.incidents.factories import SectionPolicyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(time_machine):
    """Time stands still at a fixed working-day moment until the test moves it."""
    start = datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    time_machine.move_to(start, tick=False)
    return time_machine


def reload(incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def events(incident, kind) -> list[IncidentEvent]:
    return list(IncidentEvent.objects.filter(incident=incident, kind=kind))


# --- auto-resume ------------------------------------------------------------------------------


def test_a_suspended_incident_resumes_by_itself_at_its_resume_time(world, clock):
    incident = world.suspended()  # resumes in 4 hours
    version = incident.version

    clock.shift(timedelta(hours=4) - timedelta(seconds=1))
    assert services.incidents_auto_resume() == 0
    assert reload(incident).status == Status.SUSPENDED

    clock.shift(timedelta(seconds=1))
    assert services.incidents_auto_resume() == 1
    incident = reload(incident)
    assert incident.status == Status.IN_PROGRESS
    assert (incident.suspend_reason, incident.resume_at, incident.suspended_at) == (
        None,
        None,
        None,
    )
    assert incident.version == version + 1
    (resumed,) = events(incident, EventKind.RESUMED)
    assert resumed.actor is None
    assert (resumed.from_status, resumed.to_status) == (Status.SUSPENDED, Status.IN_PROGRESS)
    assert resumed.data == {"automatic": True, "suspend_reason": "awaiting_info"}
    assert resumed.at == timezone.now()
    # The assignee, who must act again, hears of it (not the owner: nothing for them to do).
    told = Notification.objects.filter(incident_number=incident.number, event="incident.resumed")
    assert set(told.values_list("recipient_id", flat=True)) == {world.tech.pk}

    # Running again does nothing more.
    assert services.incidents_auto_resume() == 0
    assert len(events(incident, EventKind.RESUMED)) == 1


def test_auto_resume_takes_only_what_is_due(world, clock):
    soon = world.suspended()
    later = world.in_progress()
    services.incident_suspend(
        incident=later,
        by=world.tech,
        reason=world.reason,
        resume_at=timezone.now() + timedelta(days=2),
    )
    clock.shift(timedelta(hours=5))
    assert services.incidents_auto_resume() == 1
    assert reload(soon).status == Status.IN_PROGRESS
    assert reload(later).status == Status.SUSPENDED


def test_auto_resume_skips_an_incident_resumed_by_hand(world, clock):
    incident = world.suspended()
    clock.shift(timedelta(hours=5))
    services.incident_resume(incident=incident, by=world.tech)
    assert services.incidents_auto_resume() == 0
    assert [e.actor for e in events(incident, EventKind.RESUMED)] == [world.tech]


def test_auto_resume_works_in_batches(world, clock):
    incidents = [world.suspended() for _ in range(3)]
    clock.shift(timedelta(hours=5))
    assert services.incidents_auto_resume(batch=2) == 2
    assert services.incidents_auto_resume(batch=2) == 1
    assert {reload(i).status for i in incidents} == {Status.IN_PROGRESS}


# --- resume reminders -------------------------------------------------------------------------


def test_the_assignee_is_reminded_once_before_the_incident_resumes(world, clock, settings):
    assert settings.INCIDENT_RESUME_REMINDER_MINUTES == 30
    incident = world.suspended()  # resumes in 4 hours

    clock.shift(timedelta(hours=3, minutes=29))
    assert services.incidents_resume_reminders() == 0

    clock.shift(timedelta(minutes=1))
    assert services.incidents_resume_reminders() == 1
    incident = reload(incident)
    assert incident.resume_reminded is True
    assert incident.status == Status.SUSPENDED
    (reminder,) = events(incident, EventKind.RESUME_REMINDER)
    assert reminder.actor is None
    assert reminder.notified == [world.tech.username]
    told = Notification.objects.filter(
        incident_number=incident.number, event="incident.resume_reminder"
    )
    assert set(told.values_list("recipient_id", flat=True)) == {world.tech.pk}

    # Once per suspension, however often the task runs.
    clock.shift(timedelta(minutes=10))
    assert services.incidents_resume_reminders() == 0
    assert services.incidents_resume_reminders() == 0
    assert len(events(incident, EventKind.RESUME_REMINDER)) == 1
    assert told.count() == 1


def test_a_new_suspension_gets_a_new_reminder(world, clock):
    incident = world.suspended()
    clock.shift(timedelta(hours=3, minutes=45))
    assert services.incidents_resume_reminders() == 1
    services.incident_resume(incident=incident, by=world.tech)
    services.incident_suspend(
        incident=incident,
        by=world.tech,
        reason=world.reason,
        resume_at=timezone.now() + timedelta(hours=1),
    )
    assert reload(incident).resume_reminded is False
    assert services.incidents_resume_reminders() == 0
    clock.shift(timedelta(minutes=31))
    assert services.incidents_resume_reminders() == 1
    assert len(events(incident, EventKind.RESUME_REMINDER)) == 2


def test_no_reminder_for_an_incident_no_longer_suspended(world, clock):
    incident = world.suspended()
    services.incident_resume(incident=incident, by=world.tech)
    clock.shift(timedelta(hours=3, minutes=45))
    assert services.incidents_resume_reminders() == 0
    assert events(incident, EventKind.RESUME_REMINDER) == []


# --- auto-close -------------------------------------------------------------------------------


def test_a_resolved_incident_closes_by_itself_after_the_waiting_period(world, clock, settings):
    assert settings.INCIDENT_AUTO_CLOSE_DAYS == 3
    incident = world.resolved()

    clock.shift(timedelta(days=3) - timedelta(seconds=1))
    assert services.incidents_auto_close() == 0
    assert reload(incident).status == Status.RESOLVED

    clock.shift(timedelta(seconds=1))
    assert services.incidents_auto_close() == 1
    incident = reload(incident)
    assert incident.status == Status.CLOSED
    assert incident.close_method == CloseMethod.AUTOMATIC
    assert incident.closed_at == timezone.now()
    assert incident.satisfaction is None
    assert incident.closing_category == world.category
    (closed,) = events(incident, EventKind.CLOSED)
    assert closed.actor is None
    assert (closed.from_status, closed.to_status) == (Status.RESOLVED, Status.CLOSED)
    assert closed.data["method"] == CloseMethod.AUTOMATIC

    assert services.incidents_auto_close() == 0
    assert len(events(incident, EventKind.CLOSED)) == 1


def test_auto_close_leaves_answered_and_reopened_incidents_alone(world, clock):
    confirmed = world.resolved()
    reopened = world.resolved()
    waiting = world.resolved()
    services.incident_close(incident=confirmed, by=world.requester, satisfaction=4)
    services.incident_reopen(incident=reopened, by=world.requester, reason="没修好")
    clock.shift(timedelta(days=4))
    assert services.incidents_auto_close() == 1
    assert reload(confirmed).close_method == CloseMethod.REQUESTER
    assert reload(reopened).status == Status.IN_PROGRESS
    assert reload(waiting).close_method == CloseMethod.AUTOMATIC


# --- not accepted in time: back to the lead ---------------------------------------------------


def assigned_to_tech2(world) -> Incident:
    """Assigned inside network to tech2, who does not accept."""
    incident = world.assigned()
    return services.incident_assign(
        incident=incident, by=world.lead, department=world.network, assignee=world.tech2
    )


def test_an_incident_not_accepted_in_time_goes_back_to_the_lead(world, clock):
    SectionPolicyFactory(department=world.network, acceptance_time=timedelta(minutes=30))
    incident = assigned_to_tech2(world)
    version = incident.version

    clock.shift(timedelta(minutes=29, seconds=59))
    assert services.incidents_unaccepted_to_lead() == 0
    assert reload(incident).assignee == world.tech2

    clock.shift(timedelta(seconds=1))
    assert services.incidents_unaccepted_to_lead() == 1
    incident = reload(incident)
    assert incident.status == Status.ASSIGNED
    assert (incident.department, incident.assignee) == (world.network, None)
    assert incident.accept_overdue_notified is True
    assert incident.version == version + 1
    (event,) = events(incident, EventKind.RETURNED_TO_LEAD)
    assert event.actor is None
    assert event.data == {"assignee": world.tech2.username, "department": "network"}
    assert event.notified == [world.lead.username]
    assert Notification.objects.filter(
        incident_number=incident.number, recipient=world.lead, subject__contains=incident.number
    ).exists()

    # Once per assignment.
    clock.shift(timedelta(hours=2))
    assert services.incidents_unaccepted_to_lead() == 0
    assert len(events(incident, EventKind.RETURNED_TO_LEAD)) == 1

    # The lead assigns again: the acceptance time starts over.
    services.incident_assign(
        incident=incident, by=world.lead, department=world.network, assignee=world.tech
    )
    clock.shift(timedelta(minutes=31))
    assert services.incidents_unaccepted_to_lead() == 1
    assert len(events(incident, EventKind.RETURNED_TO_LEAD)) == 2


def test_each_section_has_its_own_acceptance_time(world, clock):
    SectionPolicyFactory(department=world.network, acceptance_time=timedelta(hours=2))
    network = assigned_to_tech2(world)
    systems = services.incident_assign(
        incident=world.incident(), by=world.agent, department=world.systems
    )  # no policy: the default of 30 minutes
    clock.shift(timedelta(minutes=45))
    assert services.incidents_unaccepted_to_lead() == 1
    assert reload(systems).accept_overdue_notified is True
    assert reload(network).accept_overdue_notified is False
    clock.shift(timedelta(hours=1, minutes=15))
    assert services.incidents_unaccepted_to_lead() == 1
    assert reload(network).assignee is None


def test_accepted_incidents_never_go_back_to_the_lead(world, clock):
    SectionPolicyFactory(department=world.network, acceptance_time=timedelta(minutes=30))
    incident = assigned_to_tech2(world)
    services.incident_accept(incident=incident, by=world.tech2)
    clock.shift(timedelta(hours=3))
    assert services.incidents_unaccepted_to_lead() == 0
    assert reload(incident).assignee == world.tech2
    assert events(incident, EventKind.RETURNED_TO_LEAD) == []
