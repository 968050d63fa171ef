from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _count(name: str):
    """A workspace card's count: ``incidents.selectors.<name>(user)``, imported when counted."""

    def count(user) -> int:
        from incidents import selectors

        return getattr(selectors, name)(user)

    return count


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        # The kinds of notification incidents send (the shared core lists none of its own).
        from incidents import notify
        from itsm.notification_kinds import notification_kind_register

        for code, label in notify.NOTIFICATION_KINDS:
            notification_kind_register(code, label, digest=code in notify.DIGEST_KINDS)

        # The incident pages in the navigation; the demo incidents.
        from itsm.demo import demo_seeder_register
        from itsm.navigation import NavEntry, nav_entry_register, nav_search_register
        from itsm.roles import ALL_INCIDENTS_ROLES, DISPUTE_ROLES, SECTION_QUEUE_ROLES

        demo_seeder_register("incidents.demo")

        nav_entry_register(
            NavEntry(
                "queue",
                _("Section queue"),
                "incidents:queue",
                SECTION_QUEUE_ROLES,
                order=30,
                card_count=_count("to_accept_count"),
                card_label=_("To accept"),
            )
        )
        nav_entry_register(
            NavEntry(
                "all_incidents",
                _("All incidents"),
                "incidents:all",
                ALL_INCIDENTS_ROLES,
                order=35,
            )
        )
        # The search box on every page.
        nav_search_register("incidents:search")
        nav_entry_register(
            NavEntry(
                "disputes",
                _("Disputes"),
                "incidents:disputes",
                DISPUTE_ROLES,
                order=40,
                card_count=_count("to_settle_count"),
                card_label=_("To settle"),
            )
        )

        # The SLA tick acts on incidents through these (``sla`` never imports ``incidents``).
        from incidents import sla_handlers
        from sla import handlers

        handlers.register_threshold_handler(
            sla_handlers.on_threshold,
            many=sla_handlers.on_thresholds,
            lock=sla_handlers.lock_incidents,
        )
        handlers.register_calendar_gap_handler(sla_handlers.on_calendar_gap)
        handlers.register_replan_handler(sla_handlers.on_replan)
