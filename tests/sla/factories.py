"""Factories for SLA calendars, policies, thresholds and OLA targets."""

from datetime import date, time, timedelta

import factory

from sla import services
from sla.models import (
    BusinessCalendar,
    CalendarDay,
    OlaTarget,
    SlaPolicy,
    SlaThreshold,
    WorkingPeriod,
)

STANDARD_DAY = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))


def standard_calendar(code: str = "standard", *, china: bool = True) -> BusinessCalendar:
    """Monday–Friday 08:30–12:00, 13:30–17:30, with the Chinese holidays when ``china``."""
    calendar, created = BusinessCalendar.objects.get_or_create(
        code=code, defaults={"name_zh": "标准工作日历", "name_en": "Standard"}
    )
    if created:
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, weekday=d, start=s, end=e)
            for d in range(5)
            for s, e in STANDARD_DAY
        )
        if china:
            services.calendar_load_china(calendar=calendar)
    return calendar


def always_open_calendar(code: str = "24x7") -> BusinessCalendar:
    calendar, _ = BusinessCalendar.objects.get_or_create(
        code=code, defaults={"name_zh": "7×24", "name_en": "24×7", "always_open": True}
    )
    return calendar


def add_day(calendar: BusinessCalendar, day: date, kind: str, name: str = "") -> CalendarDay:
    row = CalendarDay.objects.create(calendar=calendar, date=day, kind=kind, name=name)
    services.calendar_touch(calendar=calendar)
    return row


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlaPolicy
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"policy{n}")
    name_zh = factory.LazyAttribute(lambda o: f"策略{o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Policy {o.code}")
    calendar = factory.LazyFunction(standard_calendar)
    response_target = timedelta(hours=2)
    resolution_target = timedelta(hours=24)


class ThresholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlaThreshold

    policy = factory.SubFactory(PolicyFactory)
    target = "resolution"
    percent = 75
    escalation_level = 1
    notify_assignee = True
    notify_lead = True


class OlaTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OlaTarget
        django_get_or_create = ("department",)

    accept_within = timedelta(minutes=30)
    resolve_within = timedelta(hours=8)
    calendar = factory.LazyFunction(standard_calendar)
