"""Re-plan the running SLA/OLA clocks after a calendar or policy edit."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sla import services
from sla.models import BusinessCalendar, SlaPolicy


class Command(BaseCommand):
    help = (
        "Re-plan the clocks that have not stopped (all, or those of a calendar or policy): "
        "policies are matched again, targets and calendars read again. Met and breached "
        "clocks keep their outcome. Prints every deadline that moved."
    )

    def add_arguments(self, parser):
        parser.add_argument("--calendar", action="append", help="calendar code (repeatable)")
        parser.add_argument("--policy", action="append", help="policy code (repeatable)")
        parser.add_argument("--dry-run", action="store_true", help="report, change nothing")

    def handle(self, *args, calendar=None, policy=None, dry_run=False, **options):
        calendars = policies = None
        if calendar:
            calendars = list(BusinessCalendar.objects.filter(code__in=calendar))
            if len(calendars) != len(set(calendar)):
                raise CommandError(f"unknown calendar among {calendar}")
        if policy:
            policies = list(SlaPolicy.objects.filter(code__in=policy))
            if len(policies) != len(set(policy)):
                raise CommandError(f"unknown policy among {policy}")
        moved = services.clocks_replan(calendars=calendars, policies=policies, dry_run=dry_run)
        for m in moved:
            old = timezone.localtime(m.old_deadline)
            new = timezone.localtime(m.new_deadline)
            self.stdout.write(
                f"{m.incident_number} {m.target}: {old:%Y-%m-%d %H:%M} → {new:%Y-%m-%d %H:%M}"
            )
        verb = "would move" if dry_run else "moved"
        self.stdout.write(self.style.SUCCESS(f"{len(moved)} deadline(s) {verb}"))
