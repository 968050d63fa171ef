"""Policy matching (most specific wins), stored calendars and their cache, the Chinese calendar
loader, the calendar gap rule, business days for auto-close and suspension limits, re-plans."""

from datetime import date, time, timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from incidents import services
from incidents.choices import Status
from incidents.models import Incident, IncidentEvent
from incidents.sla_handlers import CALENDAR_GAP_EVENT
from sla import services as sla_services
from sla.calendars import working_calendar
from sla.choices import DayKind, State, Target
from sla.models import BusinessCalendar, CalendarDay, SlaClock, SlaPolicy, WorkingPeriod
from sla.selectors import clocks_with_calendar_gap, policy_for
from tests.incidents.factories import CategoryFactory
from tests.sla.conftest import sh
from tests.sla.factories import PolicyFactory, add_day, always_open_calendar, standard_calendar

pytestmark = pytest.mark.django_db


# --- policy specificity ---------------------------------------------------------------------


def test_most_specific_policy_wins():
    parent = CategoryFactory(code="network")
    child = CategoryFactory(code="network-lan", parent=parent)
    default = PolicyFactory(code="default", is_default=True)
    p3 = PolicyFactory(code="p3", priority="P3")
    p3_fault = PolicyFactory(code="p3-fault", priority="P3", nature="fault")
    p3_network = PolicyFactory(code="p3-network", priority="P3", category=parent)
    p3_lan = PolicyFactory(code="p3-lan", priority="P3", category=child, rank=-1)
    customs = PolicyFactory(code="customs", priority="P3", nature="fault", organisation="海关总署")

    def match(**kwargs):
        kwargs.setdefault("priority", "P3")
        return policy_for(**kwargs)

    assert match(priority="P4") == default
    assert match(nature="request") == p3
    # Two criteria each: the incident's own category beats its parent's.
    assert match(nature="request", category=child) == p3_lan
    assert match(nature="request", category=parent) == p3_network
    # Two criteria each (nature vs category): the lowest rank wins, then the oldest policy.
    assert match(nature="fault", category=child) == p3_lan
    assert match(nature="fault", category=parent) == p3_fault
    # Three criteria beat two; organisations compare without case and surrounding blanks.
    assert match(nature="fault", organisation="海关总署") == customs
    assert match(nature="fault", organisation="  海关总署 ") == customs
    assert match(nature="fault", organisation="其他单位") == p3_fault


def test_rank_breaks_ties_and_inactive_policies_are_ignored():
    parent = CategoryFactory(code="sys")
    a = PolicyFactory(code="a", priority="P2", rank=5)
    b = PolicyFactory(code="b", nature="fault", rank=1)
    assert policy_for(priority="P2", nature="fault") == b
    b.active = False
    b.save()
    assert policy_for(priority="P2", nature="fault") == a
    c = PolicyFactory(code="c", category=parent, rank=0)
    assert policy_for(priority="P2", nature="fault", category=parent) == c
    assert policy_for(priority="P1") is None


def test_only_one_default_policy_and_it_has_no_criteria():
    PolicyFactory(code="d1", is_default=True)
    with pytest.raises(IntegrityError):
        PolicyFactory(code="d2", is_default=True)


def test_default_policy_cannot_have_criteria():
    with pytest.raises(IntegrityError):
        PolicyFactory(code="d3", is_default=True, priority="P1")


def test_the_incidents_organisation_selects_the_policy(world, clock):
    PolicyFactory(code="any", response_target=timedelta(hours=4))
    PolicyFactory(code="vip", organisation="海关总署", response_target=timedelta(minutes=30))
    from incidents.services import Contact

    vip = world.incident(contact=Contact(name="张三", organisation="海关总署"))
    other = world.incident()
    assert SlaClock.objects.get(incident_id=vip.pk, target=Target.RESPONSE).policy.code == "vip"
    assert SlaClock.objects.get(incident_id=other.pk, target=Target.RESPONSE).policy.code == "any"


# --- stored calendars -----------------------------------------------------------------------


def test_standard_calendar_from_the_database_knows_national_day_and_its_adjusted_days():
    wc = working_calendar(standard_calendar())
    # 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are working days.
    assert wc.add(sh(2025, 9, 30, 17, 0), timedelta(hours=1)) == sh(2025, 10, 9, 9, 0)
    assert wc.is_working(sh(2025, 9, 28, 10, 0))
    assert wc.is_working(sh(2025, 10, 11, 14, 0))
    assert not wc.is_working(sh(2025, 10, 4, 10, 0))
    assert wc.valid_from == date(2004, 1, 1)
    assert wc.valid_until == date(2026, 12, 31)


def test_an_edit_through_the_service_rebuilds_the_cached_calendar():
    calendar = standard_calendar()
    before = working_calendar(calendar)
    assert working_calendar(calendar) is before  # cached per revision
    add_day(calendar, date(2026, 12, 1), DayKind.HOLIDAY, "本地假日")
    calendar.refresh_from_db()
    after = working_calendar(calendar)
    assert after is not before
    assert not after.is_working(sh(2026, 12, 1, 10, 0))
    assert before.is_working(sh(2026, 12, 1, 10, 0))


