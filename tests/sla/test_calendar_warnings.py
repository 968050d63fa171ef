"""Administrators are warned from 60 days before a calendar's holiday data ends: a banner on
the admin's index and calendar pages, and one notification per calendar and end date sent by
a daily beat task."""

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse

from itsm.models import Notification
from itsm.notification_kinds import notification_kind
from sla import services, tasks
from sla.models import BusinessCalendar

pytestmark = pytest.mark.django_db

KIND = "sla.calendar_data_ending"


@pytest.fixture
def admins(make_user, django_user_model):
    administrator = make_user("administrator", email="admin@example.cn")
    root = django_user_model.objects.create_superuser("root", "root@example.cn", "pw-123456!")
    agent = make_user("agent", section="servicedesk")
    return administrator, root, agent


def _sent():
    return sorted(
        Notification.objects.filter(event=KIND).values_list("recipient__username", "subject")
    )


def test_the_kind_is_registered():
    assert notification_kind(KIND) is not None


def test_administrators_are_told_once_per_calendar_and_end_date(sla_demo, admins, clock):
    administrator, root, _agent = admins  # 2026-11-23: the data ends in 38 days
    assert services.calendar_data_warnings_send() == ["standard"]
    sent = _sent()
    assert [name for name, _ in sent] == sorted([administrator.username, root.username])
    assert "2026-12-31" in sent[0][1]
    assert Notification.objects.get(recipient=administrator, event=KIND).url == reverse(
        "admin:sla_businesscalendar_change",
        args=[BusinessCalendar.objects.get(code="standard").pk],
    )
    # Again the same day, the next day, after the data ran out: nothing more.
    assert services.calendar_data_warnings_send() == []
    clock(2026, 11, 24, 9, 0)
    assert tasks.calendar_data_warnings() == []
    assert services.calendar_data_warnings_send(today=date(2027, 1, 5)) == []
    assert len(_sent()) == 2

    # Next year's data is imported: quiet until 60 days before its new end.
    calendar = BusinessCalendar.objects.get(code="standard")
    services.calendar_import_year(
        calendar=calendar, year=2027, holidays={date(2027, 1, 1): "元旦"}, workdays={}
    )
    assert services.calendar_data_warnings_send(today=date(2027, 10, 31)) == []
    assert services.calendar_data_warnings_send(today=date(2027, 11, 2)) == ["standard"]
    assert len(_sent()) == 4
    calendar.refresh_from_db()
    assert calendar.data_warning_sent_for == date(2027, 12, 31)


def test_no_warning_earlier_than_60_days_nor_for_24x7_or_inactive(sla_demo, admins):
    assert services.calendar_data_warnings_send(today=date(2026, 11, 1)) == []
    BusinessCalendar.objects.filter(code="standard").update(active=False)
    assert services.calendar_data_warnings_send(today=date(2027, 3, 1)) == []
    assert _sent() == []


def test_the_daily_beat_entry_expires():
    entry = settings.CELERY_BEAT_SCHEDULE["sla.calendar_data_warnings"]
    assert entry["task"] == tasks.calendar_data_warnings.name == "sla.calendar_data_warnings"
    assert entry["options"]["expires"] < entry["schedule"]


# --- the admin banner -----------------------------------------------------------------------


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("cal_admin", "a@example.cn", "pw-123456!")
    client.force_login(user)
    client.user = user
    return client


def test_banner_on_the_admin_index_and_calendar_pages(admin_client, sla_demo, clock):
    def later(*when):  # a new session: the old one may have expired meanwhile
        clock(*when)
        admin_client.force_login(admin_client.user)

    calendar = BusinessCalendar.objects.get(code="standard")
    urls = [
        reverse("admin:index"),
        reverse("admin:sla_businesscalendar_changelist"),
        reverse("admin:sla_businesscalendar_change", args=[calendar.pk]),
    ]
    import_url = reverse("admin:sla_businesscalendar_import_holidays", args=[calendar.pk])
    for url in urls:
        body = admin_client.get(url).content.decode()
        assert 'id="calendar-warning"' in body, url
        assert "2026-12-31" in body
        assert import_url in body
    later(2027, 1, 4, 9, 0)
    body = admin_client.get(urls[0]).content.decode()
    assert '<li class="error">' in body  # ran out

    later(2026, 10, 1, 9, 0)  # more than 60 days before
    for url in urls:
        assert 'id="calendar-warning"' not in admin_client.get(url).content.decode()


def test_no_banner_query_on_pages_that_do_not_show_it(client, make_user, sla_demo, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user("agent", section="servicedesk"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert not any("sla_businesscalendar" in q["sql"] for q in queries)
