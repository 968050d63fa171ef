"""Forms of the shared core."""

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The sign-in form, with a message that does not say which half was wrong."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password. Please try again."),
        "inactive": _("This account is disabled. Contact the service desk."),
    }
