"""Who sees which incidents (the one visibility rule), what comments they read, and how the
queues sort."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from incidents import selectors, services
from incidents.models import Incident
from itsm.roles import Role
from tests.itsm.factories import make_user

pytestmark = pytest.mark.django_db


def visible(user) -> set[int]:
    return set(selectors.incidents_visible_to(user).values_list("pk", flat=True))


@pytest.fixture
def spread(world):
    """One incident in each situation that matters for visibility."""
    new = world.incident()
    at_network = world.in_progress()
    handed_over = services.incident_assign(
        incident=world.in_progress(), by=world.tech, department=world.systems, reason="服务器"
    )
    at_vendor = services.incident_assign(
        incident=world.in_progress(), by=world.tech, department=world.vendor_section, reason="厂商"
    )
    other_requesters = world.incident(requester=world.other_requester)
    return {
        "new": new.pk,
        "at_network": at_network.pk,
        "handed_over": handed_over.pk,
        "at_vendor": at_vendor.pk,
        "other_requesters": other_requesters.pk,
    }


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("requester", {"new", "at_network", "handed_over", "at_vendor"}),
        ("other_requester", {"other_requesters"}),
        # What network holds or held (the vendor's came through network, too).
        ("tech", {"at_network", "handed_over", "at_vendor"}),
        ("lead", {"at_network", "handed_over", "at_vendor"}),
        ("sys_tech", {"handed_over"}),
        ("sys_lead", {"handed_over"}),
        ("vendor", {"at_vendor"}),
        ("director", "all"),
        ("agent", "all"),
        ("desk_manager", "all"),
        ("incident_manager", "all"),
        ("admin", "all"),
    ],
)
def test_each_role_sees_what_it_should(world, spread, role, sees):
    expected = set(spread.values()) if sees == "all" else {spread[name] for name in sees}
    assert visible(getattr(world, role)) == expected


def test_a_requester_sees_only_their_own(world):
    mine = world.incident()
    theirs = world.incident(requester=world.other_requester)
    assert visible(world.requester) == {mine.pk}
    assert visible(world.other_requester) == {theirs.pk}
    assert visible(make_user(Role.REQUESTER, username="w_user3")) == set()


def test_a_technician_keeps_seeing_what_the_section_handed_over(world):
    incident = world.in_progress()
    assert incident.pk in visible(world.tech)
    assert incident.pk not in visible(world.sys_tech)
    services.incident_assign(
        incident=incident, by=world.tech, department=world.systems, reason="服务器"
    )
    assert incident.pk in visible(world.tech)
    assert incident.pk in visible(world.tech2)
    assert incident.pk in visible(world.sys_tech)


def test_a_section_does_not_see_new_incidents_merely_routed_to_it(world):
    incident = world.incident()
    assert incident.routed_department == world.network
    assert incident.pk not in visible(world.tech)
    assert incident.pk not in visible(world.lead)


def test_a_vendor_sees_only_what_is_assigned_to_it_now(world):
    incident = world.in_progress()
    assert incident.pk not in visible(world.vendor)
    incident = services.incident_assign(
        incident=incident, by=world.tech, department=world.vendor_section, reason="厂商"
    )
    assert visible(world.vendor) == {incident.pk}
    incident = services.incident_accept(incident=incident, by=world.vendor)
    incident = services.incident_resolve(
        incident=incident, by=world.vendor, code=world.code, resolution="换板卡"
    )
    assert visible(world.vendor) == {incident.pk}  # resolved: still the vendor's to answer for
    incident = services.incident_reopen(incident=incident, by=world.requester, reason="没好")
    incident = services.incident_assign(
        incident=incident, by=world.vendor, department=world.network, reason="厂商已处理完毕"
    )
    assert visible(world.vendor) == set()


def test_a_vendor_loses_sight_of_a_returned_incident(world):
    incident = services.incident_assign(
        incident=world.in_progress(),
        by=world.tech,
        department=world.vendor_section,
        reason="厂商",
    )
    services.incident_return(incident=incident, by=world.vendor, reason="不是我们的设备")
    assert visible(world.vendor) == set()


def test_a_vendor_does_not_see_closed_work(world):
    incident = services.incident_assign(
        incident=world.in_progress(), by=world.tech, department=world.vendor_section, reason="厂商"
    )
    incident = services.incident_accept(incident=incident, by=world.vendor)
    incident = services.incident_resolve(
        incident=incident, by=world.vendor, code=world.code, resolution="换板卡"
    )
    services.incident_close(incident=incident, by=world.requester)
    assert visible(world.vendor) == set()


@pytest.mark.parametrize("role", ["tech", "agent", "requester", "director", "admin"])
def test_an_inactive_user_sees_nothing(world, role):
    world.in_progress()
    user = getattr(world, role)
    assert visible(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert visible(user) == set()


def test_nobody_signed_in_sees_nothing(world):
    world.incident()
    assert visible(AnonymousUser()) == set()
    assert visible(None) == set()


def test_a_superuser_sees_everything(world):
    incident = world.incident()
    boss = make_user(Role.REQUESTER, username="w_root", is_superuser=True)
    assert incident.pk in visible(boss)


def test_visible_to_restricts_a_given_queryset(world):
    mine = world.incident()
    world.incident(requester=world.other_requester)
    qs = Incident.objects.filter(pk__in=[mine.pk])
    assert list(Incident.objects.visible_to(world.requester)) == [mine]
    assert list(selectors.incidents_visible_to(world.other_requester, qs)) == []


def test_an_external_system_sees_what_it_raised(world):
    raised = world.incident(by=world.system, source="monitoring", requester=None)
    assert raised.pk in visible(world.system)


def test_incident_for_finds_by_number_only_what_the_user_may_see(world):
    incident = world.incident()
    assert selectors.incident_for(world.requester, incident.number) == incident
    with pytest.raises(Incident.DoesNotExist):
        selectors.incident_for(world.other_requester, incident.number)


# --- comments, attachments, events ------------------------------------------------------------


def test_the_requester_never_reads_internal_comments(world):
    incident = world.in_progress()
    internal = services.comment_add(incident=incident, by=world.tech, body="交换机型号老旧")
    public = services.comment_add(
        incident=incident, by=world.tech, body="请重启电脑试试", is_public=True
    )
    own = services.comment_add(incident=incident, by=world.requester, body="重启了也不行")
    assert not internal.is_public
    assert list(selectors.comments_for(world.requester, incident)) == [public, own]
    for role in ("tech", "lead", "agent", "incident_manager", "director"):
        got = list(selectors.comments_for(getattr(world, role), incident))
        assert got == [internal, public, own], role


def test_a_requester_without_the_requester_role_never_reads_internal_comments(world):
    from tests.itsm.factories import UserFactory

    caller = UserFactory(username="w_caller")  # an account without any role
    incident = services.incident_assign(
        incident=world.incident(requester=caller), by=world.agent, department=world.network
    )
    services.comment_add(incident=incident, by=world.tech, body="内部:用户设备老旧")
    public = services.comment_add(incident=incident, by=world.tech, body="请重启", is_public=True)
    assert visible(caller) == {incident.pk}
    assert list(selectors.comments_for(caller, incident)) == [public]


def test_the_requester_does_not_see_internal_comment_events(world):
    incident = world.in_progress()
    services.comment_add(incident=incident, by=world.tech, body="内部记录")
    kinds_for_requester = [e.kind for e in selectors.events_for(world.requester, incident)]
    assert "commented" not in kinds_for_requester
    assert "commented" in [e.kind for e in selectors.events_for(world.tech, incident)]


def test_the_requester_sees_only_public_attachments(world, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    incident = world.in_progress()

    def attach(by, public):
        return services.attachment_add(
            incident=incident,
            by=by,
            uploaded_file=SimpleUploadedFile("a.txt", b"x", content_type="text/plain"),
            is_public=public,
        )

    internal = attach(world.tech, False)
    shared = attach(world.tech, True)
    assert list(selectors.attachments_for(world.requester, incident)) == [shared]
    assert list(selectors.attachments_for(world.tech, incident)) == [internal, shared]


# --- queues -----------------------------------------------------------------------------------


def set_deadline(incident, deadline):
    # The SLA clocks are not what these tests are about: the deadline column is set directly.
    Incident.objects.filter(pk=incident.pk).update(next_deadline_at=deadline)


def test_section_queue_is_open_work_by_nearest_deadline_nulls_last(world):
    now = timezone.now()
    late = world.in_progress()
    soon = world.assigned()
    none = world.assigned()
    sooner = world.suspended()
    world.resolved()  # not in the queue
    world.incident()  # still with the desk
    set_deadline(late, now + timedelta(hours=5))
    set_deadline(soon, now + timedelta(hours=1))
    set_deadline(none, None)
    set_deadline(sooner, now + timedelta(minutes=10))
    assert [i.pk for i in selectors.section_queue(world.tech)] == [
        sooner.pk,
        soon.pk,
        late.pk,
        none.pk,
    ]
    assert [i.pk for i in selectors.section_queue(world.tech, unassigned_only=True)] == [
        soon.pk,
        none.pk,
    ]
    assert list(selectors.section_queue(world.sys_tech)) == []


def test_my_queue_is_the_users_open_work_by_deadline(world):
    now = timezone.now()
    first = world.in_progress()
    second = world.suspended()
    third = world.in_progress()
    world.resolved()
    services.incident_accept(
        incident=services.incident_assign(
            incident=world.incident(), by=world.agent, department=world.network
        ),
        by=world.tech2,
    )
    set_deadline(first, None)
    set_deadline(second, now + timedelta(hours=2))
    set_deadline(third, now + timedelta(hours=1))
    assert [i.pk for i in selectors.my_queue(world.tech)] == [third.pk, second.pk, first.pk]


def test_desk_queue_holds_what_the_desk_has(world):
    now = timezone.now()
    first = world.incident()
    second = world.incident()
    returned = services.incident_return(incident=world.assigned(), by=world.tech, reason="不是网络")
    world.in_progress()
    world.cancelled()
    set_deadline(first, now + timedelta(hours=3))
    set_deadline(second, None)
    set_deadline(returned, now + timedelta(minutes=5))
    assert [i.pk for i in selectors.desk_queue(world.agent)] == [returned.pk, first.pk, second.pk]
    assert [i.pk for i in selectors.desk_queue(world.agent, status="new")] == [first.pk, second.pk]
    # The queue goes through visibility too.
    assert list(selectors.desk_queue(world.other_requester)) == []


def test_dispute_queue_and_awaiting_confirmation(world):
    disputed = services.incident_assign(
        incident=world.in_progress(), by=world.tech, department=world.systems, reason="服务器"
    )
    disputed = services.incident_return(incident=disputed, by=world.sys_tech, reason="不是")
    disputed = services.incident_return(incident=disputed, by=world.tech, reason="也不是")
    assert disputed.in_dispute
    assert list(selectors.dispute_queue(world.incident_manager)) == [disputed]
    resolved = world.resolved()
    assert list(selectors.awaiting_confirmation(world.agent)) == [resolved]
    assert list(selectors.awaiting_confirmation(world.requester)) == [resolved]
    assert list(selectors.awaiting_confirmation(world.other_requester)) == []


def test_queue_query_counts_do_not_grow_with_the_queue(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> tuple[int, int]:
        user = type(world.tech).objects.get(pk=world.tech.pk)  # nothing cached on it
        with CaptureQueriesContext(connection) as queries:
            rows = selectors.with_relations(selectors.section_queue(user))
            for row in rows:
                _ = (row.department, row.assignee, row.owner, row.category, row.requester)
        return len(rows), len(queries)

    world.in_progress()
    count()  # the sections and categories come from the per-process cache: load it
    one = count()
    for _ in range(4):
        world.in_progress()
    five = count()
    assert (one[0], five[0]) == (1, 5)
    # memberships, the incidents, the people: sections and categories are cached
    assert one[1] == five[1] <= 3
