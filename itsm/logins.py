"""Password guessing: django-axes locks a login out per account and address, per account and
per address (docs/operations.md, "Sign-in lockout"). The browser login, the admin login and
``POST /api/v1/auth/token/`` all authenticate through it, so one admin page shows and lifts
every lock."""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def client_address(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or with ``TRUSTED_PROXY_COUNT`` proxies in front
    the address the outermost trusted proxy put in ``X-Forwarded-For`` (the header's Nth entry
    from the right; what a client wrote further left is ignored). The API's throttles use the
    same rule (``REST_FRAMEWORK["NUM_PROXIES"]``)."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",")]
    return addresses[-min(proxies, len(addresses))] or remote


class LoginLockHandler(AxesDatabaseHandler):
    """axes' database handler with one limit per lockout parameter: ``AXES_LOCKOUT_PARAMETERS``
    and ``LOGIN_FAILURE_LIMITS`` are read pairwise. axes compares one number with
    ``AXES_FAILURE_LIMIT`` (the first limit), so the failures of each parameter are reported
    shifted by the difference of its limit to the first: a login is locked as soon as any
    parameter reaches its own limit."""

    def get_failures(self, request, credentials=None) -> int:
        base = settings.AXES_FAILURE_LIMIT
        worst = 0
        for attempts, limit in zip(
            self.get_user_attempts(request, credentials),
            settings.LOGIN_FAILURE_LIMITS,
            strict=True,
        ):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if failures:
                worst = max(worst, failures - limit + base)
        return worst


def login_logs_purge(*, now=None) -> int:
    """Delete sign-in audit rows (successes and failures) older than
    ``LOGIN_LOG_RETENTION_DAYS`` (0 keeps them for ever); the daily beat task runs it."""
    days = settings.LOGIN_LOG_RETENTION_DAYS
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()
    failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()
    return deleted + failures


def lock_lifts_at(request: HttpRequest, credentials: dict | None):
    """When the lock on this account or address lifts: the cool-off after its last failure."""
    cool_off = get_cool_off(request) or timedelta(0)
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    last = AccessAttempt.objects.filter(
        Q(username=username) | Q(ip_address=address),
        attempt_time__gte=timezone.now() - cool_off,
    ).aggregate(last=Max("attempt_time"))["last"]
    return (last or timezone.now()) + cool_off


def lockout_message(lifts_at) -> str:
    return _(
        "Too many failed sign-ins: this account is locked for sign-in from here until %(time)s. "
        "Try again after that, or ask the service desk to lift the lock now."
    ) % {"time": date_format(timezone.localtime(lifts_at), "DATETIME_FORMAT")}


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: 429 with what happened, when it lifts and whom to ask; the
    API answers JSON like its other errors, the pages show the sign-in form again."""
    lifts_at = lock_lifts_at(request, credentials)
    message = lockout_message(lifts_at)
    retry_after = str(max(1, int((lifts_at - timezone.now()).total_seconds())))
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        from itsm.forms import LoginForm

        response = render(
            request,
            "registration/login.html",
            {"form": LoginForm(request), "lockout": message, "next": ""},
            status=429,
        )
    response["Retry-After"] = retry_after
    return response
