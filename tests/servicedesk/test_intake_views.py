"""The intake pages: the log form's first-contact resolution, the live hints of the log and
report forms, the hints' one-click actions, the portal's file; who may use each, and their
queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents.models import Attachment, Comment, Incident, IncidentLink
from tests.servicedesk.test_views import HTMX, log_data

pytestmark = pytest.mark.django_db

CONSOLE_ONLY = ("servicedesk:log_hints", "servicedesk:log_duplicate", "servicedesk:log_add_to")
PORTAL_ONLY = ("servicedesk:report_hints", "servicedesk:report_add_to")


@pytest.mark.parametrize(
    ("who", "console", "portal"),
    [
        ("agent", True, False),
        ("desk_manager", True, False),
        ("incident_manager", True, False),
        ("tech", False, False),
        ("lead", False, False),
        ("vendor", False, False),
        ("director", False, False),
        ("requester", False, True),
    ],
)
def test_who_may_use_the_intake_endpoints(client, world, who, console, portal):
    client.force_login(getattr(world, who))
    for name in CONSOLE_ONLY + PORTAL_ONLY:
        allowed = console if name in CONSOLE_ONLY else portal
        method = client.get if name.endswith("hints") else client.post
        response = method(reverse(name))
        if allowed:
            assert response.status_code in (200, 400), name
        else:
            assert response.status_code == 403, name
            assert "403.html" in [t.name for t in response.templates], name
    assert not Incident.objects.exists()


def test_the_intake_endpoints_need_sign_in(client, world):
    for name in CONSOLE_ONLY + PORTAL_ONLY:
        response = client.get(reverse(name))
        assert response.status_code in (302, 405)


# --- the log form -------------------------------------------------------------------------------


def test_the_log_form_offers_human_sources_and_the_first_contact_fields(client, world):
    client.force_login(world.agent)
    body = client.get(reverse("servicedesk:console")).content.decode()
    form = body.split('id="log-form"')[1].split("</form>")[0]
    for source in ("phone", "walk_in", "email", "web"):
        assert f'<option value="{source}"' in form
    assert 'value="monitoring"' not in form
    assert 'value="api"' not in form
    for name in ("resolved_now", "resolution_code", "knowledge_ref", "close_now"):
        assert f'name="{name}"' in form
    assert f'<option value="{world.code.pk}">' in form
    assert "data-autofocus" in form
    assert reverse("servicedesk:log_hints") in form


def test_the_log_form_refuses_a_machine_source(client, world):
    client.force_login(world.agent)
    response = client.post(reverse("servicedesk:log"), log_data(source="monitoring"), **HTMX)
    assert response.status_code == 400
    assert 'data-field-error="source"' in response.content.decode()
    assert not Incident.objects.exists()


def test_one_step_first_contact_resolution(client, world):
    client.force_login(world.agent)
    data = log_data(
        resolved_now="on",
        resolution_code=world.code.pk,
        resolution="重新装纸",
        knowledge_ref="KB-7",
        close_now="on",
    )
    response = client.post(reverse("servicedesk:log"), data, **HTMX)
    inc = Incident.objects.get()
    assert response["HX-Redirect"] == reverse("incidents:detail", args=[inc.number])
    assert inc.status == "closed"
    assert inc.first_contact_resolution is True
    assert inc.knowledge_ref == "KB-7"
    page = client.get(response["HX-Redirect"])
    message = str(list(page.context["messages"])[0])
    assert inc.number in message


def test_a_first_contact_resolution_with_errors_logs_nothing(client, world):
    client.force_login(world.agent)
    data = log_data(resolved_now="on", resolution_code="", resolution="", close_now="on")
    response = client.post(reverse("servicedesk:log"), data, **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field-error="resolution_code"' in body
    assert '<details class="border rounded px-2 pt-2 mb-3" id="first-contact" open>' in body
    assert not Incident.objects.exists()


def test_resolution_fields_without_resolved_now_are_not_ignored(client, world):
    client.force_login(world.agent)
    data = log_data(resolution_code=world.code.pk, resolution="做了")
    response = client.post(reverse("servicedesk:log"), data, **HTMX)
    assert response.status_code == 400
    assert 'data-field-error="resolved_now"' in response.content.decode()
    assert not Incident.objects.exists()


# --- the live hints ------------------------------------------------------------------------------


def test_console_hints_show_priority_routing_and_duplicates(client, world):
    first = world.incident(title="二楼打印机卡纸")
    client.force_login(world.agent)
    response = client.get(
        reverse("servicedesk:log_hints"),
        {
            "title": "打印机卡纸",
            "impact": "1",
            "urgency": "2",
            "category": str(world.category.pk),
            "requester": "",
        },
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-priority="P2"' in body
    assert world.network.name_zh in body
    assert f'data-duplicate="{first.number}"' in body
    assert f'data-link-duplicate="{first.number}"' in body
    assert f'data-add-to="{first.number}"' in body


def test_console_hints_read_bad_input_leniently(client, world):
    client.force_login(world.agent)
    response = client.get(
        reverse("servicedesk:log_hints"),
        {"impact": "9", "urgency": "x", "category": "999999", "requester": "nobody"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-priority="P4"' in body
    assert 'id="duplicate-hints"' not in body


def test_portal_hints_show_only_my_own_incidents(client, world):
    mine = world.incident(title="打印机卡纸", requester=world.requester)
    theirs = world.incident(title="打印机卡纸", requester=world.other_requester)
    client.force_login(world.requester)
    body = client.get(
        reverse("servicedesk:report_hints"), {"title": "打印机卡纸", "impact": "3"}
    ).content.decode()
    assert mine.number in body
    assert theirs.number not in body
    assert "data-link-duplicate" not in body
    assert f'data-add-to="{mine.number}"' in body


@pytest.mark.parametrize("rows", [25, 100])
def test_hint_queries_do_not_grow_with_candidates(client, world, rows, django_assert_num_queries):
    for _ in range(rows):
        world.incident(title="打印机卡纸")
    client.force_login(world.agent)
    url = reverse("servicedesk:log_hints")
    params = {"title": "打印机卡纸", "requester": "w_user", "configuration_item": "X"}
    client.get(url, params)  # warm the per-process caches
    # session, user, the caller's account, the candidates
    with django_assert_num_queries(4):
        response = client.get(url, params)
    assert response.content.decode().count("data-duplicate=") == 5


# --- the hints' buttons --------------------------------------------------------------------------


def test_link_as_duplicate_from_the_console(client, world):
    first = world.incident(title="打印机卡纸")
    client.force_login(world.agent)
    response = client.post(
        reverse("servicedesk:log_duplicate"), log_data(incident=first.number), **HTMX
    )
    assert response["HX-Redirect"] == reverse("incidents:detail", args=[first.number])
    dup = Incident.objects.exclude(pk=first.pk).get()
    assert dup.status == "cancelled"
    assert IncidentLink.objects.filter(from_incident=dup, to_incident=first).exists()
    page = client.get(response["HX-Redirect"]).content.decode()
    assert dup.number in page


def test_add_as_follow_up_from_the_console(client, world):
    first = world.incident(title="打印机卡纸")
    client.force_login(world.agent)
    response = client.post(
        reverse("servicedesk:log_add_to"), log_data(incident=first.number), **HTMX
    )
    assert response["HX-Redirect"] == reverse("incidents:detail", args=[first.number])
    assert Incident.objects.count() == 1
    assert Comment.objects.get().incident == first


def test_a_hint_on_a_closed_or_unknown_incident_answers_the_form(client, world):
    closed = world.closed()
    client.force_login(world.agent)
    for number in (closed.number, "INC-1999-000001"):
        response = client.post(
            reverse("servicedesk:log_duplicate"), log_data(incident=number), **HTMX
        )
        assert response.status_code == 400
        assert number in response.content.decode()
    assert Incident.objects.count() == 1


def test_portal_add_to_someone_elses_request_is_not_found(client, world):
    theirs = world.incident(requester=world.other_requester)
    client.force_login(world.requester)
    response = client.post(
        reverse("servicedesk:report_add_to"),
        {
            "title": "我也是",
            "nature": "fault",
            "impact": "3",
            "urgency": "3",
            "incident": theirs.number,
        },
    )
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_portal_add_to_my_request_with_a_file(client, world):
    mine = world.incident()
    client.force_login(world.requester)
    upload = SimpleUploadedFile("err.png", b"\x89PNG" + b"0" * 60, content_type="image/png")
    response = client.post(
        reverse("servicedesk:report_add_to"),
        {
            "title": "还是不行",
            "nature": "fault",
            "impact": "3",
            "urgency": "3",
            "incident": mine.number,
            "file": upload,
        },
    )
    assert response.status_code == 302
    assert Comment.objects.get().is_public
    assert Attachment.objects.get().incident == mine


# --- the portal's file --------------------------------------------------------------------------


def test_portal_report_with_a_file(client, world):
    client.force_login(world.requester)
    form = client.get(reverse("servicedesk:report")).content.decode()
    assert 'enctype="multipart/form-data"' in form
    assert 'type="file" name="file"' in form
    upload = SimpleUploadedFile("err.png", b"\x89PNG" + b"0" * 60, content_type="image/png")
    response = client.post(
        reverse("servicedesk:report"),
        {"title": "无法登录", "nature": "fault", "impact": "3", "urgency": "3", "file": upload},
    )
    inc = Incident.objects.get()
    assert response.status_code == 302
    assert Attachment.objects.get().incident == inc


def test_portal_report_with_a_refused_file_reports_nothing(client, world):
    client.force_login(world.requester)
    upload = SimpleUploadedFile("x.exe", b"MZ" * 20, content_type="application/x-msdownload")
    response = client.post(
        reverse("servicedesk:report"),
        {"title": "无法登录", "nature": "fault", "impact": "3", "urgency": "3", "file": upload},
        **HTMX,
    )
    assert response.status_code == 400
    assert 'data-field-error="file"' in response.content.decode()
    assert not Incident.objects.exists()


def test_every_page_has_the_shortcut_list_and_script(client, world):
    client.force_login(world.agent)
    body = client.get(reverse("servicedesk:console")).content.decode()
    assert 'id="shortcuts"' in body
    assert "itsm/keys.js" in body
