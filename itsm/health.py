"""Liveness checks of the database and the message broker, for /healthz, and the registry of
details the apps add to it (``health_detail_register``: reported, never failing liveness)."""

from collections.abc import Callable

from django.conf import settings
from django.db import connections

# name -> a function returning what to report (JSON-serialisable), or something empty when
# all is well. Filled by the apps from their AppConfig.ready() (sla: calendars run out).
_DETAILS: dict[str, Callable[[], object]] = {}


def health_detail_register(name: str, report: Callable[[], object]) -> None:
    """Add a detail to /healthz (idempotent for the same name)."""
    _DETAILS[name] = report


def health_details() -> dict:
    """The non-empty details, by name. A detail that fails reports its error; a detail never
    makes the service unhealthy (it is for monitoring to alert on, not to restart for)."""
    details = {}
    for name, report in _DETAILS.items():
        try:
            value = report()
        except Exception as exc:  # noqa: BLE001 - a broken detail must not break /healthz
            value = f"{type(exc).__name__}: {exc}".strip()
        if value:
            details[name] = value
    return details


def check_database() -> str | None:
    """None when the default database answers, else what went wrong."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy; report it
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def check_broker() -> str | None:
    """None when the Celery broker accepts a connection, else what went wrong."""
    from itsm.celery import app

    timeout = settings.HEALTHZ_BROKER_TIMEOUT
    try:
        with app.connection_for_write() as conn:
            conn.transport_options.update(
                {"socket_connect_timeout": timeout, "socket_timeout": timeout}
            )
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
            # A connection object may be lazy; opening a channel proves the broker answers.
            channel = conn.channel()
            channel.close()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy; report it
        return f"{type(exc).__name__}: {exc}".strip()
    return None
