"""Writes of the reports app: e-mailing last month's service report to the directors on the
first working day of the month, exactly once (through the notification outbox)."""

import logging
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from itsm.roles import Role
from itsm.selectors import users_with_role
from itsm.services import EmailFile, notification_queue
from reports import pdf
from reports.models import MONTHLY_REPORT_EVENT, MonthlyReportDelivery
from reports.monthly import first_working_day, month_start, monthly_report, previous_month

logger = logging.getLogger(__name__)


def monthly_report_send(*, now: datetime | None = None) -> MonthlyReportDelivery | None:
    """Send last month's report if today is this month's first working day (from
    ``REPORTS_MONTHLY_HOUR`` local time on) and it has not been sent; returns the delivery,
    or None when there is nothing to do (the beat task calls it every hour)."""
    local = timezone.localtime(now or timezone.now())
    today = local.date()
    if today != first_working_day(month_start(today)):
        return None
    if local.hour < settings.REPORTS_MONTHLY_HOUR:
        return None
    return monthly_report_deliver(month=previous_month(today), now=local)


def monthly_report_deliver(*, month: date, now: datetime | None = None):
    """E-mail the report of ``month`` (its first day) to the directors unless it was sent;
    returns the delivery, or None when it had been sent already.

    The PDF is made before the transaction (it takes a moment); the delivery row is unique
    per month, so of two concurrent runs one inserts it and queues the e-mails, the other
    finds it and sends nothing."""
    if MonthlyReportDelivery.objects.filter(month=month).exists():
        return None
    with override(settings.LANGUAGE_CODE):
        report = monthly_report(month)
        document = pdf.monthly_report_pdf(report)
        subject = _("IT service report %(month)s") % {"month": f"{month:%Y-%m}"}
        body = _(
            "The IT service report of %(month)s is attached (PDF). It is also on the "
            "reports page, where every figure leads to its incidents."
        ) % {"month": f"{month:%Y-%m}"}
    directors = users_with_role(Role.DIRECTOR)
    try:
        with transaction.atomic():
            delivery = MonthlyReportDelivery.objects.create(
                month=month, sent_at=now or timezone.now(), recipients=len(directors)
            )
            notification_queue(
                recipients=directors,
                event=MONTHLY_REPORT_EVENT,
                subject=subject,
                body=body,
                url=f"{reverse('reports:monthly')}?month={month:%Y-%m}",
                attachments=[
                    EmailFile(
                        filename=pdf.monthly_report_filename(report),
                        content=document,
                        content_type=pdf.PDF_CONTENT_TYPE,
                    )
                ],
            )
    except IntegrityError:
        return None  # another run sent it meanwhile
    logger.info("Monthly service report %s queued for %s directors", month, len(directors))
    return delivery
