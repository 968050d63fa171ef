from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The dashboards in the navigation (shown once their page exists).
        from itsm.navigation import NavEntry, nav_entry_register
        from itsm.roles import DASHBOARD_ROLES

        nav_entry_register(
            NavEntry(
                "dashboards",
                _("Dashboards"),
                "reports:dashboard",
                DASHBOARD_ROLES,
                order=50,
            )
        )

        # The monthly service report (reports/views_monthly.py).
        from itsm.roles import SERVICE_REPORT_ROLES

        nav_entry_register(
            NavEntry(
                "service_report",
                _("Service report"),
                "reports:monthly",
                SERVICE_REPORT_ROLES,
                order=55,
            )
        )

        # Last month's service report, e-mailed to the directors (reports.delivery).
        from itsm.notification_kinds import notification_kind_register
        from reports.models import MONTHLY_REPORT_EVENT

        notification_kind_register(MONTHLY_REPORT_EVENT, _("Monthly service report"))
