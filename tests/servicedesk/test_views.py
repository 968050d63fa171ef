"""The desk console and the requester portal: access by role, logging, reporting, queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import services
from incidents.models import Incident

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def log_data(**overrides):
    data = {
        "title": "打印机卡纸",
        "description": "二楼打印机",
        "nature": "fault",
        "source": "phone",
        "category": "",
        "impact": "2",
        "urgency": "3",
        "requester": "",
        "contact_name": "张三",
        "contact_phone": "010-1234",
        "contact_email": "",
        "contact_organisation": "办公室",
        "configuration_item": "PRN-2F",
        "location": "总部",
    }
    data.update(overrides)
    return data


# --- access ---


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("agent", 200),
        ("desk_manager", 200),
        ("incident_manager", 200),
        ("tech", 403),
        ("lead", 403),
        ("vendor", 403),
        ("requester", 403),
        ("director", 403),
    ],
)
def test_console_by_role(client, world, who, status):
    client.force_login(getattr(world, who))
    response = client.get(reverse("servicedesk:console"))
    assert response.status_code == status
    assert client.post(reverse("servicedesk:log"), log_data()).status_code == (
        302 if status == 200 else 403
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("requester", 200), ("agent", 403), ("tech", 403), ("incident_manager", 403)],
)
def test_portal_by_role(client, world, who, status):
    client.force_login(getattr(world, who))
    assert client.get(reverse("servicedesk:portal")).status_code == status
    assert client.get(reverse("servicedesk:report")).status_code == status


def test_pages_need_sign_in(client, world):
    for name in ("servicedesk:console", "servicedesk:portal", "servicedesk:report"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/accounts/login/" in response.url


# --- the desk console ---


def test_console_logs_an_incident(client, world):
    client.force_login(world.agent)
    response = client.post(
        reverse("servicedesk:log"),
        log_data(category=world.category.pk, requester=world.requester.username),
    )
    inc = Incident.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("incidents:detail", args=[inc.number])
    assert inc.title == "打印机卡纸"
    assert inc.source == "phone"
    assert inc.requester == world.requester
    assert inc.owner == world.agent
    assert inc.contact_name == "张三"
    assert inc.contact_phone == "010-1234"
    assert inc.configuration_item == "PRN-2F"
    assert inc.status == "new"
    assert inc.department == world.desk
    assert inc.routed_department == world.network
    follow = client.get(response.url)
    assert inc.number in str(list(follow.context["messages"])[0])


def test_console_bad_input_shows_errors_and_logs_nothing(client, world):
    client.force_login(world.agent)
    response = client.post(
        reverse("servicedesk:log"),
        log_data(title="", requester="nobody-here", impact="7", contact_email="x"),
    )
    assert response.status_code == 400
    content = response.content.decode()
    for name in ("title", "requester", "impact", "contact_email"):
        assert f'data-field-error="{name}"' in content
    assert "<html" in content
    assert not Incident.objects.exists()


def test_console_log_with_htmx(client, world):
    client.force_login(world.agent)
    response = client.post(reverse("servicedesk:log"), log_data(title=""), **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert "<html" not in body
    assert body.startswith('<form method="post" action="/desk/console/log/" id="log-form"')
    assert not Incident.objects.exists()
    response = client.post(reverse("servicedesk:log"), log_data(), **HTMX)
    inc = Incident.objects.get()
    assert response["HX-Redirect"] == reverse("incidents:detail", args=[inc.number])


def test_console_shows_the_desk_queue_with_routed_section_and_dispatches(client, world):
    new = world.incident(title="待派单")
    dispatched = world.assigned(title="已派单")
    resolved = world.resolved(title="待回访")
    client.force_login(world.agent)
    response = client.get(reverse("servicedesk:console"))
    content = response.content.decode()
    queue = content.split('id="desk-queue"')[1].split('id="h-my-open"')[0]
    assert new.number in queue
    assert world.network.name_zh in queue  # the routed section
    assert dispatched.number not in queue
    assert f'data-dispatch="{new.number}"' in queue
    # The row's dispatch form: the incident's version, its routed section chosen, every
    # section but the desk offered.
    row = queue.split(f'id="dispatch-{new.pk}"')[1].split("</form>")[0]
    assert f'name="version" value="{new.version}" id="id_dispatch_{new.pk}_version"' in row
    assert f'<option value="{world.network.pk}" selected>' in row
    assert f'<option value="{world.systems.pk}">' in row
    assert f'<option value="{world.desk.pk}"' not in row
    awaiting = content.split('id="awaiting-list"')[1]
    assert resolved.number in awaiting

    response = client.post(
        reverse("incidents:act", args=[new.number, "assign"]),
        {
            "variant": "dispatch",
            "version": new.version,
            "department": world.network.pk,
            "next": reverse("servicedesk:console"),
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("servicedesk:console")
    new = Incident.objects.get(pk=new.pk)
    assert new.status == "assigned"
    assert new.department == world.network


def test_console_dispatch_errors_answer_the_row_fragment(client, world):
    inc = world.incident()
    client.force_login(world.agent)
    response = client.post(
        reverse("incidents:act", args=[inc.number, "assign"]),
        {"variant": "dispatch", "version": inc.version, "department": ""},
        **HTMX,
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert body.startswith(
        f'<form method="post" action="{reverse("incidents:act", args=[inc.number, "assign"])}"'
        f' id="dispatch-{inc.pk}"'
    )
    # The bound form again: the section select marked invalid, with its options and error.
    assert 'class="form-select form-select-sm is-invalid"' in body
    assert f'<option value="{world.network.pk}">' in body
    assert "data-form-errors" in body
    inc = Incident.objects.get(pk=inc.pk)
    assert inc.status == "new"


def test_console_returned_incident_is_back_in_the_desk_queue(client, world):
    inc = world.assigned()
    inc = services.incident_return(incident=inc, by=world.tech, reason="不是我们的")
    client.force_login(world.agent)
    content = client.get(reverse("servicedesk:console")).content.decode()
    assert inc.number in content.split('id="desk-queue"')[1].split('id="awaiting-list"')[0]


def test_console_list_fragments_for_htmx(client, world):
    world.incident()
    client.force_login(world.agent)
    body = client.get(
        reverse("servicedesk:console"), HTTP_HX_TARGET="desk-queue", **HTMX
    ).content.decode()
    assert body.startswith('<div id="desk-queue"')
    body = client.get(
        reverse("servicedesk:console"), HTTP_HX_TARGET="awaiting-list", **HTMX
    ).content.decode()
    assert body.startswith('<div id="awaiting-list"')


def _count_queries(client, url):
    client.get(url)  # warm: the per-process configuration and roles caches are loaded
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_console_query_count_does_not_grow_with_rows(client, world, django_assert_num_queries):
    def add(n):
        for _ in range(n):
            world.incident()
            world.resolved()

    add(3)
    client.force_login(world.agent)
    url = reverse("servicedesk:console")
    few = _count_queries(client, url)
    add(27)
    client.get(url)  # warm again: cached configuration lives TTL seconds (itsm.configcache)
    with django_assert_num_queries(few):
        response = client.get(url)
    assert response.content.decode().count("data-dispatch=") == 25


# --- the requester portal ---


def test_portal_lists_only_my_requests(client, world):
    mine = world.incident(title="我的电脑")
    theirs = world.incident(title="别人的", requester=world.other_requester)
    client.force_login(world.requester)
    content = client.get(reverse("servicedesk:portal")).content.decode()
    assert mine.number in content
    assert theirs.number not in content


def test_portal_report_a_problem(client, world):
    client.force_login(world.requester)
    data = {
        "title": "无法登录邮箱",
        "description": "提示密码错误",
        "nature": "fault",
        "category": world.category.pk,
        "impact": "3",
        "urgency": "1",
        "contact_phone": "139-0000",
    }
    response = client.post(reverse("servicedesk:report"), data)
    inc = Incident.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("incidents:detail", args=[inc.number])
    assert inc.source == "web"
    assert inc.requester == world.requester
    assert inc.contact_phone == "139-0000"
    assert inc.urgency == 1
    assert inc.status == "new"
    assert inc.number in client.get(reverse("servicedesk:portal")).content.decode()


def test_portal_report_bad_input_creates_nothing(client, world):
    client.force_login(world.requester)
    response = client.post(
        reverse("servicedesk:report"),
        {"title": "", "nature": "fault", "impact": "3", "urgency": "9"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert 'data-field-error="title"' in content
    assert 'data-field-error="urgency"' in content
    assert not Incident.objects.exists()


def test_portal_query_count_does_not_grow_with_rows(client, world, django_assert_num_queries):
    for _ in range(3):
        world.incident()
    client.force_login(world.requester)
    url = reverse("servicedesk:portal")
    few = _count_queries(client, url)
    for _ in range(27):
        world.incident()
    client.get(url)  # warm again: cached configuration lives TTL seconds (itsm.configcache)
    with django_assert_num_queries(few):
        response = client.get(url)
    assert response.content.decode().count("data-incident=") == 25
    assert 'rel="next"' in response.content.decode()


def test_portal_htmx_pagination_fragment(client, world):
    world.incident()
    client.force_login(world.requester)
    body = client.get(
        reverse("servicedesk:portal"), HTTP_HX_TARGET="my-requests", **HTMX
    ).content.decode()
    assert body.startswith('<div id="my-requests">')
