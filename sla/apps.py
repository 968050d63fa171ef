from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("SLA and OLA")

    def ready(self):
        from itsm.demo import demo_seeder_register

        demo_seeder_register("sla.demo")

        from itsm.notification_kinds import notification_kind_register
        from sla.services import CALENDAR_DATA_ENDING

        notification_kind_register(CALENDAR_DATA_ENDING, _("Calendar data running out"))

        # /healthz reports a calendar whose data has run out (itsm never imports sla).
        from itsm.health import health_detail_register
        from sla.selectors import calendars_run_out

        health_detail_register("calendars", calendars_run_out)
