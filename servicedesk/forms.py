"""Intake forms: the desk console's "log an incident" and the portal's "report a problem"."""

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.choices import Nature, Source
from incidents.forms import CategoryTreeField, level_field
from itsm.forms import BootstrapMixin, UsernameField, text_area


class IncidentLogForm(BootstrapMixin, forms.Form):
    """The desk console's "log an incident" form (IM1)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=text_area(4))
    nature = forms.ChoiceField(label=_("Nature"), choices=Nature.choices, initial=Nature.FAULT)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.PHONE)
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
    """The requester's "report a problem" form, in plain language."""

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
