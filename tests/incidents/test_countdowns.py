"""SLA countdowns on the lists and the incident page: business time left on the clock's
calendar, green → amber at the first warning threshold → red, paused; one query per page; the
clocks panel; the wording of an incident back at the desk and of a suspended one."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from incidents import selectors, services
from incidents.templatetags.incident_ui import countdown_formats as formats
from incidents.templatetags.incident_ui import countdown_text, duration_phrase
from sla.businesstime import SHANGHAI
from sla.models import SlaClock

pytestmark = pytest.mark.django_db


@pytest.fixture
def sla(db):
    """The demo calendars, policies (P1 24×7, P3 2 h response / 24 h resolution on the
    standard calendar) and thresholds (75 %, 100 %, 150 %)."""
    from sla import demo
    from sla.calendars import clear_cache

    clear_cache()
    demo.seed()
    yield
    clear_cache()


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _steady_configuration(monkeypatch):
    """Cached configuration does not expire between warming and measuring a page (this
    process writes none here; writes still invalidate it at once)."""
    monkeypatch.setattr("itsm.configcache.TTL", 3600.0)


@pytest.fixture
def monday(time_machine, sla):
    """Monday 2026-11-23 09:00 in Shanghai; ``monday(h, m)`` moves the clock that day."""
    time_machine.move_to(sh(2026, 11, 23, 9, 0), tick=False)

    def move(hour, minute=0, day=23):
        time_machine.move_to(sh(2026, 11, day, hour, minute), tick=False)

    return move


def zh(fn, *args):
    with translation.override("zh-hans"):
        return fn(*args)


def en(fn, *args):
    with translation.override("en"):
        return fn(*args)


def shown(incident):
    return selectors.with_countdowns([incident])[0].sla_countdown


# --- the phrases ---


@pytest.mark.parametrize(
    ("seconds", "overdue", "chinese", "english"),
    [
        (135 * 60, False, "剩余 2 小时 15 分", "2 h 15 min left"),
        (120 * 60, False, "剩余 2 小时", "2 h left"),
        (35 * 60, True, "超时 35 分", "35 min overdue"),
        (61 * 60 + 1, True, "超时 1 小时 2 分", "1 h 2 min overdue"),  # minutes round up
        (20, False, "剩余 1 分", "1 min left"),
    ],
)
def test_duration_phrases(seconds, overdue, chinese, english):
    assert zh(lambda: duration_phrase(formats(), seconds, overdue=overdue)) == chinese
    assert en(lambda: duration_phrase(formats(), seconds, overdue=overdue)) == english


# --- business time, thresholds, states ---


def test_countdown_runs_in_business_time_green_amber_red(world, monday):
    inc = world.incident(impact=2, urgency=2)  # P3: response within 2 business hours
    assert inc.priority == "P3"
    countdown = shown(inc)
    assert (countdown.target, countdown.level) == ("response", "ok")
    assert zh(countdown_text, countdown) == "剩余 2 小时"
    assert en(countdown_text, countdown) == "2 h left"

    monday(10, 29)  # 89 of 120 minutes used: still green below the 75 % threshold
    assert shown(inc).level == "ok"
    monday(10, 45)  # 105 minutes used: amber
    countdown = shown(inc)
    assert countdown.level == "warning"
    assert zh(countdown_text, countdown) == "剩余 15 分"

    monday(11, 35)  # past the deadline (11:00): red, by the business minutes overrun
    countdown = shown(inc)
    assert countdown.level == "breached"
    assert zh(countdown_text, countdown) == "超时 35 分"
    assert en(countdown_text, countdown) == "35 min overdue"

    monday(13, 15)  # the lunch break (12:00–13:30) does not count
    assert zh(countdown_text, shown(inc)) == "超时 1 小时"


def test_suspended_incident_shows_a_paused_clock(world, monday):
    inc = world.in_progress(impact=2, urgency=2)  # response met; resolution counting
    assert shown(inc).target == "resolution"
    monday(10, 0)
    inc = services.incident_suspend(
        incident=inc, by=world.tech, reason=world.reason, resume_at=sh(2026, 11, 24, 10, 0)
    )
    countdown = shown(inc)
    assert countdown.level == "paused"
    assert zh(countdown_text, countdown) == "已暂停"
    assert en(countdown_text, countdown) == "paused"
    assert countdown.runs_for == timedelta(0)


def test_countdown_says_how_long_the_browser_may_tick_it(world, monday):
    inc = world.incident(impact=2, urgency=2)
    monday(11, 50)  # ten minutes before the lunch break
    assert shown(inc).runs_for == timedelta(minutes=10)
    monday(12, 30)  # lunch: the clock stands still
    assert shown(inc).runs_for == timedelta(0)
    p1 = world.incident(impact=1, urgency=1)  # P1 runs on the 24×7 calendar
    assert shown(p1).runs_for > shown(p1).remaining


def test_resolved_incident_shows_the_outcome(world, monday):
    inc = world.in_progress(impact=2, urgency=2)
    inc = services.incident_resolve(
        incident=inc, by=world.tech, code=world.code, resolution="修好了"
    )
    countdown = shown(inc)
    assert countdown.level == "met"
    assert zh(countdown_text, countdown) == "已达成"


def test_incident_without_clocks_shows_a_dash(world):
    inc = world.incident()  # no SLA policy in this database: no clocks
    assert shown(inc) is None


# --- no N+1 ---


def test_countdowns_of_100_incidents_take_one_query(world, monday, django_assert_num_queries):
    incidents = [world.incident(impact=2, urgency=2) for _ in range(100)]
    selectors.with_countdowns(incidents[:1])  # warm the calendar and threshold caches
    with django_assert_num_queries(1):
        rows = selectors.with_countdowns(incidents)
    assert all(i.sla_countdown.level == "ok" for i in rows)


def _count(client, url):
    client.get(url)  # warm: the per-process configuration caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize(
    ("who", "url", "make"),
    [
        ("agent", reverse("servicedesk:console"), "incident"),
        ("requester", reverse("servicedesk:portal"), "incident"),
        ("tech", reverse("incidents:queue") + "?tab=unassigned", "assigned"),
    ],
)
def test_lists_with_countdowns_query_the_same_at_25_and_100_rows(
    client, world, monday, who, url, make
):
    def add(n):
        for _ in range(n):
            getattr(world, make)(impact=2, urgency=2)

    # The agent's console lists the incidents twice: in the desk queue and in the agent's
    # own open incidents (they logged them), one page of each.
    per_page = 50 if who == "agent" else 25
    add(25)
    client.force_login(getattr(world, who))
    at_25, body = _count(client, url)
    assert body.count("data-countdown ") == per_page
    add(75)
    client.get(url)  # warm again: cached configuration lives TTL seconds (itsm.configcache)
    at_100, body = _count(client, url)
    assert body.count("data-countdown ") == per_page  # one page
    assert at_100 == at_25
    last_page, body = _count(client, url + ("&" if "?" in url else "?") + "page=4")
    assert last_page == at_25
    assert body.count("data-countdown ") == per_page


# --- the pages ---


def test_queue_row_shows_the_countdown_badge(client, world, monday):
    inc = world.assigned(impact=2, urgency=2)
    monday(10, 45)
    client.force_login(world.tech)
    body = client.get(reverse("incidents:queue")).content.decode()
    row = body.split(f'data-incident="{inc.number}"')[1].split("</tr>")[0]
    assert 'data-level="warning"' in row
    assert "text-bg-warning" in row
    assert "剩余 15 分" in row
    assert 'id="countdown-formats"' in body
    assert "incidents/countdown.js" in body


def test_incident_page_lists_each_clock(client, world, monday):
    inc = world.in_progress(impact=2, urgency=2)
    monday(10, 0)
    services.incident_suspend(
        incident=inc, by=world.tech, reason=world.reason, resume_at=sh(2026, 11, 24, 10, 0)
    )
    client.force_login(world.tech)
    body = client.get(reverse("incidents:detail", args=[inc.number])).content.decode()
    panel = body.split('id="clocks"')[1].split("</section>")[0]
    assert 'data-clock="response"' in panel
    assert 'data-clock="resolution"' in panel
    assert 'data-clock="ola_resolve"' in panel  # staff see the sections' targets
    resolution = panel.split('data-clock="resolution"')[1].split("</tr>")[0]
    assert "24 小时" in resolution  # the target
    assert "data-clock-paused" in resolution
    assert "已暂停" in resolution

    client.force_login(world.requester)
    body = client.get(reverse("incidents:detail", args=[inc.number])).content.decode()
    assert 'data-clock="resolution"' in body
    assert 'data-clock="ola_' not in body


def test_disputes_show_countdowns(client, world, monday):
    from tests.incidents.test_views import make_dispute

    make_dispute(world, impact=2, urgency=2)
    client.force_login(world.incident_manager)
    body = client.get(reverse("incidents:disputes")).content.decode()
    assert "data-countdown " in body


def test_clock_rows_are_not_written_by_the_pages(client, world, monday):
    inc = world.assigned(impact=2, urgency=2)
    before = list(SlaClock.objects.filter(incident=inc).values_list("revision", flat=True))
    client.force_login(world.tech)
    client.get(reverse("incidents:queue"))
    client.get(reverse("incidents:detail", args=[inc.number]))
    assert list(SlaClock.objects.filter(incident=inc).values_list("revision", flat=True)) == before


# --- wording ---


def test_bounced_incident_at_the_desk_is_not_called_assigned(client, world):
    inc = world.assigned()
    inc = services.incident_return(incident=inc, by=world.tech, reason="不是网络问题")
    assert inc.status == "assigned"
    client.force_login(world.agent)
    for url in (reverse("servicedesk:console"), reverse("incidents:detail", args=[inc.number])):
        body = client.get(url).content.decode()
        assert 'data-shown="at_desk"' in body
        assert "已退回服务台" in body
        assert 'data-status="assigned">已分派<' not in body  # the badge
        assert 'data-field="status">已分派<' not in body
    client.force_login(world.tech)  # still with the section: assigned
    other = world.assigned()
    body = client.get(reverse("incidents:detail", args=[other.number])).content.decode()
    assert 'data-shown="at_desk"' not in body


def test_suspended_incident_offers_the_requester_a_comment_without_contradiction(client, world):
    inc = world.in_progress()
    services.incident_suspend(
        incident=inc,
        by=world.tech,
        reason=world.vendor_reason,
        resume_at=inc.created_at + timedelta(days=1),
    )
    client.force_login(world.requester)
    body = client.get(reverse("incidents:detail", args=[inc.number])).content.decode()
    assert 'id="action-comment"' in body
    assert "您当前不能对此事件进行任何操作" not in body
    assert "仍可以添加评论或文件" in body


# --- a stale submission says what changed ---


def test_stale_submit_shows_what_changed_and_changes_nothing(client, world):
    from incidents.views import STALE_MESSAGE

    inc = world.in_progress()
    client.force_login(world.tech)
    page = client.get(reverse("incidents:detail", args=[inc.number])).content.decode()
    assert 'name="seen_at"' in page  # the forms carry when the version they show was made
    services.incident_escalate(incident=inc, by=world.lead, reason="用户投诉")  # someone else
    data = {
        "version": inc.version,
        "seen_at": str(inc.updated_at),
        "code": world.code.pk,
        "resolution": "修好了",
    }
    url = reverse("incidents:act", args=[inc.number, "resolve"])
    response = client.post(url, data)
    assert response.status_code == 412
    body = response.content.decode()
    assert zh(lambda: str(STALE_MESSAGE)) in body
    changes = body.split('id="stale-changes"')[1].split("</ul>")[0]
    assert 'data-stale-event="escalated"' in changes
    assert "用户投诉" in changes
    assert 'data-stale-event="accepted"' not in changes  # seen already
    current = inc.__class__.objects.get(pk=inc.pk)
    assert current.status == "in_progress"
    assert f'name="version" value="{current.version}"' in body  # a knowing resubmission
    assert "修好了" in body  # the user's input is kept

    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 412
    assert response["HX-Retarget"] == "#main"
    assert 'id="stale-changes"' in response.content.decode()
    assert inc.__class__.objects.get(pk=inc.pk).status == "in_progress"


def test_stale_claim_in_the_queue_says_what_changed(client, world):
    inc = world.assigned()
    old = inc.version
    services.incident_accept(incident=inc, by=world.tech2)  # a colleague was faster
    client.force_login(world.tech)
    response = client.post(
        reverse("incidents:act", args=[inc.number, "accept"]),
        {"version": old, "variant": "claim"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 412
    body = response.content.decode()
    assert "<html" not in body
    assert "变化：" in body
    assert inc.__class__.objects.get(pk=inc.pk).assignee == world.tech2


def test_incident_suspended_awaiting_the_requester_asks_for_the_reply(client, world):
    inc = world.in_progress()
    services.incident_suspend(
        incident=inc,
        by=world.tech,
        reason=world.reason,  # awaits the requester
        resume_at=inc.created_at + timedelta(days=1),
    )
    client.force_login(world.requester)
    body = client.get(reverse("incidents:detail", args=[inc.number])).content.decode()
    assert "data-awaits-you" in body
    assert "我们正在等待您的回复" in body
    assert 'id="action-comment"' in body
    assert "您当前不能对此事件进行任何操作" not in body
