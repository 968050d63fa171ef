"""Reports: KPI definitions, roll-ups, dashboards and exports (DESIGN §4)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The notification kind of the e-mailed report (registered by ``ReportsConfig.ready``).
MONTHLY_REPORT_EVENT = "reports.monthly_report"


class MonthlyReportDelivery(models.Model):
    """That a month's service report went to the directors: one row per month, so that the
    beat task sends it exactly once whatever retries or concurrent runs happen."""

    month = models.DateField(_("month"), unique=True, help_text=_("The month's first day."))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("monthly report delivery")
        verbose_name_plural = _("monthly report deliveries")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