def test_the_24x7_calendar_counts_real_time():
    wc = working_calendar(always_open_calendar())
    assert wc.add(sh(2026, 10, 1, 23, 0), timedelta(hours=4)) == sh(2026, 10, 2, 3, 0)


def test_load_china_calendar_command_is_idempotent_and_keeps_local_days(capsys):
    call_command("load_china_calendar")
    calendar = BusinessCalendar.objects.get(code="standard")
    assert WorkingPeriod.objects.filter(calendar=calendar).count() == 10
    days = CalendarDay.objects.filter(calendar=calendar)
    assert days.filter(kind=DayKind.HOLIDAY, date=date(2026, 2, 17)).exists()  # Spring Festival
    assert days.filter(kind=DayKind.WORKDAY, date=date(2026, 2, 14)).exists()  # 调休 Saturday
    total = days.count()
    revision = BusinessCalendar.objects.get(pk=calendar.pk).revision
    # An administrator adds next year's first holiday; loading again keeps it.
    CalendarDay.objects.create(calendar=calendar, date=date(2027, 1, 1), kind=DayKind.HOLIDAY)
    calendar.valid_until = date(2027, 1, 31)
    calendar.save()
    call_command("load_china_calendar")
    calendar.refresh_from_db()
    assert days.count() == total + 1
    assert calendar.valid_until == date(2027, 1, 31)  # never shrinks
    assert calendar.revision == revision  # nothing changed, nothing to rebuild
    assert capsys.readouterr().out.splitlines()[-1].startswith("standard: 0 days created")


# --- calendar gap ---------------------------------------------------------------------------


def test_a_deadline_beyond_the_calendar_data_is_flagged_and_recorded(world, sla_demo, clock):
    clock(2026, 12, 30, 9, 0)
    incident = world.incident(impact=3, urgency=3)  # P4: 40 business hours → January 2027
    resolution = SlaClock.objects.get(incident_id=incident.pk, target=Target.RESOLUTION)
    response = SlaClock.objects.get(incident_id=incident.pk, target=Target.RESPONSE)
    assert resolution.calendar_gap is True
    assert resolution.deadline > sh(2027, 1, 1, 0, 0)
    assert response.calendar_gap is False
    assert list(clocks_with_calendar_gap()) == [resolution]
    event = IncidentEvent.objects.get(incident=incident, kind=CALENDAR_GAP_EVENT)
    assert event.actor is None
    assert event.data["target"] == "resolution"
    assert event.data["valid_until"] == "2026-12-31"

    # Next year's calendar is published: the administrator extends the data and re-plans.
    calendar = BusinessCalendar.objects.get(code="standard")
    calendar.valid_until = date(2027, 12, 31)
    calendar.save()
    add_day(calendar, date(2027, 1, 1), DayKind.HOLIDAY, "元旦")
    moved = sla_services.clocks_replan(calendars=[calendar])
    resolution.refresh_from_db()
    assert resolution.calendar_gap is False
    assert [m.clock_id for m in moved if m.target == Target.RESOLUTION] == [resolution.pk]


# --- re-planning after edits --------------------------------------------------------------------


def test_replan_command_moves_running_clocks_and_keeps_outcomes(world, sla_demo, clock, capsys):
    met = world.in_progress()  # response met at 09:00
    running = world.incident()
    p3 = SlaPolicy.objects.get(code="p3")
    p3.resolution_target = timedelta(hours=16)
    p3.response_target = timedelta(hours=1)
    p3.save()

    call_command("replan_clocks", "--policy", "p3", "--dry-run")
    assert "would move" in capsys.readouterr().out
    assert SlaClock.objects.get(incident_id=running.pk, target=Target.RESOLUTION).deadline == sh(
        2026, 11, 26, 10, 30
    )

    call_command("replan_clocks", "--policy", "p3")
    out = capsys.readouterr().out
    assert running.number in out
    resolution = SlaClock.objects.get(incident_id=running.pk, target=Target.RESOLUTION)
    # 16 business hours from Monday 09:00: Mon 7 h, Tue 7.5 h, Wed 1.5 h → 10:00.
    assert resolution.deadline == sh(2026, 11, 25, 10, 0)
    assert SlaClock.objects.get(incident_id=running.pk, target=Target.RESPONSE).deadline == sh(
        2026, 11, 23, 10, 0
    )
    met_response = SlaClock.objects.get(incident_id=met.pk, target=Target.RESPONSE)
    assert met_response.state == State.MET
    assert met_response.target_duration == timedelta(hours=2)
    assert Incident.objects.get(pk=running.pk).next_deadline_at == sh(2026, 11, 23, 10, 0)


