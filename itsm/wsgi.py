"""The WSGI application (gunicorn); it refuses to serve with the development secret key."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")

application = get_wsgi_application()

from itsm.security import refuse_insecure_production  # noqa: E402 - needs Django set up

refuse_insecure_production()

from itsm.startup import settle_heap  # noqa: E402

settle_heap()
