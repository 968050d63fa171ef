"""Load the demo data every app registered (``itsm.demo.demo_seeder_register``); idempotent."""

from importlib import import_module

from django.core.management.base import BaseCommand

from itsm.demo import demo_seeders


class Command(BaseCommand):
    help = "Create the demo organisation, users and data. Running it twice changes nothing."

    def handle(self, *args, **options):
        for dotted in demo_seeders():
            created = import_module(dotted).seed()
            summary = ", ".join(f"{k}: {v}" for k, v in created.items())
            self.stdout.write(f"{dotted}: created {summary or 'nothing'}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