def test_replan_after_a_new_holiday(world, sla_demo, clock):
    incident = world.incident()
    calendar = BusinessCalendar.objects.get(code="standard")
    add_day(calendar, date(2026, 11, 24), DayKind.HOLIDAY, "临时放假")
    moved = sla_services.clocks_replan(calendars=[calendar])
    resolution = SlaClock.objects.get(incident_id=incident.pk, target=Target.RESOLUTION)
    assert resolution.deadline == sh(2026, 11, 27, 10, 30)  # one working day later
    assert {m.target for m in moved} >= {Target.RESOLUTION}


# --- business days for the incident rules -----------------------------------------------------


def test_auto_close_counts_business_days(world, sla_demo, clock, settings):
    settings.INCIDENT_AUTO_CLOSE_DAYS = 3
    clock(2026, 11, 27, 16, 0)  # Friday
    incident = world.resolved()
    clock(2026, 12, 1, 16, 0)  # Tuesday: 2 working days (Mon, Tue) later
    assert services.incidents_auto_close() == 0
    clock(2026, 12, 2, 15, 59)
    assert services.incidents_auto_close() == 0
    clock(2026, 12, 2, 16, 0)  # Wednesday: the third working day
    assert services.incidents_auto_close() == 1
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED


def test_auto_close_cutoff_skips_holidays():
    standard_calendar()
    # Friday 9 October 2026 minus 3 working days: Thursday 8 October, then 1–7 October are
    # holidays, Wednesday 30 and Tuesday 29 September.
    cutoff = services.auto_close_cutoff(sh(2026, 10, 9, 10, 0))
    assert cutoff == sh(2026, 9, 29, 10, 0)


def test_auto_close_falls_back_to_plain_days_without_a_calendar(settings):
    settings.INCIDENT_AUTO_CLOSE_DAYS = 3
    assert services.auto_close_cutoff(sh(2026, 11, 23, 10, 0)) == sh(2026, 11, 20, 10, 0)


def test_suspension_limit_counts_business_days(world, sla_demo, clock):
    from django.core.exceptions import ValidationError

    clock(2026, 11, 27, 10, 0)  # Friday; the reason allows 3 days
    incident = world.in_progress()
    # Wednesday 10:00 is 3 working days later: within the limit although 5 days away.
    services.incident_suspend(
        incident=incident, by=world.tech, reason=world.reason, resume_at=sh(2026, 12, 2, 10, 0)
    )
    event = IncidentEvent.objects.filter(incident=incident, kind="suspended").get()
    assert event.data["beyond_maximum"] is False
    services.incident_resume(incident=incident, by=world.tech)
    with pytest.raises(ValidationError):
        services.incident_suspend(
            incident=incident,
            by=world.tech,
            reason=world.reason,
            resume_at=sh(2026, 12, 2, 10, 1),
        )


def test_working_period_and_calendar_constraints():
    calendar = standard_calendar(china=False)
    with pytest.raises(IntegrityError):
        WorkingPeriod.objects.create(calendar=calendar, weekday=5, start=time(12), end=time(9))


def test_load_china_covers_the_installed_package_s_years(db, capsys):
    import chinese_calendar

    call_command("load_china_calendar")
    calendar = BusinessCalendar.objects.get(code="standard")
    assert calendar.valid_from == date(min(chinese_calendar.holidays).year, 1, 1)
    assert calendar.valid_until == date(max(chinese_calendar.holidays).year, 12, 31)
    assert "replan_clocks --calendar standard" in capsys.readouterr().out


def test_load_china_picks_up_a_newer_package(db, monkeypatch, capsys):
    import chinese_calendar

    call_command("load_china_calendar")
    last = max(chinese_calendar.holidays).year
    capsys.readouterr()
    # A newer release of the package knows one more year.
    new_year, worked = date(last + 1, 1, 1), date(last + 1, 2, 6)
    monkeypatch.setattr(
        chinese_calendar, "holidays", {**chinese_calendar.holidays, new_year: "New Year's Day"}
    )
    monkeypatch.setattr(
        chinese_calendar, "workdays", {**chinese_calendar.workdays, worked: "Spring Festival"}
    )
    call_command("load_china_calendar")
    calendar = BusinessCalendar.objects.get(code="standard")
    assert calendar.valid_until == date(last + 1, 12, 31)
    days = dict(CalendarDay.objects.filter(calendar=calendar).values_list("date", "kind"))
    assert days[new_year] == DayKind.HOLIDAY
    assert days[worked] == DayKind.WORKDAY
    assert "2 days created" in capsys.readouterr().out


def test_load_china_range_is_the_package_s_own(db, monkeypatch):
    """The package refuses a year its holidays do not cover, whatever its workdays hold."""
    import chinese_calendar

    last = max(chinese_calendar.holidays).year
    stray = date(last + 1, 1, 2)
    monkeypatch.setattr(chinese_calendar, "workdays", {**chinese_calendar.workdays, stray: "x"})
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(stray)
    call_command("load_china_calendar")
    calendar = BusinessCalendar.objects.get(code="standard")
    assert calendar.valid_until == date(last, 12, 31)
