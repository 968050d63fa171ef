"""Fixtures of the API tests: token clients per person, a clean throttle cache, SLA data."""

import pytest
from django.core.cache import caches
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_throttle_counters(settings):
    """Throttle counters in this process's memory, empty for each test (clearing the Redis
    cache would flush the database the Celery broker shares)."""
    settings.CACHES = {
        **settings.CACHES,
        "api": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"},
    }
    caches[settings.API_THROTTLE_CACHE].clear()
    yield
    caches[settings.API_THROTTLE_CACHE].clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api():
    """``api(user)``: an APIClient authenticated with the user's token."""

    def _api(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            client.user = user
        return client

    return _api


@pytest.fixture
def sla_data(db):
    """The demo calendars and SLA policies, so that incidents get clocks."""
    from sla import demo
    from sla.calendars import clear_cache

    clear_cache()
    data = demo.seed()
    yield data
    clear_cache()
