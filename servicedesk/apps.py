from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _count(name: str):
    """A workspace card's count: ``incidents.selectors.<name>(user)``, imported when counted."""

    def count(user) -> int:
        from incidents import selectors

        return getattr(selectors, name)(user)

    return count


class ServicedeskConfig(AppConfig):
    name = "servicedesk"
    verbose_name = _("Service desk")

    def ready(self):
        # The desk's pages in the navigation.
        from itsm.navigation import NavEntry, nav_entry_register
        from itsm.roles import CONSOLE_ROLES, DESK_TEAM_ROLES, PORTAL_ROLES

        nav_entry_register(
            NavEntry(
                "portal",
                _("My requests"),
                "servicedesk:portal",
                PORTAL_ROLES,
                order=10,
                card_count=_count("open_requests_count"),
                card_label=pgettext_lazy("workspace card", "Open"),
            )
        )
        nav_entry_register(
            NavEntry(
                "console",
                _("Desk console"),
                "servicedesk:console",
                CONSOLE_ROLES,
                order=20,
                card_count=_count("to_dispatch_count"),
                card_label=_("To dispatch"),
            )
        )
        nav_entry_register(
            NavEntry(
                "desk-team",
                _("Desk team"),
                "servicedesk:team",
                DESK_TEAM_ROLES,
                order=25,
            )
        )
