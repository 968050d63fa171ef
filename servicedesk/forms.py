"""Intake forms: the desk console's "log an incident" and the portal's "report a problem"."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from incidents.choices import HUMAN_SOURCES, Nature, Source
from incidents.forms import CategoryTreeField, level_field
from incidents.models import ResolutionCode
from itsm.forms import BootstrapMixin, UsernameField, text_area

# The first-contact resolution's fields of the log form (shown when "resolved now" is ticked).
FIRST_CONTACT_FIELDS = (
    "resolved_now",
    "resolution_code",
    "resolution",
    "knowledge_ref",
    "close_now",
)


class IncidentLogForm(BootstrapMixin, forms.Form):
    """The desk console's "log an incident" form (IM1), with the first-contact resolution."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=text_area(4))
    nature = forms.ChoiceField(label=_("Nature"), choices=Nature.choices, initial=Nature.FAULT)
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[(value, Source(value).label) for value in HUMAN_SOURCES],
        initial=Source.PHONE,
    )
    category = CategoryTreeField(label=_("Category"), required=False)
    impact = level_field(_("Impact"))
    urgency = level_field(_("Urgency"))
    requester = UsernameField(
        label=_("Requester (username)"),
        required=False,
        max_length=150,
        help_text=_("Leave empty for a caller without an account."),
    )
    contact_name = forms.CharField(label=_("Contact name"), required=False, max_length=100)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=40)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    contact_organisation = forms.CharField(label=_("Organisation"), required=False, max_length=150)
    configuration_item = forms.CharField(
        label=_("Configuration item"), required=False, max_length=200
    )
    location = forms.CharField(label=_("Location / branch"), required=False, max_length=100)
    resolved_now = forms.BooleanField(
        label=_("Resolved now (first-contact resolution)"), required=False
    )
    resolution_code = forms.ModelChoiceField(
        label=_("Resolution code"),
        queryset=ResolutionCode.objects.filter(active=True),
        required=False,
        empty_label=_("— choose —"),
    )
    resolution = forms.CharField(label=_("What was done"), required=False, widget=text_area(2))
    knowledge_ref = forms.CharField(
        label=_("Knowledge article"),
        required=False,
        max_length=100,
        help_text=_("The article used, if any (its number or title)."),
    )
    close_now = forms.BooleanField(label=_("The caller agrees: close it now"), required=False)

    def clean(self):
        data = super().clean()
        given = data.get("resolution_code") or (data.get("resolution") or "").strip()
        if given and not data.get("resolved_now"):
            self.add_error(
                "resolved_now",
                _("Tick this to resolve the incident now, or clear the resolution fields."),
            )
        return data

    def call_fields(self):
        return [field for field in self.visible_fields() if field.name not in FIRST_CONTACT_FIELDS]

    def first_contact_fields(self):
        return [field for field in self.visible_fields() if field.name in FIRST_CONTACT_FIELDS]

    def call(self) -> dict:
        """The cleaned call without the first-contact resolution."""
        return {k: v for k, v in self.cleaned_data.items() if k not in FIRST_CONTACT_FIELDS}


IMPACT_PLAIN = [
    (3, _("Only me")),
    (2, _("Several people or my whole team")),
    (1, _("A whole office, a branch or a service everyone uses")),
]
URGENCY_PLAIN = [
    (3, _("It can wait, or I have a workaround")),
    (2, _("It slows my work down")),
    (1, _("I cannot work at all")),
]


class PortalReportForm(BootstrapMixin, forms.Form):
    """The requester's "report a problem" form, in plain language, with one file."""

    title = forms.CharField(label=_("What is the problem, in a few words?"), max_length=200)
    description = forms.CharField(
        label=_("Details"),
        required=False,
        widget=text_area(5),
        help_text=_("What happened, since when, any error message you saw."),
    )
    nature = forms.ChoiceField(label=_("This is a"), choices=Nature.choices, initial=Nature.FAULT)
    category = CategoryTreeField(label=_("What does it concern?"), required=False)
    impact = level_field(_("Who is affected?"), IMPACT_PLAIN)
    urgency = level_field(_("How much does it stop your work?"), URGENCY_PLAIN)
    contact_phone = forms.CharField(
        label=_("Phone number where we can reach you"), required=False, max_length=40
    )
    file = forms.FileField(label=_("Attachment"), required=False, widget=forms.FileInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        field.help_text = _("A screenshot or a document, up to %(max)s MB.") % {
            "max": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        }
        field.widget.attrs["accept"] = ",".join(settings.ATTACHMENT_CONTENT_TYPES)
