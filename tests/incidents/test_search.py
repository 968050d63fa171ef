"""The search: numbers open incidents, text finds titles, descriptions, callers and the
comments the user may read, in Chinese and English, through the indexes on PostgreSQL and
the plain fallback elsewhere; the navigation's box; the results page's queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import search, services
from incidents.models import Incident
from incidents.services import Contact

pytestmark = pytest.mark.django_db


def found(user, text, *, indexed=None):
    qs = Incident.objects.visible_to(user)
    return set(
        search.search_filter(qs, user, text, indexed=indexed).values_list("number", flat=True)
    )


# --- what was typed ---


@pytest.mark.parametrize(
    ("typed", "numbers"),
    [
        ("INC-2026-000123", ("INC-2026-000123",)),
        ("inc-2026-123", ("INC-2026-000123", "INC-2026-123")),
        ("INC-2026-0500000", ("INC-2026-500000", "INC-2026-0500000")),
        ("123", ("INC-2026-000123", "INC-2025-000123", "INC-2024-000123")),
        ("#7", ("INC-2026-000007", "INC-2025-000007", "INC-2024-000007")),
        ("13800138000", ()),  # a phone number, not a short number
        ("0", ()),
        ("网络", ()),
    ],
)
def test_parse(typed, numbers):
    assert search.parse(typed, today=date(2026, 5, 1)).numbers == numbers


def test_parse_collapses_spaces_and_bounds_length():
    query = search.parse("  打印机   卡纸 " + "x" * 200)
    assert query.text.startswith("打印机 卡纸 x")
    assert len(query.text) == search.MAX_TEXT_LENGTH
    assert search.parse("网").too_short
    assert search.parse("7").numbers
    assert search.parse("7").too_short  # as text


def test_like_pattern_escapes_wildcards():
    assert search.like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"


# --- what text finds ---


@pytest.fixture
def corpus(world):
    network = world.incident(
        title="网络中断", description="三楼交换机无法访问", contact=Contact(name="王芳")
    )
    printer = world.incident(
        title="Printer jam", description="打印机卡纸", contact=Contact(phone="13800138000")
    )
    other = world.incident(title="邮箱满了", description="mailbox full")
    services.comment_add(incident=other, by=world.agent, body="VPN 客户端需要重装")
    return {"network": network, "printer": printer, "other": other}


@pytest.mark.parametrize("indexed", [None, False], ids=["database-default", "plain-fallback"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("网络", {"network"}),  # two Chinese characters
        ("打印", {"printer"}),  # in the description
        ("交换机", {"network"}),
        ("printer", {"printer"}),  # any case
        ("JAM", {"printer"}),
        ("王芳", {"network"}),  # the caller's name
        ("138001", {"printer"}),  # the caller's phone
        ("vpn", {"other"}),  # an internal comment, for staff
        ("50%", set()),  # a wildcard is a character
        ("不存在的词", set()),
    ],
)
def test_text_search(world, corpus, text, expected, indexed):
    numbers = {corpus[name].number for name in expected}
    assert found(world.agent, text, indexed=indexed) == numbers


def test_fallback_really_runs_without_the_indexes(world, corpus):
    """The plain path compiles to LIKE on each field, never to the index functions."""
    qs = search.search_filter(Incident.objects.all(), world.agent, "网络", indexed=False)
    sql = str(qs.query)
    assert search.BIGRAMS_FUNCTION not in sql
    assert search.DOCUMENT_FUNCTION not in sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes are PostgreSQL's")
@pytest.mark.parametrize(("text", "index"), [("网络", "bigram"), ("交换机", "trgm")])
def test_postgresql_uses_the_indexes(world, corpus, text, index):
    qs = search.search_filter(Incident.objects.all(), world.agent, text)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert f"inc_search_{index}" in plan
    assert f"comment_search_{index}" in plan


def test_requester_finds_only_own_incidents_and_public_comments(world, corpus):
    mine = world.incident(title="网络很慢", requester=world.requester)
    services.comment_add(incident=mine, by=world.agent, body="内部备注 交换机端口", is_public=False)
    someone_else = world.incident(title="网络很慢", requester=world.other_requester)
    assert mine.number in found(world.requester, "网络")
    assert someone_else.number not in found(world.requester, "网络")
    assert mine.number not in found(world.requester, "端口")
    assert mine.number in found(world.agent, "端口")


def test_technician_finds_only_what_the_section_sees(world, corpus):
    assigned = services.incident_assign(
        incident=corpus["network"], by=world.agent, department=world.network
    )
    assert found(world.tech, "网络") == {assigned.number}
    assert found(world.sys_tech, "网络") == set()


# --- the page ---


def test_number_opens_the_incident(client, world, corpus):
    client.force_login(world.agent)
    inc = corpus["network"]
    short = str(int(inc.number.rsplit("-", 1)[1]))
    for typed in (inc.number, inc.number.lower(), short):
        response = client.get(reverse("incidents:search"), {"q": typed})
        assert response.status_code == 302
        assert response.url == reverse("incidents:detail", args=[inc.number])


def test_number_the_user_may_not_see_is_not_revealed(client, world, corpus):
    client.force_login(world.sys_tech)
    response = client.get(reverse("incidents:search"), {"q": corpus["network"].number})
    assert response.status_code == 200
    assert 'id="search-missing"' in response.content.decode()


def test_text_lists_matches(client, world, corpus):
    client.force_login(world.agent)
    response = client.get(reverse("incidents:search"), {"q": "打印"})
    body = response.content.decode()
    assert response.status_code == 200
    assert corpus["printer"].number in body
    assert corpus["network"].number not in body


def test_short_text_and_empty_results_say_so(client, world, corpus):
    client.force_login(world.agent)
    body = client.get(reverse("incidents:search"), {"q": "网"}).content.decode()
    assert 'id="search-too-short"' in body
    body = client.get(reverse("incidents:search"), {"q": "无此内容"}).content.decode()
    assert 'id="search-empty"' in body


def test_search_page_needs_a_signed_in_user(client):
    response = client.get(reverse("incidents:search"), {"q": "网络"})
    assert response.status_code == 302
    assert reverse("login") in response.url


@pytest.mark.parametrize("who", ["agent", "tech", "requester", "director", "vendor"])
def test_search_box_on_every_page(client, world, who):
    client.force_login(getattr(world, who))
    body = client.get(reverse("home")).content.decode()
    assert 'id="nav-search"' in body
    assert f'action="{reverse("incidents:search")}"' in body


def _queries(client, url, params):
    client.get(url, params)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_results_query_count_does_not_grow_with_rows(client, world):
    for _ in range(3):
        world.incident(title="网络抖动")
    client.force_login(world.agent)
    url = reverse("incidents:search")
    few = _queries(client, url, {"q": "网络"})
    for _ in range(30):
        world.incident(title="网络抖动")
    assert _queries(client, url, {"q": "网络"}) == few


@pytest.mark.parametrize("indexed", [None, False], ids=["database-default", "plain-fallback"])
def test_search_page_merges_own_text_and_comments_newest_first(world, indexed):
    made = []
    for i in range(7):
        inc = world.incident(title=f"打印机 {i}" if i % 2 else f"其他 {i}")
        if not i % 2:
            services.comment_add(incident=inc, by=world.agent, body="打印机又坏了")
        made.append(inc.number)
    newest_first = list(reversed(made))
    query = search.parse("打印机")
    pages = [search.search_page(world.agent, query, n, 3, indexed=indexed) for n in (1, 2, 3)]
    assert [i.number for i in pages[0]] == newest_first[:4]  # 3 and one more: a next page
    assert [i.number for i in pages[1]] == newest_first[3:7]
    assert [i.number for i in pages[2]] == newest_first[6:]
    # A requester reads public comments only: the internal ones find nothing for them.
    mine = search.search_page(world.requester, query, 1, 10, indexed=indexed)
    assert {inc.number for inc in mine} == {made[1], made[3], made[5]}


def test_api_q_uses_the_same_search(world, corpus):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.agent)
    body = api.get("/api/v1/incidents/", {"q": "vpn"}).json()
    assert [row["number"] for row in body["results"]] == [corpus["other"].number]
    body = api.get("/api/v1/incidents/", {"q": "王芳"}).json()
    assert [row["number"] for row in body["results"]] == [corpus["network"].number]
    response = api.get("/api/v1/incidents/", {"q": "网"})
    assert response.status_code == 400
    assert "q" in response.json()


@pytest.mark.parametrize("indexed", [None, False], ids=["database-default", "plain-fallback"])
@pytest.mark.parametrize("text", ["网络", "网络中断", "vpn"])
def test_first_matches_are_the_first_rows_of_the_whole_filter(world, text, indexed):
    """The list's bounded text filter gives the same first rows, in the same order, as the
    filter that gathers every match: matches by own text and by comment mixed."""
    made = []
    for i in range(6):
        if i % 2:
            incident = world.incident(title=f"邮箱 {i}")
            services.comment_add(incident=incident, by=world.agent, body="网络中断 VPN")
        else:
            incident = world.incident(title=f"网络中断 {i}", description="vpn")
        made.append(incident)
    world.incident(title="无关")
    qs = Incident.objects.visible_to(world.agent).order_by("-id")
    every = list(search.search_filter(qs, world.agent, text, indexed=indexed))
    assert len(every) == 6
    for wanted in (1, 2, 3, 7):
        first = search.first_matches(qs, world.agent, text, wanted, indexed=indexed)
        assert list(first)[:wanted] == every[:wanted]
