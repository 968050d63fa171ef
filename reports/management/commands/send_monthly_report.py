"""E-mail a month's service report to the directors now (a month the beat task missed, for
example while no worker ran on its first working day); never twice for the same month."""

from django.core.management.base import BaseCommand, CommandError

from reports.delivery import monthly_report_deliver
from reports.monthly import MonthForm


class Command(BaseCommand):
    help = "E-mail a month's service report (default: last month) to the directors, once."

    def add_arguments(self, parser):
        parser.add_argument("--month", default="", help="YYYY-MM (default: last month)")

    def handle(self, *args, month: str, **options):
        form = MonthForm({"month": month})
        if not form.is_valid():
            raise CommandError("; ".join(form.errors["month"]))
        first = form.cleaned_data["month"]
        delivery = monthly_report_deliver(month=first)
        if delivery is None:
            self.stdout.write(f"The report of {first:%Y-%m} had been sent already.")
        else:
            self.stdout.write(
                f"The report of {first:%Y-%m} is on its way to {delivery.recipients} directors."
            )
