"""Forms of the shared core, and the form helpers every app's pages use: fast widgets that
write the same HTML as Django's templates, the Bootstrap classes, service errors on fields,
people by username."""

from collections import Counter

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from itsm.limits import limit_text_field
from itsm.notification_kinds import notification_kind_choices
from itsm.people import person_name
from itsm.selectors import Channels


class LoginForm(AuthenticationForm):
    """The sign-in form, with a message that does not say which half was wrong."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password. Please try again."),
        "inactive": _("This account is disabled. Contact the service desk."),
    }


class NotificationPreferencesForm(forms.Form):
    """Per notification kind: shown in the inbox or not, and email at once, in the daily
    digest (only for the kinds that offer it) or not at all."""

    EMAIL_CHOICES = (
        ("now", _("Email at once")),
        ("digest", _("Daily digest")),
        ("off", _("No email")),
    )

    def __init__(self, *args, preferences: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows: list[dict] = []
        for pref in preferences:
            slug = pref["code"].replace(".", "-")
            choices = [c for c in self.EMAIL_CHOICES if c[0] != "digest" or pref["digest_offered"]]
            self.fields["inbox-" + slug] = forms.BooleanField(
                label=pref["label"],
                required=False,
                initial=pref["inbox"],
                widget=forms.CheckboxInput(attrs={"class": "form-check-input", "role": "switch"}),
            )
            self.fields["email-" + slug] = forms.ChoiceField(
                label=pref["label"],
                choices=choices,
                initial=pref["email_mode"],
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.rows.append({"code": pref["code"], "slug": slug, "label": pref["label"]})

    def __iter__(self):
        """One row per kind: its label, inbox switch and email choice."""
        for row in self.rows:
            yield {
                **row,
                "inbox": self["inbox-" + row["slug"]],
                "email": self["email-" + row["slug"]],
            }

    def channels_by_event(self) -> dict:
        """The choices as event kind -> ``Channels`` (after validation)."""
        out = {}
        for row in self.rows:
            mode = self.cleaned_data["email-" + row["slug"]]
            out[row["code"]] = Channels(
                inbox=self.cleaned_data["inbox-" + row["slug"]],
                email=mode != "off",
                digest=mode == "digest",
            )
        return out


class NotificationFilterForm(forms.Form):
    """The inbox's filters: one kind, one incident (its number)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    incident = forms.CharField(
        label=_("Incident"),
        required=False,
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-sm",
                "placeholder": _("e.g. INC-2026-000123"),
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *notification_kind_choices()]

    def filters(self) -> dict:
        """``kind`` and ``incident`` for the selector; nothing for an invalid form."""
        if not self.is_valid():
            return {"kind": "", "incident": ""}
        return {
            "kind": self.cleaned_data["kind"],
            "incident": self.cleaned_data["incident"].strip().upper(),
        }


DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def options_html(choices, selected_values) -> str:
    """``<option>`` (and ``<optgroup>``) elements as Django's select templates write them,
    the first option whose value is in ``selected_values`` (strings) selected."""
    done = False

    def option(value, label):
        nonlocal done
        text = "" if value is None else str(value)
        selected = not done and text in selected_values
        done = done or selected
        return format_html(
            '<option value="{}"{}>{}</option>', text, " selected" if selected else "", label
        )

    parts = []
    for value_or_group, label_or_options in choices:
        if isinstance(label_or_options, list | tuple):
            inner = format_html_join(
                "", "{}", ((option(v, label),) for v, label in label_or_options)
            )
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', value_or_group, inner))
        else:
            parts.append(option(value_or_group, label_or_options))
    return mark_safe("".join(parts))  # noqa: S308 - each part was escaped by format_html


class FastSelect(forms.Select):
    """A single ``<select>`` written in Python. Django renders a template per option, which
    costs milliseconds for a list of sections or categories on every page that shows one;
    this writes the same HTML (groups, attributes, the first matching option selected)."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(final_attrs),
            options_html(self.choices, set(self.format_value(value))),
        )


class FastInputMixin:
    """A text-like ``<input>`` written in Python (the same HTML as Django's template)."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            self.input_type,
            name,
            format_html(' value="{}"', value) if value is not None else "",
            flatatt(final_attrs),
        )


class FastInput(FastInputMixin, forms.TextInput):
    pass


class FastEmailInput(FastInputMixin, forms.EmailInput):
    pass


class FastNumberInput(FastInputMixin, forms.NumberInput):
    pass


class FastHiddenInput(FastInputMixin, forms.HiddenInput):
    pass


class FastTextarea(forms.Textarea):
    """A ``<textarea>`` written in Python (the same HTML as Django's template)."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        return format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            name,
            flatatt(final_attrs),
            "" if value is None else value,
        )


FAST_WIDGETS = {
    forms.Select: FastSelect,
    forms.TextInput: FastInput,
    forms.EmailInput: FastEmailInput,
    forms.NumberInput: FastNumberInput,
    forms.HiddenInput: FastHiddenInput,
    forms.Textarea: FastTextarea,
}


def use_fast_widgets(fields) -> None:
    """Render the plain selects, text inputs and text areas of ``fields`` with the widgets
    above: Django renders each through templates, which costs a page with a form (the desk
    console, the queue filters) several milliseconds."""
    for field in fields:
        fast = FAST_WIDGETS.get(type(field.widget))
        if fast is not None:
            field.widget.__class__ = fast


class BootstrapMixin:
    """Bootstrap classes on the widgets, ``is-invalid`` on the fields with errors, and
    selects written in Python (``FastSelect``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_fast_widgets(self.fields.values())
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(field, forms.CharField):
                limit_text_field(name, field)
                if field.max_length is not None:
                    widget.attrs["maxlength"] = str(field.max_length)
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: per field where the form has the field,
    else as a form-wide error."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class UsernameField(forms.CharField):
    """A person given by their username; cleans to the active user, or None when empty."""

    def clean(self, value):
        value = (super().clean(value) or "").strip()
        if not value:
            return None
        user = get_user_model().objects.filter(username=value, is_active=True).first()
        if user is None:
            raise ValidationError(
                _("No active user has the username %(username)s."),
                code="unknown_user",
                params={"username": value},
            )
        return user


class _PeopleIterator(forms.models.ModelChoiceIterator):
    """Each person by name; the username is added only to tell apart two people who share a
    name (two 王芳 in one section)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        people = list(self.queryset)
        names = [person_name(obj) for obj in people]
        twice = {name for name, n in Counter(names).items() if n > 1}
        for obj, name in zip(people, names, strict=True):
            label = f"{name} ({obj.username})" if name in twice else name
            yield (self.choice(obj)[0], label)


class PersonChoiceField(forms.ModelChoiceField):
    iterator = _PeopleIterator

    def label_from_instance(self, obj):
        return person_name(obj)


def text_area(rows=3):
    return forms.Textarea(attrs={"rows": rows})


def share_choices(form_list: list, names: tuple[str, ...]) -> None:
    """Give every form the same evaluated choices, so N row forms cost one query per field."""
    if not form_list:
        return
    for name in names:
        choices = list(form_list[0].fields[name].choices)
        for form in form_list:
            form.fields[name].choices = choices
