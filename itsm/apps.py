from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItsmConfig(AppConfig):
    name = "itsm"
    verbose_name = _("Shared core")

    def ready(self):
        # Registers the deploy check on the secret key.
        from itsm import security  # noqa: F401
