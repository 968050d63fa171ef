from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        # The kinds of notification incidents send (the shared core lists none of its own).
        from incidents import notify
        from itsm.notification_kinds import notification_kind_register

        for code, label in notify.NOTIFICATION_KINDS:
            notification_kind_register(code, label)

        # The SLA tick acts on incidents through these (``sla`` never imports ``incidents``).
        from incidents import sla_handlers
        from sla import handlers

        handlers.register_threshold_handler(
            sla_handlers.on_threshold, many=sla_handlers.on_thresholds
        )
        handlers.register_calendar_gap_handler(sla_handlers.on_calendar_gap)
        handlers.register_deadline_handler(sla_handlers.on_deadline_moved)
