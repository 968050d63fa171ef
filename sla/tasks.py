"""Celery tasks of the SLA app: the beat tick (thin around ``sla.services.sla_tick``) and the
daily warning about calendars whose holiday data runs out."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from sla import services


@shared_task(
    name="sla.tick",
    acks_late=True,
    # A lost connection or a deadlock rolls the batch back; retry it a couple of times, and
    # after that the next beat tick is the retry (nothing is lost: the clocks stay due).
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=2,
    retry_backoff=2,
    retry_backoff_max=10,
    ignore_result=True,
)
def tick(batch_size: int | None = None) -> dict:
    """Fire the thresholds of the clocks that came due; safe to run twice or concurrently.
    ``batch_size`` (default ``SLA_TICK_BATCH``) is the number of clocks per transaction.

    A run that used up its time budget with clocks still due queues one more run at once,
    so that a backlog drains through every free worker (they share it: skip locked)."""
    result = services.sla_tick(
        batch_size=batch_size, time_budget=settings.SLA_TICK_TIME_BUDGET_SECONDS
    )
    if result.more_due:
        tick.apply_async(kwargs={"batch_size": batch_size})
    return result.as_dict()


@shared_task(
    name="sla.calendar_data_warnings",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=2,
    retry_backoff=10,
    ignore_result=True,
)
def calendar_data_warnings() -> list[str]:
    """Warn the administrators about calendars whose data runs out (once per end date)."""
    return services.calendar_data_warnings_send()
