"""Liveness checks of the database and the message broker, for /healthz."""

from django.conf import settings
from django.db import connections


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
