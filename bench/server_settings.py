"""Settings of the API benchmarks' gunicorn: the product's settings, plus a bench-only URLconf
with a bare DRF endpoint (never part of the product's URLs)."""

from itsm.settings import *  # noqa: F403

ROOT_URLCONF = "baseline_urls"
