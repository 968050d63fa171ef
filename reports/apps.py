from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The dashboards in the navigation (shown once their page exists).
        from itsm.navigation import NavEntry, nav_entry_register
        from itsm.roles import Role

        nav_entry_register(
            NavEntry(
                "dashboards",
                _("Dashboards"),
                "reports:dashboard",
                frozenset(
                    {Role.DESK_MANAGER, Role.SECTION_LEAD, Role.INCIDENT_MANAGER, Role.DIRECTOR}
                ),
                order=50,
            )
        )
