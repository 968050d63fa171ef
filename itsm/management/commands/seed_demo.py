"""Load the demo data of every app; idempotent."""

from importlib import import_module

from django.core.management.base import BaseCommand

# Each app that has demo data adds its seeder here, in dependency order.
SEEDERS = ["itsm.demo", "sla.demo", "incidents.demo"]


class Command(BaseCommand):
    help = "Create the demo organisation, users and data. Running it twice changes nothing."

    def handle(self, *args, **options):
        for dotted in SEEDERS:
            created = import_module(dotted).seed()
            summary = ", ".join(f"{k}: {v}" for k, v in created.items())
            self.stdout.write(f"{dotted}: created {summary or 'nothing'}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
