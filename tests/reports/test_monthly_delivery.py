"""The beat task e-mails last month's report to the directors on the month's first working day
of the standard calendar (China's, from the State Council's notice: 2026-10-01..07 are the
National Day holidays, so September's report goes on Thursday 2026-10-08), from
REPORTS_MONTHLY_HOUR on, exactly once."""

from datetime import date, datetime

import pytest
from django.core import mail

from itsm import services as itsm_services
from itsm.models import Notification, NotificationAttachment, NotificationEmailState
from itsm.roles import Role
from reports import delivery, pdf, tasks
from reports.models import MONTHLY_REPORT_EVENT, MonthlyReportDelivery
from reports.monthly import first_working_day
from sla.businesstime import SHANGHAI
from tests.sla.factories import standard_calendar

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.7 fake report"


@pytest.fixture(autouse=True)
def _calendar(settings):
    from sla.calendars import clear_cache

    clear_cache()
    settings.REPORTS_MONTHLY_HOUR = 8
    standard_calendar("standard", china=True)
    yield
    clear_cache()


@pytest.fixture
def directors(make_user):
    return [
        make_user(Role.DIRECTOR, username="dir1", email="dir1@example.cn"),
        make_user(Role.DIRECTOR, username="dir2", email="dir2@example.cn"),
    ]


@pytest.fixture
def fast_pdf(monkeypatch):
    """The PDF itself is tested once (below and in test_monthly_report.py); here it is a stub."""
    monkeypatch.setattr(pdf, "monthly_report_pdf", lambda report, **kw: FAKE_PDF)


def run_at(time_machine, *moment):
    time_machine.move_to(datetime(*moment, tzinfo=SHANGHAI), tick=False)
    return tasks.send_monthly_report()


def test_first_working_days_follow_the_chinese_calendar():
    assert first_working_day(date(2026, 10, 1)) == date(2026, 10, 8)  # National Day week
    assert first_working_day(date(2026, 11, 1)) == date(2026, 11, 2)  # 1st is a Sunday
    assert first_working_day(date(2026, 12, 1)) == date(2026, 12, 1)  # a Tuesday


def test_without_a_standard_calendar_the_first_day_counts(settings):
    settings.SLA_STANDARD_CALENDAR = "none-configured"
    assert first_working_day(date(2026, 10, 1)) == date(2026, 10, 1)


def test_in_october_the_report_goes_after_the_holidays_once(directors, fast_pdf, time_machine):
    for day in range(1, 8):  # the National Day holidays
        assert run_at(time_machine, 2026, 10, day, 9, 0) is None
    assert run_at(time_machine, 2026, 10, 8, 7, 59) is None  # before the hour
    assert not Notification.objects.exists()

    assert run_at(time_machine, 2026, 10, 8, 8, 0) == "2026-09"

    sent = MonthlyReportDelivery.objects.get()
    assert (sent.month, sent.recipients) == (date(2026, 9, 1), 2)
    rows = list(Notification.objects.filter(event=MONTHLY_REPORT_EVENT))
    assert {n.recipient.username for n in rows} == {"dir1", "dir2"}
    assert {n.subject for n in rows} == {"IT 服务报告 2026-09"}
    assert {n.url for n in rows} == {"/reports/monthly/?month=2026-09"}
    files = NotificationAttachment.objects.filter(notification__in=rows)
    assert {(f.filename, bytes(f.content)) for f in files} == {
        ("service-report-2026-09.pdf", FAKE_PDF)
    }
    # Later the same day, the next (adjusted) working day, the next week: nothing more.
    assert run_at(time_machine, 2026, 10, 8, 9, 0) is None
    assert run_at(time_machine, 2026, 10, 8, 23, 0) is None
    assert run_at(time_machine, 2026, 10, 9, 9, 0) is None
    assert run_at(time_machine, 2026, 10, 10, 9, 0) is None  # Saturday, a working day
    assert run_at(time_machine, 2026, 10, 12, 9, 0) is None
    assert Notification.objects.filter(event=MONTHLY_REPORT_EVENT).count() == 2
    assert MonthlyReportDelivery.objects.count() == 1


