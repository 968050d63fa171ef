"""The ITSM project and its shared core (sections, people, roles)."""

from itsm.celery import app as celery_app

__all__ = ("celery_app",)
