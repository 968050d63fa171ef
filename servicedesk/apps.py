from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


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
            )
        )
        nav_entry_register(
            NavEntry(
                "console",
                _("Desk console"),
                "servicedesk:console",
                CONSOLE_ROLES,
                order=20,
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
