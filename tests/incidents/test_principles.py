"""The principles of DESIGN §2.2 as rules the services (and the database) enforce."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from incidents import services
from incidents.choices import AssignMode, CloseMethod, EventKind, LinkKind, Status
from incidents.exceptions import ActionForbidden, StaleIncident, TransitionNotAllowed
from incidents.models import (
    AppendOnlyError,
    AssignmentSegment,
    Attachment,
    Comment,
    Incident,
    IncidentEvent,
    IncidentLink,
    PriorityMatrixEntry,
    WorkLog,
)
from itsm.models import Membership, Notification
from tests.incidents.factories import CategoryFactory, SectionPolicyFactory

pytestmark = pytest.mark.django_db


def reload(incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def kinds(incident) -> list[str]:
    return list(IncidentEvent.objects.filter(incident=incident).values_list("kind", flat=True))


def last_event(incident) -> IncidentEvent:
    return IncidentEvent.objects.filter(incident=incident).order_by("-id").first()


def state_of(incident) -> dict:
    """What must not move when a call is refused."""
    fresh = reload(incident)
    return {
        "status": fresh.status,
        "version": fresh.version,
        "department": fresh.department_id,
        "assignee": fresh.assignee_id,
        "priority": fresh.priority,
        "in_dispute": fresh.in_dispute,
        "handover_count": fresh.handover_count,
        "bounce_count": fresh.bounce_count,
        "events": fresh.events.count(),
        "segments": fresh.segments.count(),
    }


def handed_to_systems(world) -> Incident:
    """In progress with network, then handed over to systems by the network technician."""
    incident = world.in_progress()
    return services.incident_assign(
        incident=incident, by=world.tech, department=world.systems, reason="是服务器故障"
    )


# --- accountability -----------------------------------------------------------------------


@pytest.mark.parametrize("state", ["incident", "assigned", "in_progress", "suspended"])
def test_database_refuses_an_open_incident_without_a_section(world, state):
    incident = getattr(world, state)()
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(department=None)
    assert reload(incident).department_id is not None


def test_database_lets_a_final_incident_lose_its_section(world):
    incident = world.cancelled()
    Incident.objects.filter(pk=incident.pk).update(department=None)
    assert reload(incident).department_id is None


def test_owner_is_the_agent_who_logged_it_and_stays(world):
    incident = world.in_progress()
    assert incident.owner == world.agent
    incident = services.incident_assign(
        incident=incident, by=world.tech, department=world.systems, reason="服务器"
    )
    assert reload(incident).owner == world.agent


def test_a_requester_logged_incident_is_owned_by_the_desk(world):
    incident = world.incident(by=world.requester, source="web")
    assert incident.owner == world.agent
    assert incident.department == world.desk
    assert incident.routed_department == world.network


# --- priority -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        (1, 1, "P1"),
        (1, 2, "P2"),
        (1, 3, "P3"),
        (2, 1, "P2"),
        (2, 2, "P3"),
        (2, 3, "P4"),
        (3, 1, "P3"),
        (3, 2, "P4"),
        (3, 3, "P4"),
    ],
)
def test_priority_comes_from_the_matrix(world, impact, urgency, priority):
    incident = world.incident(impact=impact, urgency=urgency)
    assert incident.priority == priority
    assert incident.is_major is (priority == "P1")


def test_an_edited_matrix_applies_to_the_next_creation_and_impact_change(world):
    before = world.incident(impact=2, urgency=2)
    assert before.priority == "P3"
    PriorityMatrixEntry.objects.update_or_create(impact=2, urgency=2, defaults={"priority": "P2"})

    assert world.incident(impact=2, urgency=2).priority == "P2"
    # Existing incidents keep theirs until their impact or urgency changes.
    assert reload(before).priority == "P3"
    updated = services.incident_update(incident=before, by=world.agent, changes={"impact": 3})
    assert updated.priority == "P4"
    updated = services.incident_update(incident=before, by=world.agent, changes={"impact": 2})
    assert updated.priority == "P2"
    event = last_event(updated)
    assert event.kind == EventKind.UPDATED
    assert event.data["changes"] == {"impact": [3, 2], "priority": ["P4", "P2"]}


@pytest.mark.parametrize("role", ["agent", "desk_manager", "lead", "tech", "director", "admin"])
def test_only_the_incident_manager_overrides_the_priority(world, role):
    incident = world.in_progress()
    before = state_of(incident)
    with pytest.raises(ActionForbidden):
        services.incident_override_priority(
            incident=incident, by=getattr(world, role), priority="P2", reason="领导关注"
        )
    assert state_of(incident) == before
    assert reload(incident).priority_overridden is False


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_priority_override_needs_a_reason(world, reason):
    incident = world.in_progress()
    before = state_of(incident)
    with pytest.raises(ValidationError) as caught:
        services.incident_override_priority(
            incident=incident, by=world.incident_manager, priority="P2", reason=reason
        )
    assert "reason" in caught.value.message_dict
    assert state_of(incident) == before


def test_a_priority_override_is_recorded_and_sticks(world):
    incident = world.in_progress()
    assert incident.priority == "P3"
    incident = services.incident_override_priority(
        incident=incident, by=world.incident_manager, priority="P2", reason="  VIP 用户  "
    )
    assert (incident.priority, incident.priority_overridden) == ("P2", True)
    event = last_event(incident)
    assert event.kind == EventKind.PRIORITY_CHANGED
    assert event.actor == world.incident_manager
    assert event.reason == "VIP 用户"
    assert event.data["changes"] == {"priority": ["P3", "P2"]}
    assert not incident.is_major
    # Impact changes no longer re-compute an overridden priority.
    incident = services.incident_update(
        incident=incident, by=world.agent, changes={"impact": 3, "urgency": 3}
    )
    assert incident.priority == "P2"


def assert_major_declared(world, incident, by):
    incident = reload(incident)
    assert incident.is_major
    majors = IncidentEvent.objects.filter(incident=incident, kind=EventKind.MAJOR_DECLARED)
    assert majors.count() == 1
    assert majors.get().actor == by
    # The incident managers and directors, but not whoever declared it (they know).
    expected = {world.incident_manager, world.director} - {by}
    assert majors.get().notified == sorted(u.username for u in expected)
    told = Notification.objects.filter(incident_number=incident.number, event="incident.major")
    assert set(told.values_list("recipient_id", flat=True)) == {u.pk for u in expected}


def test_overriding_to_p1_declares_a_major_incident(world):
    incident = world.in_progress()
    services.incident_override_priority(
        incident=incident, by=world.incident_manager, priority="P1", reason="全关区断网"
    )
    assert_major_declared(world, incident, world.incident_manager)
    # Declared once: a second override to P1 does not declare again.
    services.incident_override_priority(
        incident=incident, by=world.incident_manager, priority="P2", reason="影响缩小"
    )
    services.incident_override_priority(
        incident=incident, by=world.incident_manager, priority="P1", reason="再次扩大"
    )
    assert kinds(incident).count(EventKind.MAJOR_DECLARED) == 1


def test_a_p1_at_creation_is_a_major_incident(world):
    incident = world.incident(impact=1, urgency=1)
    assert_major_declared(world, incident, world.agent)


def test_raising_impact_to_p1_declares_a_major_incident(world):
    incident = world.in_progress()
    services.incident_update(incident=incident, by=world.tech, changes={"impact": 1, "urgency": 1})
    assert reload(incident).priority == "P1"
    assert_major_declared(world, incident, world.tech)


def test_a_p1_history_starts_with_its_creation(world):
    incident = world.incident(impact=1, urgency=1)
    assert kinds(incident) == [EventKind.CREATED, EventKind.MAJOR_DECLARED]


# --- assignment, hand-over, return, dispute ---------------------------------------------------


def test_dispatch_from_the_desk_needs_no_reason(world):
    incident = world.incident()
    incident = services.incident_assign(incident=incident, by=world.agent, department=world.network)
    assert (incident.status, incident.department) == (Status.ASSIGNED, world.network)
    assert incident.support_level == "L2"
    assert incident.handover_count == 0
    assert last_event(incident).kind == EventKind.ASSIGNED


@pytest.mark.parametrize("reason", ["", "  "])
def test_a_hand_over_between_sections_needs_a_reason(world, reason):
    incident = world.in_progress()
    before = state_of(incident)
    with pytest.raises(ValidationError) as caught:
        services.incident_assign(
            incident=incident, by=world.tech, department=world.systems, reason=reason
        )
    assert "reason" in caught.value.message_dict
    assert state_of(incident) == before


def test_a_hand_over_is_counted_and_starts_a_segment(world):
    incident = handed_to_systems(world)
    assert (incident.status, incident.department, incident.assignee) == (
        Status.ASSIGNED,
        world.systems,
        None,
    )
    assert (incident.handover_count, incident.bounce_count) == (1, 0)
    event = last_event(incident)
    assert (event.kind, event.actor, event.reason) == (
        EventKind.HANDED_OVER,
        world.tech,
        "是服务器故障",
    )
    assert event.data["from_department"] == "network"
    segments = list(AssignmentSegment.objects.filter(incident=incident).order_by("id"))
    assert [s.department.code for s in segments] == ["servicedesk", "network", "systems"]
    assert [s.end_reason for s in segments] == ["handed_over", "handed_over", ""]
    assert segments[-1].ended_at is None
    assert segments[-1].handover_reason == "是服务器故障"


def test_assigning_inside_the_section_is_not_a_hand_over(world):
    incident = world.assigned()
    incident = services.incident_assign(
        incident=incident, by=world.lead, department=world.network, assignee=world.tech2
    )
    assert incident.handover_count == 0
    assert incident.assignee == world.tech2
    assert AssignmentSegment.objects.get(incident=incident, ended_at__isnull=True).assignee == (
        world.tech2
    )


def test_the_assignee_must_work_in_the_section(world):
    incident = world.assigned()
    before = state_of(incident)
    with pytest.raises(ValidationError):
        services.incident_assign(
            incident=incident, by=world.lead, department=world.network, assignee=world.sys_tech
        )
    assert state_of(incident) == before


def test_a_return_needs_a_reason(world):
    incident = handed_to_systems(world)
    before = state_of(incident)
    with pytest.raises(ValidationError):
        services.incident_return(incident=incident, by=world.sys_tech, reason=" ")
    assert state_of(incident) == before


def test_a_return_goes_back_to_the_section_that_handed_it_over(world):
    incident = handed_to_systems(world)
    incident = services.incident_return(incident=incident, by=world.sys_tech, reason="不是服务器")
    assert (incident.status, incident.department, incident.assignee) == (
        Status.ASSIGNED,
        world.network,
        None,
    )
    assert (incident.handover_count, incident.bounce_count, incident.in_dispute) == (1, 1, False)
    assert incident.support_level == "L2"
    event = last_event(incident)
    assert (event.kind, event.reason, event.data["department"]) == (
        EventKind.RETURNED,
        "不是服务器",
        "network",
    )
    open_segment = AssignmentSegment.objects.get(incident=incident, ended_at__isnull=True)
    assert open_segment.department == world.network
    assert AssignmentSegment.objects.filter(incident=incident, end_reason="returned").count() == 1


def test_a_return_of_a_dispatched_incident_goes_back_to_the_desk(world):
    incident = world.assigned()
    incident = services.incident_return(incident=incident, by=world.tech, reason="应由桌面处理")
    assert incident.department == world.desk
    assert incident.support_level == "L1"
    assert incident.bounce_count == 1
    # The desk holds it again: it dispatches, it cannot "return" it further.
    assert "return" not in services.available_actions(incident, world.agent)
    assert "assign" in services.available_actions(incident, world.agent)


def test_too_many_bounces_go_to_the_incident_manager(world, settings):
    assert settings.INCIDENT_BOUNCE_LIMIT == 2
    incident = handed_to_systems(world)
    incident = services.incident_return(incident=incident, by=world.sys_tech, reason="不是服务器")
    assert not incident.in_dispute
    incident = services.incident_return(incident=incident, by=world.tech, reason="也不是网络")
    assert incident.bounce_count == 2
    assert incident.in_dispute
    assert incident.department == world.systems
    assert kinds(incident)[-2:] == [EventKind.RETURNED, EventKind.DISPUTE]
    dispute = last_event(incident)
    assert dispute.data["bounce_count"] == 2
    assert dispute.notified == [world.incident_manager.username]
    assert Notification.objects.filter(
        incident_number=incident.number, event="incident.dispute", recipient=world.incident_manager
    ).exists()

    # Nobody but the incident manager may move it now.
    for role in ("agent", "desk_manager", "sys_lead", "sys_tech", "lead"):
        assert "assign" not in services.available_actions(incident, getattr(world, role)), role
    before = state_of(incident)
    with pytest.raises(ActionForbidden):
        services.incident_assign(
            incident=incident, by=world.sys_lead, department=world.systems, reason="我们接"
        )
    with pytest.raises(TransitionNotAllowed):
        services.incident_accept(incident=incident, by=world.sys_tech)
    with pytest.raises(TransitionNotAllowed):
        services.incident_return(incident=incident, by=world.sys_tech, reason="再退")
    assert state_of(incident) == before

    # The incident manager decides, with a reason; that settles the dispute.
    with pytest.raises(ValidationError):
        services.incident_assign(
            incident=incident, by=world.incident_manager, department=world.network
        )
    assert state_of(incident) == before
    incident = services.incident_assign(
        incident=incident,
        by=world.incident_manager,
        department=world.network,
        assignee=world.tech,
        reason="裁定:网络科负责",
    )
    assert not incident.in_dispute
    assert (incident.department, incident.assignee) == (world.network, world.tech)
    assert last_event(incident).actor == world.incident_manager
    assert "accept" in services.available_actions(incident, world.tech)


# --- suspend ----------------------------------------------------------------------------------


def test_only_an_incident_in_progress_can_be_suspended(world):
    incident = world.assigned()
    before = state_of(incident)
    with pytest.raises(TransitionNotAllowed):
        services.incident_suspend(
            incident=incident,
            by=world.lead,
            reason=world.reason,
            resume_at=timezone.now() + timedelta(hours=1),
        )
    assert state_of(incident) == before


@pytest.mark.parametrize(
    ("reason", "resume_in", "field"),
    [
        (None, timedelta(hours=1), "reason"),
        ("reason", None, "resume_at"),
        ("reason", timedelta(0), "resume_at"),
        ("reason", -timedelta(hours=1), "resume_at"),
        ("reason", timedelta(days=3, minutes=5), "resume_at"),  # beyond the maximum
    ],
)
def test_a_suspension_needs_a_reason_and_a_resume_time_within_the_maximum(
    world, reason, resume_in, field
):
    incident = world.in_progress()
    before = state_of(incident)
    with pytest.raises(ValidationError) as caught:
        services.incident_suspend(
            incident=incident,
            by=world.tech,
            reason=getattr(world, reason) if reason else None,
            resume_at=timezone.now() + resume_in if resume_in is not None else None,
        )
    assert field in caught.value.message_dict
    assert state_of(incident) == before


def test_a_naive_resume_time_is_refused(world):
    incident = world.in_progress()
    naive = timezone.make_naive(timezone.now() + timedelta(hours=1))
    with pytest.raises(ValidationError):
        services.incident_suspend(
            incident=incident, by=world.tech, reason=world.reason, resume_at=naive
        )


def test_an_inactive_suspend_reason_is_refused(world):
    world.reason.active = False
    world.reason.save()
    incident = world.in_progress()
    with pytest.raises(ValidationError):
        services.incident_suspend(
            incident=incident,
            by=world.tech,
            reason=world.reason,
            resume_at=timezone.now() + timedelta(hours=1),
        )


def test_the_incident_manager_may_suspend_beyond_the_maximum(world):
    incident = world.in_progress()
    resume_at = timezone.now() + timedelta(days=10)
    incident = services.incident_suspend(
        incident=incident, by=world.incident_manager, reason=world.reason, resume_at=resume_at
    )
    assert (incident.status, incident.resume_at) == (Status.SUSPENDED, resume_at)
    event = last_event(incident)
    assert event.kind == EventKind.SUSPENDED
    assert event.data["beyond_maximum"] is True
    assert event.data["stops_clock"] is True


def test_a_provider_side_reason_is_recorded_as_not_stopping_the_clock(world):
    incident = world.in_progress()
    incident = services.incident_suspend(
        incident=incident,
        by=world.tech,
        reason=world.vendor_reason,
        resume_at=timezone.now() + timedelta(hours=2),
        note="等待厂商备件",
    )
    event = last_event(incident)
    assert (event.data["suspend_reason"], event.data["stops_clock"]) == ("awaiting_vendor", False)
    assert event.reason == "等待厂商备件"
    incident = services.incident_resume(incident=incident, by=world.tech)
    assert (incident.status, incident.suspend_reason, incident.resume_at) == (
        Status.IN_PROGRESS,
        None,
        None,
    )


# --- resolution and closure -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "resolution", "field"),
    [
        (None, "重启了交换机", "code"),
        ("code", "", "resolution"),
        ("code", "   ", "resolution"),
        ("code", "<script>alert(1)</script>", "resolution"),  # nothing left after cleaning
    ],
)
def test_resolving_needs_a_code_and_a_description(world, code, resolution, field):
    incident = world.in_progress()
    before = state_of(incident)
    with pytest.raises(ValidationError) as caught:
        services.incident_resolve(
            incident=incident,
            by=world.tech,
            code=getattr(world, code) if code else None,
            resolution=resolution,
        )
    assert field in caught.value.message_dict
    assert state_of(incident) == before


def test_an_inactive_resolution_code_is_refused(world):
    world.code.active = False
    world.code.save()
    incident = world.in_progress()
    with pytest.raises(ValidationError):
        services.incident_resolve(incident=incident, by=world.tech, code=world.code, resolution="x")


def test_the_desk_resolving_a_new_incident_is_a_first_contact_resolution(world):
    incident = world.incident()
    incident = services.incident_resolve(
        incident=incident, by=world.agent, code=world.code, resolution="指导用户重启电脑"
    )
    assert incident.status == Status.RESOLVED
    assert incident.first_contact_resolution is True
    assert (incident.resolved_by, incident.assignee) == (world.agent, world.agent)
    assert incident.resolved_at is not None
    assert last_event(incident).data["first_contact"] is True
    segment = AssignmentSegment.objects.get(incident=incident)
    assert (segment.department, segment.end_reason) == (world.desk, "resolved")


def test_resolving_after_dispatch_is_not_a_first_contact_resolution(world):
    incident = world.resolved()
    assert incident.first_contact_resolution is False
    assert incident.resolved_by == world.tech
    assert incident.resolution_code == world.code


def test_only_a_resolved_incident_can_be_closed(world):
    incident = world.in_progress()
    before = state_of(incident)
    with pytest.raises(TransitionNotAllowed):
        services.incident_close(incident=incident, by=world.requester)
    assert state_of(incident) == before


def test_the_requester_confirms_and_rates(world):
    incident = world.resolved()
    incident = services.incident_close(
        incident=incident, by=world.requester, satisfaction=5, satisfaction_comment="<b>快</b>"
    )
    assert incident.status == Status.CLOSED
    assert incident.close_method == CloseMethod.REQUESTER
    assert (incident.satisfaction, incident.satisfaction_comment) == (5, "<b>快</b>")
    assert incident.closed_at is not None
    assert incident.closing_category == world.category
    event = last_event(incident)
    assert (event.kind, event.actor, event.from_status, event.to_status) == (
        EventKind.CLOSED,
        world.requester,
        Status.RESOLVED,
        Status.CLOSED,
    )
    assert event.data["method"] == CloseMethod.REQUESTER


def test_the_desk_closes_after_a_call_back_with_another_closing_category(world):
    other = CategoryFactory(code="desktop", default_department=world.systems)
    incident = world.resolved()
    incident = services.incident_close(
        incident=incident, by=world.agent, closing_category=other, satisfaction=3
    )
    assert incident.close_method == CloseMethod.CALLBACK
    assert incident.closing_category == other
    assert incident.category == world.category


@pytest.mark.parametrize(
    ("role", "extra", "field"),
    [
        ("requester", {"satisfaction": 0}, "satisfaction"),
        ("requester", {"satisfaction": 6}, "satisfaction"),
        ("agent", {"satisfaction": -1}, "satisfaction"),
        ("agent", {"method": CloseMethod.REQUESTER}, "method"),  # only the requester confirms
        ("agent", {"method": CloseMethod.AUTOMATIC}, "method"),  # only the system
        ("requester", {"method": "whatever"}, "method"),
    ],
)
def test_closing_is_validated(world, role, extra, field):
    incident = world.resolved()
    before = state_of(incident)
    with pytest.raises(ValidationError) as caught:
        services.incident_close(incident=incident, by=getattr(world, role), **extra)
    assert field in caught.value.message_dict
    assert state_of(incident) == before


def upload(name="log.txt", content=b"hello", content_type="text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


READ_ONLY_CALLS = {
    "update": lambda w, inc: services.incident_update(
        incident=inc, by=w.agent, changes={"title": "改标题"}
    ),
    "comment": lambda w, inc: services.comment_add(incident=inc, by=w.agent, body="还有吗"),
    "requester_comment": lambda w, inc: services.comment_add(
        incident=inc, by=w.requester, body="又坏了"
    ),
    "worklog": lambda w, inc: services.worklog_add(incident=inc, by=w.agent, minutes=10),
    "attachment": lambda w, inc: services.attachment_add(
        incident=inc, by=w.agent, uploaded_file=upload()
    ),
    "priority": lambda w, inc: services.incident_override_priority(
        incident=inc, by=w.incident_manager, priority="P1", reason="x"
    ),
    "link": lambda w, inc: services.link_add(
        incident=inc, by=w.agent, other=w.incident(), kind=LinkKind.RELATED
    ),
}


@pytest.mark.parametrize("final", ["closed", "cancelled"])
@pytest.mark.parametrize("call", sorted(READ_ONLY_CALLS))
def test_final_incidents_are_read_only(world, final, call, tmp_path):
    incident = getattr(world, final)()
    before = state_of(incident)
    counts = (Comment.objects.count(), WorkLog.objects.count(), Attachment.objects.count())
    links = IncidentLink.objects.filter(from_incident=incident).count()
    with override_settings(MEDIA_ROOT=tmp_path), pytest.raises(TransitionNotAllowed):
        READ_ONLY_CALLS[call](world, incident)
    assert state_of(incident) == before
    assert (Comment.objects.count(), WorkLog.objects.count(), Attachment.objects.count()) == counts
    assert IncidentLink.objects.filter(from_incident=incident).count() == links
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_closed_incident_can_still_be_followed_by_a_new_one(world):
    old = world.closed()
    new = world.incident(title="又断网了")
    services.link_add(incident=new, by=world.agent, other=old, kind=LinkKind.FOLLOWS)
    assert IncidentLink.objects.filter(from_incident=new, to_incident=old).exists()


# --- reopening --------------------------------------------------------------------------------


def test_reopening_within_the_window_counts(world, settings, time_machine):
    assert settings.INCIDENT_REOPEN_WINDOW_DAYS == 10
    time_machine.move_to(timezone.now(), tick=False)
    incident = world.resolved()
    time_machine.shift(timedelta(days=10) - timedelta(minutes=1))
    incident = services.incident_reopen(incident=incident, by=world.requester, reason="还是不通")
    assert incident.status == Status.IN_PROGRESS
    assert incident.reopen_count == 1
    assert (incident.resolved_at, incident.resolution_code, incident.resolved_by) == (
        None,
        None,
        None,
    )
    assert (incident.department, incident.assignee) == (world.network, world.tech)
    event = last_event(incident)
    assert (event.kind, event.actor, event.reason) == (
        EventKind.REOPENED,
        world.requester,
        "还是不通",
    )
    # The section gets a new segment, already accepted (it knows the incident).
    segment = AssignmentSegment.objects.get(incident=incident, ended_at__isnull=True)
    assert segment.department == world.network
    assert segment.accepted_at is not None

    incident = services.incident_resolve(
        incident=incident, by=world.tech, code=world.code, resolution="换了光模块"
    )
    incident = services.incident_reopen(incident=incident, by=world.agent, reason="回访未解决")
    assert incident.reopen_count == 2


def test_reopening_after_the_window_is_refused(world, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    incident = world.resolved()
    time_machine.shift(timedelta(days=10, minutes=1))
    assert "reopen" not in services.available_actions(incident, world.requester)
    before = state_of(incident)
    with pytest.raises(TransitionNotAllowed) as caught:
        services.incident_reopen(incident=incident, by=world.requester, reason="还是不通")
    assert caught.value.allowed == ["close"]
    assert state_of(incident) == before
    assert reload(incident).reopen_count == 0


def test_reopening_needs_a_reason(world):
    incident = world.resolved()
    before = state_of(incident)
    with pytest.raises(ValidationError):
        services.incident_reopen(incident=incident, by=world.requester, reason="")
    assert state_of(incident) == before


# --- the requester's answer resumes ------------------------------------------------------------


def test_the_requesters_public_comment_resumes_an_incident_awaiting_them(world):
    incident = world.suspended()
    assert incident.suspend_reason.awaits_requester
    comment = services.comment_add(incident=incident, by=world.requester, body="IP 是 10.1.2.3")
    assert comment.is_public
    incident = reload(incident)
    assert incident.status == Status.IN_PROGRESS
    assert (incident.suspend_reason, incident.resume_at) == (None, None)
    assert kinds(incident)[-2:] == [EventKind.COMMENTED, EventKind.RESUMED]
    resumed = last_event(incident)
    assert resumed.actor is None
    assert (resumed.from_status, resumed.to_status) == (Status.SUSPENDED, Status.IN_PROGRESS)
    assert resumed.data["automatic"] is True


def test_a_requester_comment_is_public_even_if_asked_internal(world):
    incident = world.in_progress()
    comment = services.comment_add(
        incident=incident, by=world.requester, body="补充", is_public=False
    )
    assert comment.is_public


@pytest.mark.parametrize("who", ["tech", "agent"])
def test_staff_comments_do_not_resume(world, who):
    incident = world.suspended()
    services.comment_add(
        incident=incident, by=getattr(world, who), body="已联系用户", is_public=True
    )
    assert reload(incident).status == Status.SUSPENDED


def test_a_requester_comment_does_not_resume_a_provider_side_suspension(world):
    incident = world.in_progress()
    services.incident_suspend(
        incident=incident,
        by=world.tech,
        reason=world.vendor_reason,
        resume_at=timezone.now() + timedelta(hours=2),
    )
    services.comment_add(incident=incident, by=world.requester, body="好了吗?")
    assert reload(incident).status == Status.SUSPENDED


def test_other_requesters_cannot_comment(world):
    incident = world.in_progress()
    with pytest.raises(ActionForbidden):
        services.comment_add(incident=incident, by=world.other_requester, body="我也是")
    assert not Comment.objects.filter(incident=incident).exists()


# --- sanitising -------------------------------------------------------------------------------

DIRTY = (
    '<p>三楼<b onclick="steal()">断网</b></p><script>alert("x")</script>'
    '<img src="x" onerror="alert(1)"><a href="javascript:alert(2)">链接</a>'
)


def assert_clean(text: str):
    lowered = text.lower()
    for bad in ("<script", "alert", "onerror", "onclick", "javascript:", "<img", "<a "):
        assert bad not in lowered, (bad, text)
    assert "三楼" in text
    assert "断网" in text


def test_user_text_is_stored_without_scripts_or_handlers(world):
    incident = world.incident(description=DIRTY)
    assert_clean(incident.description)
    assert_clean(reload(incident).description)

    incident = services.incident_update(
        incident=incident, by=world.agent, changes={"description": DIRTY + "更新"}
    )
    assert_clean(reload(incident).description)

    comment = services.comment_add(incident=incident, by=world.agent, body=DIRTY)
    assert_clean(Comment.objects.get(pk=comment.pk).body)

    log = services.worklog_add(incident=incident, by=world.agent, minutes=5, note=DIRTY)
    assert_clean(WorkLog.objects.get(pk=log.pk).note)

    incident = services.incident_resolve(
        incident=incident, by=world.agent, code=world.code, resolution=DIRTY
    )
    assert_clean(reload(incident).resolution)


def test_an_empty_comment_after_cleaning_is_refused(world):
    incident = world.in_progress()
    with pytest.raises(ValidationError):
        services.comment_add(incident=incident, by=world.tech, body="<script>x()</script>")


# --- automatic assignment ---------------------------------------------------------------------


def dispatch(world) -> Incident:
    return services.incident_assign(
        incident=world.incident(), by=world.agent, department=world.network
    )


def test_round_robin_cycles_through_the_members_on_duty(world):
    SectionPolicyFactory(department=world.network, assign_mode=AssignMode.ROUND_ROBIN)
    members = sorted([world.tech, world.tech2, world.lead], key=lambda u: u.pk)
    picked = [dispatch(world).assignee for _ in range(4)]
    assert picked == [*members, members[0]]


def test_members_off_duty_are_never_picked(world):
    SectionPolicyFactory(department=world.network, assign_mode=AssignMode.ROUND_ROBIN)
    Membership.objects.filter(user=world.tech2, department=world.network).update(on_duty=False)
    picked = {dispatch(world).assignee for _ in range(5)}
    assert picked == {world.tech, world.lead}


def test_inactive_members_are_never_picked(world):
    SectionPolicyFactory(department=world.network, assign_mode=AssignMode.LEAST_OPEN)
    world.tech.is_active = False
    world.tech.save()
    picked = {dispatch(world).assignee for _ in range(4)}
    assert world.tech not in picked


def test_least_open_picks_the_least_loaded_member_on_duty(world):
    for _ in range(2):
        services.incident_assign(
            incident=world.incident(), by=world.agent, department=world.network, assignee=world.tech
        )
    services.incident_assign(
        incident=world.incident(), by=world.agent, department=world.network, assignee=world.tech2
    )
    Membership.objects.filter(user=world.lead, department=world.network).update(on_duty=False)
    SectionPolicyFactory(department=world.network, assign_mode=AssignMode.LEAST_OPEN)
    first = dispatch(world)
    assert first.assignee == world.tech2  # 1 open against tech's 2; the lead is off duty
    second = dispatch(world)
    assert second.assignee in {world.tech, world.tech2}  # now 2 each: the lower id wins
    assert second.assignee == min([world.tech, world.tech2], key=lambda u: u.pk)
    # Finished work does not count as load.
    for incident in Incident.objects.filter(assignee=world.tech):
        services.incident_cancel(incident=incident, by=world.agent, reason="重复")
    assert dispatch(world).assignee == world.tech


def test_a_manual_section_leaves_the_incident_in_its_queue(world):
    SectionPolicyFactory(department=world.network, assign_mode=AssignMode.MANUAL)
    assert dispatch(world).assignee is None


def test_naming_an_assignee_overrides_the_automatic_pick(world):
    SectionPolicyFactory(department=world.network, assign_mode=AssignMode.ROUND_ROBIN)
    incident = services.incident_assign(
        incident=world.incident(), by=world.agent, department=world.network, assignee=world.lead
    )
    assert incident.assignee == world.lead


# --- attachments ------------------------------------------------------------------------------


@pytest.fixture
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


def test_an_attachment_within_the_limits_is_stored(world, media):
    incident = world.in_progress()
    attachment = services.attachment_add(
        incident=incident,
        by=world.tech,
        uploaded_file=upload("../../etc/交换机.txt", b"log lines"),
        is_public=False,
    )
    attachment.refresh_from_db()
    assert (attachment.original_name, attachment.size, attachment.content_type) == (
        "交换机.txt",
        9,
        "text/plain",
    )
    assert attachment.is_public is False
    path = media / attachment.file.name
    assert path.read_bytes() == b"log lines"
    assert "交换机" not in attachment.file.name  # random names on disk
    event = last_event(incident)
    assert (event.kind, event.data["attachment"]) == (EventKind.ATTACHED, attachment.pk)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"x" * 11, "text/plain"),  # larger than the limit below
        (b"", "text/plain"),
        (b"MZ\x90\x00", "application/x-msdownload"),
        (b"<html>", "text/html"),
    ],
)
def test_attachments_outside_the_limits_are_refused(world, media, content, content_type):
    incident = world.in_progress()
    before = state_of(incident)
    with override_settings(ATTACHMENT_MAX_BYTES=10), pytest.raises(ValidationError):
        services.attachment_add(
            incident=incident,
            by=world.tech,
            uploaded_file=upload("f.bin", content, content_type),
        )
    assert state_of(incident) == before
    assert not Attachment.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_a_requesters_attachment_is_always_public(world, media):
    incident = world.in_progress()
    attachment = services.attachment_add(
        incident=incident,
        by=world.requester,
        uploaded_file=upload("screen.png", b"\x89PNG....", "image/png"),
        is_public=False,
    )
    assert attachment.is_public is True


def test_an_outsider_cannot_attach(world, media):
    incident = world.in_progress()
    with pytest.raises(ActionForbidden):
        services.attachment_add(incident=incident, by=world.other_requester, uploaded_file=upload())
    with pytest.raises(ActionForbidden):
        services.attachment_add(incident=incident, by=world.vendor, uploaded_file=upload())
    assert not Attachment.objects.exists()


def test_files_of_rolled_back_uploads_are_removed_after_the_grace_period(world, media):
    import os
    import time

    from django.db import transaction

    incident = world.in_progress()
    kept = services.attachment_add(incident=incident, by=world.tech, uploaded_file=upload())

    class Abort(Exception):
        pass

    uploads = []

    def upload_then_fail():
        with transaction.atomic():
            uploads.append(
                services.attachment_add(incident=incident, by=world.tech, uploaded_file=upload())
            )
            raise Abort

    # The upload's transaction rolls back after the file was written: the file stays behind.
    with pytest.raises(Abort):
        upload_then_fail()
    (lost,) = uploads
    lost_path = media / lost.file.name
    assert lost_path.exists()
    assert not Attachment.objects.filter(pk=lost.pk).exists()
    recent_orphan = media / "attachments" / "2026" / "11" / "recent"
    recent_orphan.parent.mkdir(parents=True, exist_ok=True)
    recent_orphan.write_bytes(b"in flight")

    # Within the grace period nothing is touched.
    assert services.attachment_orphans_remove() == 0
    # A day later: the orphan of the rolled-back upload goes; the attached file and the
    # fresh one stay.
    day_ago = time.time() - 25 * 3600
    os.utime(lost_path, (day_ago, day_ago))
    os.utime(media / kept.file.name, (day_ago, day_ago))
    assert services.attachment_orphans_remove() == 1
    assert not lost_path.exists()
    assert (media / kept.file.name).read_bytes() == b"hello"
    assert recent_orphan.exists()


def test_orphan_removal_without_any_attachment_folder(world, media):
    assert services.attachment_orphans_remove() == 0


# --- links ------------------------------------------------------------------------------------


def test_a_duplicate_is_linked_once(world):
    first = world.incident()
    second = world.incident()
    link = services.link_add(
        incident=second, by=world.agent, other=first, kind=LinkKind.DUPLICATE_OF
    )
    assert (link.from_incident, link.to_incident, link.kind) == (
        second,
        first,
        LinkKind.DUPLICATE_OF,
    )
    again = services.link_add(
        incident=second, by=world.agent, other=first, kind=LinkKind.DUPLICATE_OF
    )
    assert again.pk == link.pk
    assert kinds(second).count(EventKind.LINKED) == 1
    assert last_event(second).data == {"kind": "duplicate_of", "to": first.number}


def test_an_incident_cannot_be_linked_to_itself(world):
    incident = world.incident()
    with pytest.raises(ValidationError):
        services.link_add(
            incident=incident, by=world.agent, other=incident, kind=LinkKind.DUPLICATE_OF
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentLink.objects.create(
            from_incident=incident, to_incident=incident, kind="related", created_by=world.agent
        )
    assert not IncidentLink.objects.exists()


def test_unknown_link_kinds_and_outsiders_are_refused(world):
    first, second = world.incident(), world.incident()
    with pytest.raises(ValidationError):
        services.link_add(incident=second, by=world.agent, other=first, kind="parent_of")
    with pytest.raises(ActionForbidden):
        services.link_add(
            incident=second, by=world.requester, other=first, kind=LinkKind.DUPLICATE_OF
        )
    assert not IncidentLink.objects.exists()


# --- history, versions ------------------------------------------------------------------------


def test_events_are_append_only(world):
    incident = world.in_progress()
    event = IncidentEvent.objects.filter(incident=incident).first()
    event.reason = "篡改"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.save(update_fields=["reason"])
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert IncidentEvent.objects.get(pk=event.pk).reason == ""


def test_the_version_moves_with_every_change(world):
    incident = world.incident()
    assert incident.version == 1
    steps = [
        lambda inc: services.incident_assign(
            incident=inc, by=world.agent, department=world.network
        ),
        lambda inc: services.incident_accept(incident=inc, by=world.tech),
        lambda inc: services.incident_update(
            incident=inc, by=world.tech, changes={"title": "三楼交换机故障"}
        ),
        lambda inc: services.incident_override_priority(
            incident=inc, by=world.incident_manager, priority="P2", reason="VIP"
        ),
        lambda inc: services.incident_suspend(
            incident=inc,
            by=world.tech,
            reason=world.reason,
            resume_at=timezone.now() + timedelta(hours=1),
        ),
        lambda inc: services.incident_resume(incident=inc, by=world.tech),
        lambda inc: services.incident_escalate(incident=inc, by=world.lead, reason="慢"),
        lambda inc: services.incident_resolve(
            incident=inc, by=world.tech, code=world.code, resolution="修好了"
        ),
        lambda inc: services.incident_reopen(incident=inc, by=world.requester, reason="没好"),
        lambda inc: services.incident_return(incident=inc, by=world.tech, reason="不是网络"),
    ]
    for number, step in enumerate(steps, start=2):
        incident = step(incident)
        assert incident.version == number
        assert reload(incident).version == number
    # A no-op edit is no change.
    incident = services.incident_update(
        incident=incident, by=world.agent, changes={"title": "三楼交换机故障"}
    )
    assert reload(incident).version == len(steps) + 1


def test_a_stale_version_is_refused_and_changes_nothing(world):
    incident = world.assigned()
    seen = incident.version
    services.incident_assign(
        incident=incident, by=world.lead, department=world.network, assignee=world.tech
    )
    before = state_of(incident)
    with pytest.raises(StaleIncident) as caught:
        services.incident_assign(
            incident=incident,
            by=world.lead,
            department=world.network,
            assignee=world.tech2,
            expected_version=seen,
        )
    assert caught.value.current_version == seen + 1
    with pytest.raises(StaleIncident):
        services.incident_update(
            incident=incident, by=world.lead, changes={"title": "x"}, expected_version=seen
        )
    with pytest.raises(StaleIncident):
        services.incident_act(
            incident=incident, by=world.tech, action="accept", expected_version=seen
        )
    assert state_of(incident) == before
    # With the current version it goes through.
    incident = services.incident_accept(incident=incident, by=world.tech, expected_version=seen + 1)
    assert incident.version == seen + 2


def test_unknown_fields_cannot_be_edited(world):
    incident = world.in_progress()
    before = state_of(incident)
    with pytest.raises(ValidationError):
        services.incident_update(incident=incident, by=world.agent, changes={"status": "closed"})
    with pytest.raises(ActionForbidden):
        services.incident_update(incident=incident, by=world.requester, changes={"title": "x"})
    assert state_of(incident) == before


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1, "30"])
def test_work_logs_are_between_one_minute_and_a_day(world, minutes):
    incident = world.in_progress()
    with pytest.raises(ValidationError):
        services.worklog_add(incident=incident, by=world.tech, minutes=minutes)
    assert not WorkLog.objects.exists()


def test_unknown_actions_are_refused(world):
    with pytest.raises(ValueError, match="unknown action"):
        services.incident_act(incident=world.incident(), by=world.agent, action="delete")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"impact": 5}, "impact"),
        ({"urgency": 0}, "urgency"),
        ({"nature": "gossip"}, "nature"),
        ({"contact_email": "not-an-address"}, "contact_email"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(world, changes, field):
    incident = world.in_progress()
    before = state_of(incident)
    with pytest.raises(ValidationError) as caught:
        services.incident_update(incident=incident, by=world.tech, changes=changes)
    assert field in caught.value.message_dict
    assert state_of(incident) == before


def test_an_inactive_category_is_refused_at_creation(world):
    world.category.active = False
    world.category.save()
    with pytest.raises(ValidationError) as caught:
        world.incident()
    assert "category" in caught.value.message_dict


def test_an_inactive_category_is_refused_on_edit(world):
    retired = CategoryFactory(code="retired", active=False)
    incident = world.in_progress()
    before = state_of(incident)
    with pytest.raises(ValidationError):
        services.incident_update(incident=incident, by=world.tech, changes={"category": retired})
    assert state_of(incident) == before


@pytest.mark.parametrize(
    ("level", "reason", "field"),
    [
        (None, "", "reason"),
        (0, "慢", "level"),
        (4, "慢", "level"),
    ],
)
def test_escalation_needs_a_reason_and_a_higher_level(world, level, reason, field):
    incident = world.in_progress()
    before = state_of(incident)
    with pytest.raises(ValidationError) as caught:
        services.incident_escalate(incident=incident, by=world.lead, level=level, reason=reason)
    assert field in caught.value.message_dict
    assert state_of(incident) == before


def test_escalation_may_skip_levels_and_tells_that_level(world):
    incident = world.in_progress()
    incident = services.incident_escalate(
        incident=incident, by=world.agent, level=3, reason="用户投诉到处长"
    )
    assert incident.escalation_level == 3
    event = last_event(incident)
    assert event.data == {"from_level": 0, "level": 3, "automatic": False}
    assert world.director.username in event.notified