def test_a_normal_month(directors, fast_pdf, time_machine):
    assert run_at(time_machine, 2026, 11, 1, 10, 0) is None  # Sunday
    assert run_at(time_machine, 2026, 11, 2, 10, 0) == "2026-10"
    assert run_at(time_machine, 2026, 11, 3, 10, 0) is None
    assert run_at(time_machine, 2026, 12, 1, 8, 30) == "2026-11"
    assert run_at(time_machine, 2026, 12, 1, 9, 30) is None
    months = MonthlyReportDelivery.objects.order_by("month").values_list("month", flat=True)
    assert list(months) == [date(2026, 10, 1), date(2026, 11, 1)]
    assert Notification.objects.filter(event=MONTHLY_REPORT_EVENT).count() == 4


def test_a_run_that_lost_the_race_sends_nothing(directors, fast_pdf, time_machine, monkeypatch):
    """Two runs at once: the second passed the check before the first inserted the month."""
    time_machine.move_to(datetime(2026, 12, 1, 9, tzinfo=SHANGHAI), tick=False)
    MonthlyReportDelivery.objects.create(month=date(2026, 11, 1))
    monkeypatch.setattr(
        delivery.MonthlyReportDelivery.objects, "filter", lambda **kw: _NeverExists()
    )
    assert delivery.monthly_report_send() is None
    assert not Notification.objects.exists()


class _NeverExists:
    def exists(self) -> bool:
        return False


def test_no_director_records_the_month_and_sends_nothing(fast_pdf, time_machine):
    assert run_at(time_machine, 2026, 12, 1, 9, 0) == "2026-11"
    assert MonthlyReportDelivery.objects.get().recipients == 0
    assert not Notification.objects.exists()


@pytest.mark.slow
def test_the_directors_receive_the_pdf(directors, time_machine, settings):
    settings.ITSM_BASE_URL = "https://itsm.example.cn"
    assert run_at(time_machine, 2026, 12, 1, 9, 0) == "2026-11"
    for n in Notification.objects.filter(event=MONTHLY_REPORT_EVENT):
        assert (
            itsm_services.notification_deliver(notification_id=n.pk) == NotificationEmailState.SENT
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["dir1@example.cn", "dir2@example.cn"]
    message = mail.outbox[0]
    assert message.subject == "IT 服务报告 2026-11"
    assert "https://itsm.example.cn/reports/monthly/?month=2026-11" in message.body
    [(name, content, content_type)] = message.attachments
    assert (name, content_type) == ("service-report-2026-11.pdf", "application/pdf")
    assert content.startswith(b"%PDF-")


def test_the_beat_runs_it_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reports.send_monthly_report"]
    assert entry["task"] == tasks.send_monthly_report.name == "reports.send_monthly_report"
    assert entry["schedule"] == 3600
    assert entry["options"]["expires"] < 3600


def test_the_command_sends_a_missed_month_once(directors, fast_pdf, time_machine):
    from io import StringIO

    from django.core.management import CommandError, call_command

    time_machine.move_to(datetime(2026, 12, 3, 9, tzinfo=SHANGHAI), tick=False)
    out = StringIO()
    call_command("send_monthly_report", "--month", "2026-10", stdout=out)
    assert "2026-10" in out.getvalue()
    call_command("send_monthly_report", "--month", "2026-10", stdout=out)
    assert "had been sent already" in out.getvalue()
    assert Notification.objects.filter(event=MONTHLY_REPORT_EVENT).count() == 2
    call_command("send_monthly_report", stdout=out)  # last month: November
    assert MonthlyReportDelivery.objects.filter(month=date(2026, 11, 1)).exists()
    with pytest.raises(CommandError):
        call_command("send_monthly_report", "--month", "2027-01")
