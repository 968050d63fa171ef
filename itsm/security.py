"""Refuse to serve in production with the development secret key."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

MESSAGE = (
    "SECRET_KEY must be set in the environment when DEBUG is off "
    "(the built-in development key is refused in production)."
)


def refuse_insecure_production() -> None:
    """Raise when DEBUG is off and the secret key is the built-in development one."""
    if not settings.DEBUG and settings.SECRET_KEY_IS_DEFAULT:
        raise ImproperlyConfigured(MESSAGE)


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    if not settings.DEBUG and settings.SECRET_KEY_IS_DEFAULT:
        return [checks.Error(MESSAGE, id="itsm.E001")]
    return []
