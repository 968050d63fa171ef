"""Token authentication for systems: ``Authorization: Token <key>`` (or ``Bearer <key>``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header

KEYWORDS = (b"token", b"bearer")


class ApiTokenAuthentication(TokenAuthentication):
    """DRF tokens, sent with either the ``Token`` or the ``Bearer`` keyword."""

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() not in KEYWORDS:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header: give the keyword and the token, separated by a space.")
            )
        try:
            key = auth[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header: the token contains invalid characters.")
            ) from exc
        return self.authenticate_credentials(key)
