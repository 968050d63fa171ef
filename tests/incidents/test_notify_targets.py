"""Who is told of each kind of incident event (docs/notifications.md, "Who is told what").

One test per kind: the people concerned (the owner, the section or the assignee that must
act, the escalation level) and nobody else; never the person who did it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from itsm.models import Membership, Notification

pytestmark = pytest.mark.django_db


def told(incident, event) -> set[str]:
    rows = Notification.objects.filter(incident_number=incident.number, event=event)
    return set(rows.values_list("recipient__username", flat=True))


def test_assigned_tells_the_section_on_duty_not_the_desk(world):
    incident = world.assigned()
    assert told(incident, "incident.assigned") == {"w_net1", "w_net2", "w_netlead"}


def test_assigned_to_a_person_tells_only_that_person(world):
    incident = world.incident()
    services.incident_assign(
        incident=incident, by=world.agent, department=world.network, assignee=world.tech2
    )
    assert told(incident, "incident.assigned") == {"w_net2"}


def test_assigned_to_a_section_nobody_is_on_duty_in_tells_its_leads(world):
    Membership.objects.filter(department=world.network).update(on_duty=False)
    incident = world.assigned()
    assert told(incident, "incident.assigned") == {"w_netlead"}


def test_accepted_tells_the_owner_only(world):
    incident = world.in_progress()
    assert told(incident, "incident.accepted") == {"w_agent"}


def test_accepted_by_the_owner_tells_nobody(world):
    incident = world.incident(by=world.agent)
    services.incident_assign(
        incident=incident, by=world.agent, department=world.desk, assignee=world.agent
    )
    services.incident_accept(incident=incident, by=world.agent)
    assert told(incident, "incident.accepted") == set()


def test_suspended_tells_the_requester_not_the_owner(world):
    incident = world.suspended()
    assert told(incident, "incident.suspended") == {"w_user"}


def test_a_caller_without_an_account_is_reached_through_the_owner(world):
    incident = world.suspended(requester=None)
    assert told(incident, "incident.suspended") == {"w_agent"}


def test_resumed_tells_the_assignee(world):
    incident = world.suspended()
    services.incident_resume(incident=incident, by=None)  # at its resume time
    assert told(incident, "incident.resumed") == {"w_net1"}


def test_resolved_tells_the_requester_who_confirms(world):
    incident = world.resolved()
    assert told(incident, "incident.resolved") == {"w_user"}


def test_reopened_tells_the_assignee_who_must_act_again(world):
    incident = world.resolved()
    services.incident_reopen(incident=incident, by=world.requester, reason="还是不行")
    assert told(incident, "incident.reopened") == {"w_net1"}


def test_closed_tells_the_assignee_not_the_requester_who_closed_it(world):
    incident = world.closed()
    assert told(incident, "incident.closed") == {"w_net1"}


def test_returned_tells_the_leads_it_comes_back_to_and_the_owner(world):
    incident = world.assigned()
    services.incident_return(incident=incident, by=world.tech, reason="不是网络问题")
    # Back at the desk, which has no section lead here: its owner dispatches it again.
    assert told(incident, "incident.returned") == {"w_agent"}
    services.incident_assign(incident=incident, by=world.agent, department=world.systems)
    services.incident_assign(
        incident=incident, by=world.sys_lead, department=world.network, reason="是网络问题"
    )
    services.incident_return(incident=incident, by=world.tech, reason="确实不是")
    assert told(incident, "incident.returned") == {"w_agent", "w_syslead"}


def test_escalation_levels_tell_the_level_and_the_assignee(world):
    incident = world.in_progress()
    services.incident_escalate(incident=incident, by=world.agent, reason="VIP")
    assert told(incident, "incident.escalated") == {"w_netlead", "w_net1"}


def test_major_tells_incident_managers_and_directors_not_the_declarer(world):
    incident = world.incident(impact=1, urgency=1, by=world.incident_manager)
    assert told(incident, "incident.major") == {"w_director"}


def test_a_comment_tells_the_others_concerned_not_its_author(world):
    incident = world.in_progress()
    services.comment_add(incident=incident, by=world.tech, body="已到现场", is_public=True)
    assert told(incident, "incident.commented") == {"w_user", "w_agent"}
    services.comment_add(incident=incident, by=world.tech, body="内部记录", is_public=False)
    rows = Notification.objects.filter(incident_number=incident.number, event="incident.commented")
    assert rows.filter(recipient=world.requester).count() == 1  # the internal note: not them


def test_a_resume_reminder_tells_the_assignee(world, time_machine):
    incident = world.suspended()
    time_machine.move_to(timezone.now() + timedelta(hours=3, minutes=45))
    assert services.incidents_resume_reminders() == 1
    assert told(incident, "incident.resume_reminder") == {"w_net1"}


def test_no_kind_ever_tells_the_whole_desk(world):
    """The whole flow, portal to close: the desk's other people hear nothing of it."""
    incident = world.closed()
    rows = Notification.objects.filter(incident_number=incident.number)
    assert not rows.filter(recipient__in=[world.desk_manager, world.incident_manager]).exists()
