"""The API's own fields: objects named by their code or username, and the 1–3 levels."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import empty

from incidents.choices import Level

User = get_user_model()


class CodeField(serializers.SlugRelatedField):
    """An object named by its ``code``, with a clear message when there is none."""

    default_error_messages = {
        "does_not_exist": _("No {model} has the code “{value}”."),
        "invalid": _("Give a code (text)."),
    }

    def __init__(self, model_label, *, lookup=None, reference=None, **kwargs):
        self.model_label = model_label
        self.lookup = lookup  # code -> object or None, instead of the queryset (a cache)
        # The URL name of the reference endpoint that lists the codes (GET …/actions/ links it).
        self.reference = reference
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.lookup is not None:
            found = self.lookup(data)
            if found is None:
                self.fail("does_not_exist", model=self.model_label, value=data)
            return found
        try:
            return self.get_queryset().get(code=data)
        except (TypeError, ValueError, self.get_queryset().model.DoesNotExist):
            self.fail("does_not_exist", model=self.model_label, value=data)


class UsernameField(serializers.SlugRelatedField):
    """An active user named by username."""

    default_error_messages = {
        "does_not_exist": _("No active user has the username “{value}”."),
        "invalid": _("Give a username (text)."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", User.objects.filter(is_active=True))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return self.get_queryset().get(username=data)
        except self.get_queryset().model.DoesNotExist:
            self.fail("does_not_exist", value=data)


LEVEL_HELP = _("1 high, 2 medium, 3 low.")


def level_field(help_text, **kwargs):
    return serializers.ChoiceField(choices=Level.choices, help_text=help_text, **kwargs)


class OptionalBooleanField(serializers.BooleanField):
    """A yes/no that may be left out, in JSON and in form bodies alike: left out, it is not
    in the validated data (an HTML form's missing checkbox would otherwise read as no)."""

    default_empty_html = empty
