"""Importing a year's holidays from the State Council's notice: the service writes the days,
extends the data to the year's end and re-plans the running clocks (the calendar gap clears);
bad input is refused with nothing written; the admin's two steps (paste → review → save)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from sla import services
from sla.choices import DayKind, Target
from sla.models import BusinessCalendar, CalendarDay, SlaClock

pytestmark = pytest.mark.django_db

# A notice for 2027 in the State Council's form (test data; weekdays are 2027's).
NOTICE_2027 = """一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（周五）至11日（周四）放假调休，共7天。2月13日（周六）、2月20日（周六）上班。"""


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("cal_admin", "a@example.cn", "pw-123456!")
    client.force_login(user)
    return client


def _days(calendar):
    return list(
        CalendarDay.objects.filter(calendar=calendar, date__year=2027)
        .order_by("date")
        .values_list("date", "kind")
    )


def test_import_extends_the_data_and_replans_the_clocks_beyond_it(world, sla_demo, clock):
    clock(2026, 12, 30, 9, 0)
    incident = world.incident(impact=3, urgency=3)  # P4: 40 business hours → January 2027
    resolution = SlaClock.objects.get(incident_id=incident.pk, target=Target.RESOLUTION)
    assert resolution.calendar_gap is True
    calendar = BusinessCalendar.objects.get(code="standard")
    revision = calendar.revision

    result = services.calendar_import_year(
        calendar=calendar,
        year=2027,
        holidays={date(2027, 1, d): "元旦" for d in (1, 2, 3)},
        workdays={date(2027, 2, 13): "春节"},
    )

    calendar.refresh_from_db()
    assert calendar.valid_until == date(2027, 12, 31)
    assert calendar.valid_from == date(2004, 1, 1)  # never shrinks
    assert calendar.revision > revision
    assert result.load.created == 4
    assert _days(calendar)[0] == (date(2027, 1, 1), DayKind.HOLIDAY)
    resolution.refresh_from_db()
    assert resolution.calendar_gap is False
    moved = [m for m in result.moved if m.clock_id == resolution.pk]
    assert len(moved) == 1
    # 元旦 is now a holiday: the deadline moves later than the plain-weekday guess.
    assert moved[0].new_deadline > moved[0].old_deadline


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"year": 2028}, "import 2027 before 2028"),
        ({"holidays": {}, "workdays": {}}, "No holidays"),
        ({"holidays": {date(2027, 6, 1): "x"}, "workdays": {date(2027, 6, 1): "x"}}, "both"),
        ({"holidays": {date(2025, 6, 1): "x"}}, "is not in 2027"),
    ],
)
def test_bad_imports_are_refused_and_change_nothing(sla_demo, kwargs, message):
    calendar = BusinessCalendar.objects.get(code="standard")
    before = (calendar.valid_until, calendar.revision, CalendarDay.objects.count())
    args = {"year": 2027, "holidays": {date(2027, 1, 1): "元旦"}, "workdays": {}, **kwargs}
    with translation.override("en"), pytest.raises(ValidationError, match=message):
        services.calendar_import_year(calendar=calendar, **args)
    calendar.refresh_from_db()
    assert (calendar.valid_until, calendar.revision, CalendarDay.objects.count()) == before


def test_a_24x7_calendar_is_refused(sla_demo):
    calendar = BusinessCalendar.objects.get(always_open=True)
    with translation.override("en"), pytest.raises(ValidationError, match="24×7"):
        services.calendar_import_year(
            calendar=calendar, year=2027, holidays={date(2027, 1, 1): "元旦"}, workdays={}
        )
    assert not CalendarDay.objects.filter(calendar=calendar).exists()


# --- the admin's two steps ------------------------------------------------------------------


def test_admin_paste_review_save(admin_client, sla_demo):
    calendar = BusinessCalendar.objects.get(code="standard")
    url = reverse("admin:sla_businesscalendar_import_holidays", args=[calendar.pk])
    change = admin_client.get(reverse("admin:sla_businesscalendar_change", args=[calendar.pk]))
    assert url in change.content.decode()  # the link on the calendar's page

    page = admin_client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["year"] == 2027  # the year after the data ends

    preview = admin_client.post(url, {"year": 2027, "text": NOTICE_2027, "preview": "1"})
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "2027-01-01" in body
    assert "2027-02-20" in body
    assert 'name="confirm"' in body
    assert _days(calendar) == []  # nothing saved before the confirmation

    saved = admin_client.post(url, {"year": 2027, "text": NOTICE_2027, "confirm": "1"})
    assert saved.status_code == 302
    assert saved["Location"] == reverse("admin:sla_businesscalendar_change", args=[calendar.pk])
    days = _days(calendar)
    assert len(days) == 12
    assert (date(2027, 2, 13), DayKind.WORKDAY) in days
    calendar.refresh_from_db()
    assert calendar.valid_until == date(2027, 12, 31)


@pytest.mark.parametrize(
    ("text", "year", "shown"),
    [
        ("明年另行通知。", 2027, "一、元旦"),
        ("一、春节：2月30日放假。", 2027, "2月30日"),
        (NOTICE_2027, 2026, "年份是否正确"),
    ],
)
def test_admin_shows_what_it_cannot_read_and_saves_nothing(
    admin_client, sla_demo, text, year, shown
):
    calendar = BusinessCalendar.objects.get(code="standard")
    url = reverse("admin:sla_businesscalendar_import_holidays", args=[calendar.pk])
    for step in ("preview", "confirm"):
        response = admin_client.post(url, {"year": year, "text": text, step: "1"})
        assert response.status_code == 200
        assert shown in response.content.decode()
        assert 'name="confirm"' not in response.content.decode()
    assert _days(calendar) == []


def test_admin_refusal_by_the_service_is_shown(admin_client, sla_demo):
    calendar = BusinessCalendar.objects.get(code="standard")
    url = reverse("admin:sla_businesscalendar_import_holidays", args=[calendar.pk])
    text = "一、元旦：1月1日（周六）放假。"  # 2028: a Saturday
    response = admin_client.post(url, {"year": 2028, "text": text, "confirm": "1"})
    assert response.status_code == 200
    assert "请先导入2027年，再导入2028年" in response.content.decode()
    assert not CalendarDay.objects.filter(date__year=2028).exists()


def test_admin_action_opens_the_import_for_one_calendar(admin_client, sla_demo):
    calendar = BusinessCalendar.objects.get(code="standard")
    url = reverse("admin:sla_businesscalendar_changelist")
    one = admin_client.post(url, {"action": "import_holidays", "_selected_action": [calendar.pk]})
    assert one.status_code == 302
    assert one["Location"] == reverse(
        "admin:sla_businesscalendar_import_holidays", args=[calendar.pk]
    )
    both = admin_client.post(
        url,
        {
            "action": "import_holidays",
            "_selected_action": list(BusinessCalendar.objects.values_list("pk", flat=True)),
        },
        follow=True,
    )
    assert "请只选择一个日历" in both.content.decode()


def test_beyond_the_data_weekdays_work_and_weekends_rest_until_the_import(sla_demo):
    """docs/sla.md, “When the data runs out”: plain weekdays beyond valid_until."""
    from datetime import timedelta

    from sla.calendars import working_calendar
    from tests.sla.conftest import sh

    calendar = BusinessCalendar.objects.get(code="standard")
    hour = timedelta(hours=1)
    wc = working_calendar(calendar)
    assert wc.add(sh(2026, 12, 31, 17, 0), hour) == sh(2027, 1, 1, 9, 0)  # 元旦 worked
    assert wc.add(sh(2027, 1, 1, 17, 0), hour) == sh(2027, 1, 4, 9, 0)  # weekend off
    services.calendar_import_year(
        calendar=calendar, year=2027, holidays={date(2027, 1, 1): "元旦"}, workdays={}
    )
    calendar.refresh_from_db()
    assert working_calendar(calendar).add(sh(2026, 12, 31, 17, 0), hour) == sh(2027, 1, 4, 9, 0)


def test_staff_without_the_calendar_permission_cannot_import(client, make_user, sla_demo):
    client.force_login(make_user("administrator"))  # staff, but no sla permissions
    calendar = BusinessCalendar.objects.get(code="standard")
    url = reverse("admin:sla_businesscalendar_import_holidays", args=[calendar.pk])
    response = client.post(url, {"year": 2027, "text": NOTICE_2027, "confirm": "1"})
    assert response.status_code == 403
    assert _days(calendar) == []
