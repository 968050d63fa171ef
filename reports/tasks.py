"""Celery tasks of the reports app: thin wrappers around ``reports.delivery``."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from reports import delivery


@shared_task(
    name="reports.send_monthly_report",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=2,
    retry_backoff=30,
    ignore_result=True,
)
def send_monthly_report() -> str | None:
    """E-mail last month's report on the first working day; safe to run often and twice."""
    sent = delivery.monthly_report_send()
    return f"{sent.month:%Y-%m}" if sent else None
