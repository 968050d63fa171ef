"""Request rates per token (per user for browser sessions, per address for anonymous calls):
a fixed-window counter in the ``api`` cache, 429 with ``Retry-After`` beyond the rate."""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """``"600/min"`` → (600, 60); None or empty: unlimited."""
    if not rate:
        return None
    number, _, period = rate.partition("/")
    return int(number), PERIODS[period.strip()[0].lower()]


class ApiRateThrottle(BaseThrottle):
    """At most the scope's rate (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``) per window."""

    scope = "api"

    def __init__(self):
        self._wait = None

    def get_rate(self):
        # Read at each request, so that settings overrides (tests, benches) apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident_key(self, request) -> str:
        token = getattr(request, "auth", None)
        key = getattr(token, "key", None)
        if key:
            return "t" + hashlib.sha256(key.encode()).hexdigest()[:24]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"u{user.pk}"
        return "a" + (self.get_ident(request) or "-")

    def allow_request(self, request, view) -> bool:
        parsed = parse_rate(self.get_rate())
        if parsed is None:
            return True
        limit, period = parsed
        now = time.time()
        window = int(now // period)
        key = f"throttle:{self.scope}:{self.get_ident_key(request)}:{window}"
        cache = caches[settings.API_THROTTLE_CACHE]
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=period + 1)
            count = 1
        if count <= limit:
            return True
        self._wait = max(1, math.ceil((window + 1) * period - now))
        return False

    def wait(self):
        return self._wait


class AuthRateThrottle(ApiRateThrottle):
    """Password logins for tokens, per client address: slows down password guessing."""

    scope = "auth"

    def get_ident_key(self, request) -> str:
        return "a" + (self.get_ident(request) or "-")
