"""Load the Chinese statutory holidays and adjusted working days into a business calendar."""

from datetime import time

from django.core.management.base import BaseCommand
from django.db import transaction

from sla import services
from sla.models import BusinessCalendar, WorkingPeriod

STANDARD_DAY = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))


class Command(BaseCommand):
    help = (
        "Load the holidays and adjusted working days (调休) the chinesecalendar package knows "
        "into a calendar (created with Monday–Friday 08:30–12:00, 13:30–17:30 if missing). "
        "Dates added by administrators are kept; running it twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--calendar", default="standard", help="calendar code")

    @transaction.atomic
    def handle(self, *args, calendar: str, **options):
        cal, created = BusinessCalendar.objects.get_or_create(
            code=calendar,
            defaults={"name_zh": "标准工作日历", "name_en": "Standard working calendar"},
        )
        if created:
            WorkingPeriod.objects.bulk_create(
                WorkingPeriod(calendar=cal, weekday=weekday, start=start, end=end)
                for weekday in range(5)
                for start, end in STANDARD_DAY
            )
            self.stdout.write(f"created calendar {cal.code} with the standard hours")
        if cal.always_open:
            self.stderr.write(f"calendar {cal.code} is always open (24×7); days are ignored")
        result = services.calendar_load_china(calendar=cal)
        self.stdout.write(
            self.style.SUCCESS(
                f"{cal.code}: {result.created} days created, {result.updated} updated, "
                f"{result.unchanged} unchanged; data {result.valid_from} – {result.valid_until}"
            )
        )
        if result.created or result.updated:
            self.stdout.write(
                f"run `manage.py replan_clocks --calendar {cal.code}` so that running clocks "
                "follow the new days"
            )
