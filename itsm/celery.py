"""The Celery application; configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")

app = Celery("itsm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_insecure_production(**kwargs):
    from django.core.exceptions import ImproperlyConfigured

    from itsm.security import refuse_insecure_production

    try:
        refuse_insecure_production()
    except ImproperlyConfigured as exc:
        # Celery logs and swallows exceptions from signal handlers; stop the process instead.
        raise SystemExit(str(exc)) from exc
