"""Forms of the shared core."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The sign-in form, with a message that does not say which half was wrong."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password. Please try again."),
        "inactive": _("This account is disabled. Contact the service desk."),
    }


class NotificationPreferencesForm(forms.Form):
    """One "email me" checkbox per notification kind; the inbox always gets everything."""

    def __init__(self, *args, preferences: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self._codes: dict[str, str] = {}
        for pref in preferences:
            name = "email-" + pref["code"].replace(".", "-")
            self._codes[name] = pref["code"]
            self.fields[name] = forms.BooleanField(
                label=pref["label"],
                required=False,
                initial=pref["email"],
                widget=forms.CheckboxInput(attrs={"class": "form-check-input", "role": "switch"}),
            )

    def email_by_event(self) -> dict[str, bool]:
        """The choices as event kind -> wants email (after validation)."""
        return {code: self.cleaned_data[name] for name, code in self._codes.items()}
