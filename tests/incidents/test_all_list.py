"""The all-incidents list: who may open it, the shared filters in the URL, sorting, page
sizes, saved views (personal, shared by the incident manager, the built-in suggestion), the
CSV export of what is shown, the self-refresh, and constant query counts."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import listing, services
from incidents.models import Incident, SavedView
from tests.itsm import test_names_shown as names_shown

pytestmark = pytest.mark.django_db

# The people and sections with real names, and an incident with a history (the lead's test).
named_world = names_shown.named_world

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = "/incidents/all/"


def numbers_in(response) -> list[str]:
    body = response.content.decode()
    return [part.split('"', 1)[0] for part in body.split('data-incident="')[1:]]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("agent", 200),
        ("desk_manager", 200),
        ("incident_manager", 200),
        ("director", 200),
        ("tech", 403),
        ("lead", 403),
        ("vendor", 403),
        ("requester", 403),
        ("system", 403),
    ],
)
def test_list_and_export_by_role(client, world, who, status):
    client.force_login(getattr(world, who))
    assert reverse("incidents:all") == URL
    assert client.get(URL).status_code == status
    assert client.get(reverse("incidents:all_export")).status_code == status
    save = client.post(reverse("incidents:view_save"), {"name": "x", "query": ""})
    assert save.status_code == (302 if status == 200 else 403)


def test_list_needs_sign_in(client):
    assert client.get(URL).status_code == 302


def test_navigation_offers_the_list_to_its_roles(client, world):
    client.force_login(world.incident_manager)
    assert 'data-nav="all_incidents"' in client.get(reverse("home")).content.decode()
    client.force_login(world.tech)
    assert 'data-nav="all_incidents"' not in client.get(reverse("home")).content.decode()


def test_filters_in_the_url(client, world):
    p1 = world.incident(title="核心网络中断", impact=1, urgency=1)
    p3 = world.assigned(title="打印机卡纸", impact=3, urgency=3)
    client.force_login(world.incident_manager)
    assert numbers_in(client.get(URL, {"priority": "P1"})) == [p1.number]
    assert numbers_in(client.get(URL, {"department": "network"})) == [p3.number]
    assert numbers_in(client.get(URL, {"q": "打印"})) == [p3.number]
    assert numbers_in(client.get(URL, {"status": "assigned", "q": "网络"})) == []
    assert set(numbers_in(client.get(URL, {"owner": world.agent.username}))) == {
        p1.number,
        p3.number,
    }


def test_invalid_filter_shows_its_error_and_no_rows(client, world):
    world.incident()
    client.force_login(world.incident_manager)
    response = client.get(URL, {"priority": "P9", "q": "x"})
    body = response.content.decode()
    assert response.status_code == 200
    assert numbers_in(response) == []
    assert 'id="all-invalid"' in body
    assert "invalid-feedback" in body


def test_sort_by_column_both_ways(client, world):
    first = world.incident(title="A", impact=3, urgency=3)
    second = world.incident(title="B", impact=1, urgency=1)
    client.force_login(world.agent)
    assert numbers_in(client.get(URL)) == [second.number, first.number]
    assert numbers_in(client.get(URL, {"sort": "created"})) == [first.number, second.number]
    assert numbers_in(client.get(URL, {"sort": "priority"})) == [second.number, first.number]
    assert numbers_in(client.get(URL, {"sort": "-priority"})) == [first.number, second.number]
    assert numbers_in(client.get(URL, {"sort": "bogus"})) == [second.number, first.number]
    body = client.get(URL, {"sort": "priority", "status": "new"}).content.decode()
    assert 'aria-sort="ascending"' in body
    assert "sort=-priority" in body
    assert "status=new" in body


def test_deadline_sort_puts_incidents_without_one_last(client, world):
    """About the sort over the stored column: the deadlines are set directly."""
    closed = world.closed()
    soon, later = world.assigned(), world.assigned()
    now = timezone.now()
    Incident.objects.filter(pk=soon.pk).update(next_deadline_at=now + timedelta(hours=1))
    Incident.objects.filter(pk=later.pk).update(next_deadline_at=now + timedelta(hours=5))
    client.force_login(world.agent)
    assert numbers_in(client.get(URL, {"sort": "deadline"})) == [
        soon.number,
        later.number,
        closed.number,
    ]
    assert numbers_in(client.get(URL, {"sort": "-deadline"})) == [
        later.number,
        soon.number,
        closed.number,
    ]


def test_page_size_and_pages(client, world):
    for _ in range(27):
        world.incident()
    client.force_login(world.agent)
    assert len(numbers_in(client.get(URL))) == 25
    assert len(numbers_in(client.get(URL, {"page": 2}))) == 2
    assert len(numbers_in(client.get(URL, {"page_size": 50}))) == 27
    assert len(numbers_in(client.get(URL, {"page_size": 7}))) == 25


def test_htmx_refresh_returns_the_list_with_its_filters(client, world):
    world.incident(impact=1, urgency=1)
    client.force_login(world.agent)
    response = client.get(URL, {"priority": "P1"}, **HTMX)
    body = response.content.decode()
    assert body.startswith('<div id="all-list"')
    assert 'hx-get="/incidents/all/?priority=P1"' in body
    assert 'hx-trigger="every 30s' in body
    assert "<html" not in body


# --- saved views ---


def test_save_and_use_a_personal_view(client, world):
    client.force_login(world.agent)
    response = client.post(
        reverse("incidents:view_save"), {"name": "我的 P1", "query": "priority=P1&sort=deadline"}
    )
    assert response.status_code == 302
    assert response.url == URL + "?priority=P1&sort=deadline"
    view = SavedView.objects.get(owner=world.agent)
    assert (view.name, view.shared) == ("我的 P1", False)
    assert "我的 P1" in client.get(URL).content.decode()
    client.force_login(world.desk_manager)
    assert "我的 P1" not in client.get(URL).content.decode()


def test_only_the_incident_manager_shares(client, world):
    client.force_login(world.agent)
    client.post(reverse("incidents:view_save"), {"name": "共享", "query": "", "shared": "on"})
    assert not SavedView.objects.exists()
    client.force_login(world.incident_manager)
    client.post(
        reverse("incidents:view_save"), {"name": "超时", "query": "breached=true", "shared": "on"}
    )
    assert SavedView.objects.get().shared
    client.force_login(world.director)
    assert "超时" in client.get(URL).content.decode()


def test_save_view_validates_the_name(world):
    with pytest.raises(Exception, match="name"):
        services.saved_view_save(by=world.agent, name="  ", query="")
    services.saved_view_save(by=world.agent, name="a", query="priority=P1")
    services.saved_view_save(by=world.agent, name="a", query="priority=P2")
    assert SavedView.objects.get().query == "priority=P2"


def test_delete_own_view_not_others(client, world):
    mine = services.saved_view_save(by=world.agent, name="mine", query="")
    theirs = services.saved_view_save(by=world.desk_manager, name="theirs", query="")
    shared = services.saved_view_save(by=world.incident_manager, name="s", query="", shared=True)
    client.force_login(world.agent)
    assert client.post(reverse("incidents:view_delete", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("incidents:view_delete", args=[shared.pk])).status_code == 403
    assert client.post(reverse("incidents:view_delete", args=[mine.pk])).status_code == 302
    assert set(SavedView.objects.values_list("name", flat=True)) == {"theirs", "s"}


def test_builtin_view_my_p1_p2_not_accepted(client, world):
    mine = world.incident(impact=1, urgency=1)
    world.incident(impact=1, urgency=1, by=world.desk_manager)
    world.incident(impact=3, urgency=3)
    accepted = world.in_progress(impact=1, urgency=1)
    view = listing.builtin_views(world.agent)[0]
    client.force_login(world.agent)
    assert f'href="?{view.query.replace("&", "&amp;")}"' in client.get(URL).content.decode()
    rows = numbers_in(client.get(URL + "?" + view.query))
    assert rows == [mine.number]
    assert accepted.number not in rows


# --- CSV ---


def _csv(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_export_is_what_is_shown_by_name(client, world):
    world.agent.first_name, world.agent.last_name = "芳", "王"
    world.agent.save()
    shown = world.assigned(title="网络中断", impact=1, urgency=1)
    world.incident(title="其他", impact=3, urgency=3)
    client.force_login(world.incident_manager)
    response = client.get(reverse("incidents:all_export"), {"priority": "P1"})
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row[rows[0][0]] == shown.number
    assert world.network.name in rows[1]
    assert world.network.code not in rows[1]
    assert world.agent.username not in rows[1]


def test_export_is_bounded(client, world, monkeypatch):
    monkeypatch.setattr(listing, "EXPORT_CHUNK", 2)
    for _ in range(5):
        world.incident()
    assert len(list(listing.export_rows(listing.all_incidents(world.agent), limit=3))) == 3
    assert listing.export_limited(listing.all_incidents(world.agent), limit=3)


# --- queries ---


def _queries(client, params):
    client.get(URL, params)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("size", [25, 100])
def test_list_query_count_is_constant(client, world, size):
    for _ in range(3):
        world.assigned()
    client.force_login(world.incident_manager)
    params = {"page_size": size, "sort": "deadline", "status": "assigned"}
    few, _response = _queries(client, params)
    for _ in range(size + 2):
        world.assigned()
    many, response = _queries(client, params)
    assert len(numbers_in(response)) == size
    assert many == few


# --- names, never usernames or codes ---


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_list_search_and_csv_name_people_and_sections(client, named_world, language):
    world, inc = named_world, named_world.named_incident
    client.force_login(world.incident_manager)
    for url, params in (
        (URL, {}),
        (URL, {"sort": "deadline"}),
        ("/incidents/search/", {"q": "打印"}),
    ):
        response = client.get(url, params, HTTP_ACCEPT_LANGUAGE=language)
        html = response.content.decode()
        assert inc.number in html
        names_shown._assert_names_only(html, world, page=url)
    assert "黄勇" in names_shown.visible_text(client.get(URL).content.decode())
    rows = _csv(client.get(reverse("incidents:all_export"), HTTP_ACCEPT_LANGUAGE=language))
    names_shown._assert_names_only(" ".join(" ".join(row) for row in rows[1:]), world, page="csv")
    assert "黄勇" in rows[1]
    assert "王芳" in rows[1]


# The row as the list's template wrote it cell by cell before the row became one tag.
TEMPLATE_ROW = """{% load i18n incident_ui people %}<tr data-incident="{{ incident.number }}">
    <td class="text-nowrap"><a href="{% incident_url incident %}">{{ incident.number }}</a></td>
    <td>{{ incident.title }}{% if incident.is_major %} <span class="badge text-bg-danger">{% translate "Major" %}</span>{% endif %}</td>
    <td>{% priority_badge incident %}</td>
    <td>{% status_badge incident %}</td>
    <td>{{ incident.department.name|default:"—" }}</td>
    <td>{% if incident.assignee %}{{ incident.assignee|person_name }}{% else %}<span class="text-muted">—</span>{% endif %}</td>
    <td>{{ incident.owner|person_name }}</td>
    <td>{{ incident.category.name|default:"—" }}</td>
    <td class="text-nowrap">{{ incident.created_at|date:"Y-m-d H:i" }}</td>
    <td class="text-nowrap">{{ incident.updated_at|date:"Y-m-d H:i" }}</td>
    <td class="text-nowrap">{% deadline incident now %}</td>
  </tr>"""  # noqa: E501


def test_row_tag_writes_the_html_of_the_cell_template(world):
    """``all_incidents_row`` (Python, for speed) writes exactly what the template did: titles
    escaped, the major badge, no assignee, names, dates and the countdown."""
    from django.template import Context, Template

    from incidents import selectors

    plain = world.incident(title="<b>网络</b> & 打印")
    major = world.incident(title="全部中断")
    Incident.objects.filter(pk=major.pk).update(is_major=True, assignee=world.tech)
    rows = selectors.with_relations(Incident.objects.filter(pk__in=[plain.pk, major.pk]))
    selectors.with_countdowns(rows)
    now = timezone.now()
    for incident in rows:
        old = Template(TEMPLATE_ROW).render(Context({"incident": incident, "now": now}))
        new = Template("{% load incident_ui %}{% all_incidents_row incident now %}").render(
            Context({"incident": incident, "now": now})
        )
        assert new == old
    assert "&lt;b&gt;网络&lt;/b&gt; &amp; 打印" in new + old
