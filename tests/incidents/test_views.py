"""The incident pages: access by role, visibility, every action form, errors, htmx, queries."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from incidents import services
from incidents.actions import ACTIONS as ACTION_SPECS
from incidents.models import Attachment, Comment, Incident, IncidentLink, WorkLog
from incidents.views import STALE_MESSAGE

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def detail_url(incident):
    return reverse("incidents:detail", args=[incident.number])


def act_url(incident, action):
    return reverse("incidents:act", args=[incident.number, action])


def post_action(client, incident, action, data=None, *, version=None, **extra):
    payload = {"version": incident.version if version is None else version}
    payload.update(data or {})
    return client.post(act_url(incident, action), payload, **extra)


def reload(incident):
    return Incident.objects.get(pk=incident.pk)


def local_input(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def zh(text):
    with translation.override("zh-hans"):
        return str(text)


def make_dispute(world, **kwargs):
    """An incident bounced twice: network returns it to the desk, then to the desk again."""
    inc = world.assigned(**kwargs)
    inc = services.incident_return(incident=inc, by=world.tech, reason="不是网络问题")
    inc = services.incident_assign(incident=inc, by=world.agent, department=world.network)
    return services.incident_return(incident=inc, by=world.tech, reason="还是不是网络问题")


# --- whole pages by role ---


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("tech", 200),
        ("lead", 200),
        ("vendor", 200),
        ("incident_manager", 200),
        ("agent", 403),
        ("desk_manager", 403),
        ("requester", 403),
        ("director", 403),
    ],
)
def test_queue_page_by_role(client, world, who, status):
    client.force_login(getattr(world, who))
    response = client.get(reverse("incidents:queue"))
    assert response.status_code == status
    if status == 403:
        assert "403.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("incident_manager", 200),
        ("agent", 403),
        ("desk_manager", 403),
        ("lead", 403),
        ("tech", 403),
        ("requester", 403),
        ("director", 403),
    ],
)
def test_disputes_page_by_role(client, world, who, status):
    client.force_login(getattr(world, who))
    response = client.get(reverse("incidents:disputes"))
    assert response.status_code == status
    if status == 403:
        assert "403.html" in [t.name for t in response.templates]


def test_pages_need_sign_in(client, world):
    inc = world.incident()
    for url in (reverse("incidents:queue"), reverse("incidents:disputes"), detail_url(inc)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response.url


# --- visibility ---


def test_requester_sees_own_incident_but_not_others(client, world):
    inc = world.incident()
    client.force_login(world.requester)
    assert client.get(detail_url(inc)).status_code == 200
    client.force_login(world.other_requester)
    assert client.get(detail_url(inc)).status_code == 404
    assert post_action(client, inc, "comment", {"body": "hi"}).status_code == 404
    assert not Comment.objects.filter(incident=inc).exists()


def test_unknown_incident_is_404(client, world):
    client.force_login(world.agent)
    assert client.get(reverse("incidents:detail", args=["INC-1999-000001"])).status_code == 404


def test_requester_never_sees_internal_comments(client, world):
    inc = world.in_progress()
    services.comment_add(incident=inc, by=world.tech, body="内部：交换机坏了", is_public=False)
    services.comment_add(incident=inc, by=world.tech, body="正在处理", is_public=True)
    client.force_login(world.requester)
    content = client.get(detail_url(inc)).content.decode()
    assert "正在处理" in content
    assert "内部：交换机坏了" not in content
    client.force_login(world.tech)
    assert "内部：交换机坏了" in client.get(detail_url(inc)).content.decode()


def test_requester_does_not_see_why_sections_returned_it(client, world):
    inc = world.assigned()
    services.incident_return(incident=inc, by=world.tech, reason="网络科认为是系统问题")
    client.force_login(world.requester)
    assert "网络科认为是系统问题" not in client.get(detail_url(inc)).content.decode()
    client.force_login(world.agent)
    assert "网络科认为是系统问题" in client.get(detail_url(inc)).content.decode()


def test_vendor_sees_only_its_sections_incidents(client, world):
    ours = world.incident(title="厂商的单")
    ours = services.incident_assign(incident=ours, by=world.agent, department=world.vendor_section)
    other = world.assigned(title="网络的单")
    client.force_login(world.vendor)
    assert client.get(detail_url(ours)).status_code == 200
    assert client.get(detail_url(other)).status_code == 404
    content = client.get(reverse("incidents:queue") + "?tab=open").content.decode()
    assert ours.number in content
    assert other.number not in content


def test_technician_of_another_section_gets_404(client, world):
    inc = world.assigned()
    client.force_login(world.sys_tech)
    assert client.get(detail_url(inc)).status_code == 404


# --- the section queue ---


def test_queue_tabs_and_claim_button(client, world):
    unassigned = world.assigned(title="未分配")
    mine = world.in_progress(title="我的")
    client.force_login(world.tech)
    content = client.get(reverse("incidents:queue")).content.decode()
    assert unassigned.number in content
    assert mine.number not in content
    assert f'data-claim="{unassigned.number}"' in content

    content = client.get(reverse("incidents:queue") + "?tab=mine").content.decode()
    assert mine.number in content
    assert unassigned.number not in content

    content = client.get(reverse("incidents:queue") + "?tab=open").content.decode()
    assert mine.number in content
    assert unassigned.number in content
    assert f'data-claim="{mine.number}"' not in content


def test_queue_is_sorted_by_nearest_deadline(client, world):
    later = world.assigned(title="晚")
    sooner = world.assigned(title="早")
    now = timezone.now()
    # The SLA clocks are not this page's business: set the sort key directly.
    Incident.objects.filter(pk=later.pk).update(next_deadline_at=now + timedelta(hours=5))
    Incident.objects.filter(pk=sooner.pk).update(next_deadline_at=now + timedelta(hours=1))
    client.force_login(world.tech)
    content = client.get(reverse("incidents:queue")).content.decode()
    assert content.index(sooner.number) < content.index(later.number)


def test_queue_filters(client, world):
    high = world.assigned(title="高", impact=1, urgency=2)
    low = world.assigned(title="低", impact=3, urgency=3)
    client.force_login(world.tech)
    high = reload(high)
    content = client.get(
        reverse("incidents:queue"), {"tab": "open", "priority": high.priority}
    ).content.decode()
    assert high.number in content
    assert low.number not in content
    content = client.get(
        reverse("incidents:queue"), {"tab": "open", "status": "in_progress"}
    ).content.decode()
    assert high.number not in content
    # A bad filter value is ignored, not an error.
    assert client.get(reverse("incidents:queue"), {"status": "nonsense"}).status_code == 200


def test_queue_filter_by_parent_category_includes_children(client, world):
    from tests.incidents.factories import CategoryFactory

    parent = CategoryFactory(code="net", default_department=world.network)
    child = CategoryFactory(code="net-wifi", parent=parent, default_department=world.network)
    inc = world.assigned(category=child)
    other = world.assigned()
    client.force_login(world.tech)
    content = client.get(
        reverse("incidents:queue"), {"tab": "open", "category": parent.pk}
    ).content.decode()
    assert inc.number in content
    assert other.number not in content


def test_queue_pagination_has_next_without_count(client, world):
    from itsm import pagination

    for _ in range(pagination.PAGE_SIZE + 2):
        world.assigned()
    client.force_login(world.tech)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("incidents:queue"))
    assert response.status_code == 200
    assert 'rel="next"' in response.content.decode()
    incident_sql = [q["sql"] for q in ctx.captured_queries if '"incidents_incident"' in q["sql"]]
    assert incident_sql
    assert not any("COUNT(" in sql.upper() for sql in incident_sql)
    page2 = client.get(reverse("incidents:queue"), {"page": 2}).content.decode()
    assert 'rel="prev"' in page2
    assert 'rel="next"' not in page2
    assert page2.count("data-incident=") == 2


def test_queue_htmx_answers_the_list_fragment(client, world):
    world.assigned()
    client.force_login(world.tech)
    full = client.get(reverse("incidents:queue"))
    fragment = client.get(reverse("incidents:queue"), **HTMX)
    assert "<html" in full.content.decode()
    body = fragment.content.decode()
    assert "<html" not in body
    assert body.strip().startswith('<div id="queue-list"')


def test_claim_from_the_queue(client, world):
    inc = world.assigned()
    client.force_login(world.tech)
    response = post_action(client, inc, "accept", {"variant": "claim"})
    assert response.status_code == 302
    assert response.url == detail_url(inc)
    inc = reload(inc)
    assert inc.status == "in_progress"
    assert inc.assignee == world.tech


def test_claim_already_taken_answers_409_fragment(client, world):
    inc = world.in_progress()
    client.force_login(world.tech2)
    response = post_action(client, inc, "accept", {"variant": "claim"}, **HTMX)
    assert response.status_code == 409
    body = response.content.decode()
    assert "<html" not in body
    assert f'id="claim-{inc.pk}"' in body
    assert reload(inc).assignee == world.tech


# --- disputes ---


def test_disputes_page_shows_bounce_history_and_settles(client, world):
    inc = make_dispute(world)
    assert inc.in_dispute
    client.force_login(world.incident_manager)
    content = client.get(reverse("incidents:disputes")).content.decode()
    assert inc.number in content
    assert "还是不是网络问题" in content
    assert 'data-bounce-event="returned"' in content

    # The reason is required.
    response = post_action(
        client, inc, "assign", {"variant": "dispute", "department": world.systems.pk}, **HTMX
    )
    assert response.status_code == 400
    assert 'data-field-error="reason"' in response.content.decode()
    assert reload(inc).in_dispute

    response = post_action(
        client,
        inc,
        "assign",
        {
            "variant": "dispute",
            "department": world.systems.pk,
            "reason": "系统科负责",
            "next": reverse("incidents:disputes"),
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("incidents:disputes")
    inc = reload(inc)
    assert not inc.in_dispute
    assert inc.department == world.systems
    assert inc.status == "assigned"


# --- the detail page and its actions ---


def test_detail_offers_the_available_actions(client, world):
    inc = world.incident()
    client.force_login(world.agent)
    content = client.get(detail_url(inc)).content.decode()
    for name in services.available_actions(inc, world.agent):
        assert f'id="action-{name}"' in content
    assert 'id="action-accept"' not in content
    assert 'id="action-priority"' not in content  # only the incident manager overrides
    client.force_login(world.incident_manager)
    assert 'id="action-priority"' in client.get(detail_url(inc)).content.decode()


def test_detail_shows_history_segments_and_deadline(client, world):
    inc = world.in_progress()
    client.force_login(world.lead)
    content = client.get(detail_url(inc)).content.decode()
    assert 'data-event="created"' in content
    assert 'data-event="accepted"' in content
    assert 'data-segment="network"' in content
    assert 'data-segment="servicedesk"' in content
    # The requester sees neither segments nor work logs.
    client.force_login(world.requester)
    content = client.get(detail_url(inc)).content.decode()
    assert 'id="segments"' not in content
    assert 'id="worklogs"' not in content


def test_assign_dispatches_to_a_section(client, world):
    inc = world.incident()
    client.force_login(world.agent)
    response = post_action(client, inc, "assign", {"department": world.network.pk})
    assert response.status_code == 302
    inc = reload(inc)
    assert inc.status == "assigned"
    assert inc.department == world.network
    follow = client.get(response.url)
    assert [m.level_tag for m in follow.context["messages"]] == ["success"]


def test_assign_with_bad_input_changes_nothing(client, world):
    inc = world.incident()
    client.force_login(world.agent)
    response = post_action(client, inc, "assign", {"department": ""})
    assert response.status_code == 400
    assert 'data-field-error="department"' in response.content.decode()
    # The service's own check lands on its field too.
    response = post_action(
        client, inc, "assign", {"department": world.network.pk, "assignee": world.sys_tech.pk}
    )
    assert response.status_code == 400
    assert 'data-field-error="assignee"' in response.content.decode()
    assert reload(inc).status == "new"


def test_accept(client, world):
    inc = world.assigned()
    client.force_login(world.tech2)
    assert post_action(client, inc, "accept").status_code == 302
    inc = reload(inc)
    assert inc.status == "in_progress"
    assert inc.assignee == world.tech2


def test_return_needs_a_reason(client, world):
    inc = world.assigned()
    client.force_login(world.tech)
    response = post_action(client, inc, "return", {"reason": " "})
    assert response.status_code == 400
    assert reload(inc).department == world.network
    assert post_action(client, inc, "return", {"reason": "是系统问题"}).status_code == 302
    inc = reload(inc)
    assert inc.department == world.desk
    assert inc.bounce_count == 1


def test_suspend_and_resume(client, world):
    inc = world.in_progress()
    client.force_login(world.tech)
    past = local_input(timezone.now() - timedelta(hours=1))
    response = post_action(client, inc, "suspend", {"reason": world.reason.pk, "resume_at": past})
    assert response.status_code == 400
    assert 'data-field-error="resume_at"' in response.content.decode()
    assert reload(inc).status == "in_progress"

    future = local_input(timezone.now() + timedelta(hours=4))
    response = post_action(
        client, inc, "suspend", {"reason": world.reason.pk, "resume_at": future, "note": "等用户"}
    )
    assert response.status_code == 302
    inc = reload(inc)
    assert inc.status == "suspended"
    assert inc.suspend_reason == world.reason
    assert timezone.localtime(inc.resume_at).strftime("%Y-%m-%dT%H:%M") == future

    assert post_action(client, inc, "resume").status_code == 302
    assert reload(inc).status == "in_progress"


def test_escalate(client, world):
    inc = world.incident()
    client.force_login(world.agent)
    assert post_action(client, inc, "escalate", {"level": "1"}).status_code == 400
    assert reload(inc).escalation_level == 0
    response = post_action(client, inc, "escalate", {"level": "2", "reason": "VIP 用户"})
    assert response.status_code == 302
    assert reload(inc).escalation_level == 2


def test_resolve(client, world):
    inc = world.in_progress()
    client.force_login(world.tech)
    response = post_action(client, inc, "resolve", {"code": world.code.pk, "resolution": ""})
    assert response.status_code == 400
    assert 'data-field-error="resolution"' in response.content.decode()
    assert reload(inc).status == "in_progress"
    response = post_action(
        client,
        inc,
        "resolve",
        {"code": world.code.pk, "resolution": "更换网线", "knowledge_ref": "KB-12"},
    )
    assert response.status_code == 302
    inc = reload(inc)
    assert inc.status == "resolved"
    assert inc.knowledge_ref == "KB-12"


def test_requester_rejects_a_resolution(client, world):
    inc = world.resolved()
    client.force_login(world.requester)
    content = client.get(detail_url(inc)).content.decode()
    assert zh(ACTION_SPECS["reopen"].label_for(inc, world.requester)) in content
    assert post_action(client, inc, "reopen", {"reason": ""}).status_code == 400
    assert reload(inc).status == "resolved"
    assert post_action(client, inc, "reopen", {"reason": "还是上不了网"}).status_code == 302
    inc = reload(inc)
    assert inc.status == "in_progress"
    assert inc.reopen_count == 1


def test_requester_confirms_a_resolution_with_a_rating(client, world):
    inc = world.resolved()
    client.force_login(world.requester)
    content = client.get(detail_url(inc)).content.decode()
    assert 'name="closing_category"' not in content  # the desk's business, not theirs
    assert post_action(client, inc, "close", {"satisfaction": "9"}).status_code == 400
    assert reload(inc).status == "resolved"
    response = post_action(
        client, inc, "close", {"satisfaction": "5", "satisfaction_comment": "快"}
    )
    assert response.status_code == 302
    inc = reload(inc)
    assert inc.status == "closed"
    assert inc.close_method == "requester"
    assert inc.satisfaction == 5


def test_desk_closes_after_call_back(client, world):
    inc = world.resolved()
    client.force_login(world.agent)
    response = post_action(client, inc, "close", {"closing_category": world.category.pk})
    assert response.status_code == 302
    inc = reload(inc)
    assert inc.status == "closed"
    assert inc.close_method == "callback"


def test_cancel(client, world):
    inc = world.incident()
    client.force_login(world.requester)
    assert post_action(client, inc, "cancel", {"reason": ""}).status_code == 400
    assert reload(inc).status == "new"
    assert post_action(client, inc, "cancel", {"reason": "自己好了"}).status_code == 302
    assert reload(inc).status == "cancelled"


def test_override_priority_is_for_the_incident_manager(client, world):
    inc = world.incident(impact=3, urgency=3)
    client.force_login(world.agent)
    response = post_action(client, inc, "priority", {"priority": "P2", "reason": "领导关注"})
    assert response.status_code == 403
    assert reload(inc).priority == inc.priority
    client.force_login(world.incident_manager)
    assert post_action(client, inc, "priority", {"priority": "P2"}).status_code == 400
    response = post_action(client, inc, "priority", {"priority": "P2", "reason": "领导关注"})
    assert response.status_code == 302
    inc = reload(inc)
    assert inc.priority == "P2"
    assert inc.priority_overridden


def test_edit(client, world):
    inc = world.incident()
    client.force_login(world.agent)
    data = {
        "title": "新标题",
        "description": "更多信息",
        "nature": "fault",
        "category": world.category.pk,
        "impact": "2",
        "urgency": "2",
        "contact_email": "not-an-email",
    }
    response = post_action(client, inc, "edit", data)
    assert response.status_code == 400
    assert 'data-field-error="contact_email"' in response.content.decode()
    assert reload(inc).title == "网络中断"
    data["contact_email"] = "a@example.cn"
    assert post_action(client, inc, "edit", data).status_code == 302
    inc = reload(inc)
    assert inc.title == "新标题"
    assert inc.contact_email == "a@example.cn"


def test_requester_cannot_edit(client, world):
    inc = world.incident()
    client.force_login(world.requester)
    assert 'id="action-edit"' not in client.get(detail_url(inc)).content.decode()
    response = post_action(
        client, inc, "edit", {"title": "改", "nature": "fault", "impact": "3", "urgency": "3"}
    )
    assert response.status_code == 403
    assert reload(inc).title == "网络中断"


def test_comments(client, world):
    inc = world.in_progress()
    client.force_login(world.tech)
    assert post_action(client, inc, "comment", {"body": "  "}).status_code == 400
    assert post_action(client, inc, "comment", {"body": "内部备注"}).status_code == 302
    assert (
        post_action(client, inc, "comment", {"body": "请重启", "is_public": "on"}).status_code
        == 302
    )
    assert list(Comment.objects.order_by("id").values_list("body", "is_public")) == [
        ("内部备注", False),
        ("请重启", True),
    ]
    client.force_login(world.requester)
    content = client.get(detail_url(inc)).content.decode()
    assert 'name="is_public"' not in content.split('id="action-comment"')[1].split("</details>")[0]
    # A requester's comment is public even if they try otherwise.
    assert (
        post_action(client, inc, "comment", {"body": "重启了", "is_public": ""}).status_code == 302
    )
    assert Comment.objects.get(body="重启了").is_public


def test_a_section_that_handed_it_on_comments_internally_only(client, world):
    inc = services.incident_assign(
        incident=world.in_progress(), by=world.lead, department=world.systems, reason="系统问题"
    )
    client.force_login(world.tech)
    content = client.get(detail_url(inc)).content.decode()
    form = content.split('id="action-comment"')[1].split("</details>")[0]
    assert 'name="body"' in form
    assert 'name="is_public"' not in form
    assert post_action(client, inc, "comment", {"body": "交换机已查过"}).status_code == 302
    response = post_action(client, inc, "comment", {"body": "请重启", "is_public": "on"})
    assert response.status_code == 302  # the page offers no public choice: internal
    assert list(Comment.objects.order_by("id").values_list("body", "is_public")) == [
        ("交换机已查过", False),
        ("请重启", False),
    ]
    client.force_login(world.sys_tech)
    form = client.get(detail_url(inc)).content.decode().split('id="action-comment"')[1]
    assert 'name="is_public"' in form.split("</details>")[0]


def test_comment_body_is_sanitised(client, world):
    inc = world.in_progress()
    client.force_login(world.requester)
    post_action(client, inc, "comment", {"body": "<script>alert(1)</script><b>ok</b>"})
    content = client.get(detail_url(inc)).content.decode()
    assert "<script>alert(1)" not in content
    assert "<b>ok</b>" in content


def test_worklog(client, world):
    inc = world.in_progress()
    client.force_login(world.tech)
    response = post_action(client, inc, "worklog", {"minutes": "0"})
    assert response.status_code == 400
    assert not WorkLog.objects.exists()
    assert post_action(client, inc, "worklog", {"minutes": "30", "note": "排查"}).status_code == 302
    assert WorkLog.objects.get().minutes == 30


def test_link(client, world):
    inc = world.incident()
    other = world.incident(title="同一故障")
    client.force_login(world.agent)
    response = post_action(client, inc, "link", {"other": "INC-1999-999999", "kind": "related"})
    assert response.status_code == 400
    assert 'data-field-error="other"' in response.content.decode()
    response = post_action(client, inc, "link", {"other": other.number, "kind": "duplicate_of"})
    assert response.status_code == 302
    assert IncidentLink.objects.filter(from_incident=inc, to_incident=other).exists()
    assert other.number in client.get(detail_url(inc)).content.decode()


# --- attachments ---


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, inc, name="log.txt", content=b"line 1\n", content_type="text/plain", **data):
    file = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(act_url(inc, "attach"), {"file": file, **data})


def test_attachment_upload_and_download_permissions(client, world, media_root):
    inc = world.in_progress()
    client.force_login(world.requester)
    assert upload(client, inc, name="截图.txt").status_code == 302
    attachment = Attachment.objects.get()
    url = reverse("incidents:attachment", args=[inc.number, attachment.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E6%88%AA%E5%9B%BE.txt" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"line 1\n"

    client.force_login(world.tech)
    assert client.get(url).status_code == 200
    client.force_login(world.other_requester)
    assert client.get(url).status_code == 404
    client.force_login(world.sys_tech)
    assert client.get(url).status_code == 404
    # Another incident's number with this attachment's id: 404 too.
    other = world.incident(requester=world.other_requester)
    client.force_login(world.other_requester)
    assert (
        client.get(reverse("incidents:attachment", args=[other.number, attachment.pk])).status_code
        == 404
    )


def test_internal_attachment_is_hidden_from_the_requester(client, world, media_root):
    inc = world.in_progress()
    client.force_login(world.tech)
    assert upload(client, inc, name="config.txt").status_code == 302  # unchecked: internal
    attachment = Attachment.objects.get()
    assert not attachment.is_public
    client.force_login(world.requester)
    assert (
        client.get(reverse("incidents:attachment", args=[inc.number, attachment.pk])).status_code
        == 404
    )
    assert "config.txt" not in client.get(detail_url(inc)).content.decode()


def test_requester_history_hides_internal_files_reasons_and_who_was_told(client, world, media_root):
    inc = world.in_progress()
    services.attachment_add(
        incident=inc,
        by=world.tech,
        uploaded_file=SimpleUploadedFile("config.txt", b"x", content_type="text/plain"),
        is_public=False,
    )
    services.incident_escalate(incident=inc, by=world.lead, reason="科长要求加急")
    client.force_login(world.requester)
    content = client.get(detail_url(inc)).content.decode()
    assert 'data-event="attached"' not in content
    assert "config.txt" not in content
    assert 'data-event="escalated"' in content
    assert "科长要求加急" not in content
    assert world.lead.username not in content
    client.force_login(world.agent)
    content = client.get(detail_url(inc)).content.decode()
    assert 'data-event="attached"' in content
    assert "科长要求加急" in content


def test_attachment_of_a_refused_type_changes_nothing(client, world, media_root):
    inc = world.in_progress()
    client.force_login(world.tech)
    response = upload(
        client, inc, name="x.exe", content=b"MZ", content_type="application/x-msdownload"
    )
    assert response.status_code == 400
    assert 'data-field-error="file"' in response.content.decode()
    assert not Attachment.objects.exists()


# --- errors: stale, not allowed, forbidden ---


def test_stale_form_answers_412_and_changes_nothing(client, world):
    inc = world.in_progress()
    old_version = inc.version
    services.comment_add(incident=inc, by=world.tech, body="x")  # does not bump the version
    services.incident_escalate(incident=inc, by=world.lead, reason="急")  # bumps it
    client.force_login(world.tech)
    data = {"code": world.code.pk, "resolution": "修好了"}
    response = post_action(client, inc, "resolve", data, version=old_version)
    assert response.status_code == 412
    content = response.content.decode()
    assert zh(STALE_MESSAGE) in content
    # The full page shows the current incident and a form the user may resubmit knowingly.
    current = reload(inc)
    assert current.status == "in_progress"
    assert f'name="version" value="{current.version}"' in content

    # With htmx the whole page is shown again in place of the form (tests/incidents/
    # test_countdowns.py has what changed and the lists' compact forms).
    response = post_action(client, inc, "resolve", data, version=old_version, **HTMX)
    assert response.status_code == 412
    assert response["HX-Retarget"] == "#main"
    assert response["HX-Reselect"] == "#main"
    assert zh(STALE_MESSAGE) in response.content.decode()
    assert reload(inc).status == "in_progress"


def test_action_not_possible_in_this_state_answers_409_with_the_allowed_ones(client, world):
    inc = world.in_progress()
    client.force_login(world.agent)
    response = post_action(client, inc, "cancel", {"reason": "重复"})
    assert response.status_code == 409
    content = response.content.decode()
    allowed = services.available_actions(reload(inc), world.agent)
    assert allowed
    for name in allowed:
        assert zh(ACTION_SPECS[name].label) in content
    assert reload(inc).status == "in_progress"


def test_action_forbidden_answers_403(client, world):
    inc = world.in_progress()
    client.force_login(world.tech2)  # same section, not the assignee, not the lead
    response = post_action(client, inc, "resolve", {"code": world.code.pk, "resolution": "x"})
    assert response.status_code == 403
    assert zh(ACTION_SPECS["resolve"].label) in response.content.decode()
    assert reload(inc).status == "in_progress"


def test_unknown_action_is_404(client, world):
    inc = world.incident()
    client.force_login(world.agent)
    assert post_action(client, inc, "explode").status_code == 404


def test_missing_version_is_a_form_error(client, world):
    inc = world.assigned()
    client.force_login(world.tech)
    response = client.post(act_url(inc, "accept"), {})
    assert response.status_code == 400
    assert reload(inc).status == "assigned"


# --- htmx ---


def test_htmx_success_answers_hx_redirect(client, world):
    inc = world.assigned()
    client.force_login(world.tech)
    response = post_action(client, inc, "accept", **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == detail_url(inc)
    assert reload(inc).status == "in_progress"


def test_htmx_error_answers_the_form_fragment(client, world):
    inc = world.in_progress()
    client.force_login(world.tech)
    response = post_action(client, inc, "resolve", {"code": world.code.pk}, **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert "<html" not in body
    assert body.strip().startswith('<details class="card mb-2 action-card" id="action-resolve"')
    assert 'data-field-error="resolution"' in body
    assert "data-form-fragment" in body


def test_without_htmx_an_error_renders_the_whole_page(client, world):
    inc = world.in_progress()
    client.force_login(world.tech)
    response = post_action(client, inc, "resolve", {"code": world.code.pk})
    assert response.status_code == 400
    body = response.content.decode()
    assert "<html" in body
    assert 'id="page-alert"' in body
    assert (
        '<details class="card mb-2 action-card" id="action-resolve" data-action="resolve"'
        " data-form-fragment open>"
    ) in body


# --- query counts ---


def _count_queries(client, url):
    client.get(url)  # warm: the per-process configuration and roles caches are loaded
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("tab", ["unassigned", "mine", "open"])
def test_queue_query_count_does_not_grow_with_rows(
    client, world, django_assert_num_queries, tab, monkeypatch
):
    # The rows' SLA countdowns read calendars and thresholds from itsm.configcache too: on a
    # loaded machine one of the cached values could expire between warming and measuring.
    monkeypatch.setattr("itsm.configcache.TTL", 3600.0)

    def add(n):
        for _ in range(n):
            world.assigned()
            world.in_progress()

    add(3)
    client.force_login(world.tech)
    url = reverse("incidents:queue") + f"?tab={tab}"
    few = _count_queries(client, url)
    add(27)
    client.get(url)  # warm again: cached configuration lives TTL seconds (itsm.configcache)
    with django_assert_num_queries(few):
        client.get(url)


def test_disputes_query_count_does_not_grow_with_rows(client, world, django_assert_num_queries):
    for _ in range(3):
        make_dispute(world)
    client.force_login(world.incident_manager)
    url = reverse("incidents:disputes")
    few = _count_queries(client, url)
    for _ in range(27):
        make_dispute(world)
    client.get(url)  # warm again: cached configuration lives TTL seconds (itsm.configcache)
    with django_assert_num_queries(few):
        response = client.get(url)
    assert response.content.decode().count("data-decide=") == 25
