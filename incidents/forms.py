"""Forms of the incident pages: logging, editing, and one small form per action.

The forms only parse input; the services decide. Field names match the keys of the services'
``ValidationError`` dicts, so a service's error lands on the field it is about.
"""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from incidents.choices import EscalationLevel, Level, LinkKind, Nature, Priority
from incidents.models import Category, ResolutionCode, SuspendReason
from incidents.selectors import (
    assignable_people,
    assignable_sections,
    category_tree,
    dispatch_sections,
)
from itsm.forms import (
    DATETIME_LOCAL_FORMATS,
    BootstrapMixin,
    PersonChoiceField,
    text_area,
)

# --- fields -----------------------------------------------------------------------------------


class CategoryTreeIterator(ModelChoiceIterator):
    """The categories in tree order, each label indented by its depth (one query)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        # The field's own queryset only when it was given one; the active categories come
        # from the per-process cache.
        for category, depth in category_tree(None if self.field.all_active else self.queryset):
            label = "\u3000" * depth + ("└ " if depth else "") + category.name
            yield (self.choice(category)[0], label)

    def __len__(self):
        return self.queryset.count() + (1 if self.field.empty_label is not None else 0)


class CategoryTreeField(forms.ModelChoiceField):
    """A select of the active categories shown as an indented tree."""

    iterator = CategoryTreeIterator

    def __init__(self, queryset=None, **kwargs):
        kwargs.setdefault("empty_label", _("— choose —"))
        self.all_active = queryset is None
        super().__init__(
            queryset if queryset is not None else Category.objects.filter(active=True), **kwargs
        )


def level_field(label, choices=None, initial=3):
    return forms.TypedChoiceField(
        label=label, choices=choices or Level.choices, coerce=int, initial=initial
    )


# --- editing ----------------------------------------------------------------------


class VersionedForm(BootstrapMixin, forms.Form):
    """An action on an incident, carrying the version the user saw and when the form was
    shown (to tell what changed since, when someone else changed it in between)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    seen_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)


class IncidentEditForm(VersionedForm):
    """The editable fields of an incident (services.EDITABLE_FIELDS)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=text_area(4))
    nature = forms.ChoiceField(label=_("Nature"), choices=Nature.choices)
    category = CategoryTreeField(label=_("Category"), required=False)
    impact = level_field(_("Impact"))
    urgency = level_field(_("Urgency"))
    configuration_item = forms.CharField(
        label=_("Configuration item"), required=False, max_length=200
    )
    location = forms.CharField(label=_("Location / branch"), required=False, max_length=100)
    contact_name = forms.CharField(label=_("Contact name"), required=False, max_length=100)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=40)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    contact_organisation = forms.CharField(label=_("Organisation"), required=False, max_length=150)

    @classmethod
    def initial_for(cls, incident) -> dict:
        initial = {
            name: getattr(incident, name)
            for name in cls.base_fields
            if name not in ("version", "seen_at")
        }
        initial["category"] = incident.category_id
        initial["version"] = incident.version
        return initial


# --- the actions ------------------------------------------------------------------------------


class AssignForm(VersionedForm):
    department = forms.ModelChoiceField(
        label=_("Section"), queryset=assignable_sections(), empty_label=_("— choose —")
    )
    assignee = PersonChoiceField(
        label=_("Assignee"),
        queryset=assignable_people(),
        required=False,
        empty_label=_("— the section decides —"),
        help_text=_("Must work in the chosen section."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=text_area(2),
        help_text=_("Required for a hand-over from one section to another."),
    )


class DispatchForm(VersionedForm):
    """The desk console's one-click dispatch: the section, defaulting to the routed one."""

    department = forms.ModelChoiceField(
        label=_("Section"), queryset=dispatch_sections(), empty_label=_("— choose —")
    )


class DisputeAssignForm(AssignForm):
    """The incident manager settles a dispute: the reason is required."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True
        self.fields["reason"].help_text = _("Why this section owns the incident.")


class AcceptForm(VersionedForm):
    pass


class ReturnForm(VersionedForm):
    reason = forms.CharField(label=_("Why is this not for your section?"), widget=text_area(2))


class SuspendForm(VersionedForm):
    reason = forms.ModelChoiceField(
        label=_("Suspend reason"),
        queryset=SuspendReason.objects.filter(active=True),
        empty_label=_("— choose —"),
    )
    resume_at = forms.DateTimeField(
        label=_("Expected resume time"),
        input_formats=DATETIME_LOCAL_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=text_area(2))


class ResumeForm(VersionedForm):
    note = forms.CharField(label=_("Note"), required=False)


class EscalateForm(VersionedForm):
    level = forms.TypedChoiceField(
        label=_("Escalate to"),
        choices=[("", _("— the next level —"))] + [c for c in EscalationLevel.choices if c[0] > 0],
        coerce=int,
        required=False,
        empty_value=None,
    )
    reason = forms.CharField(label=_("Reason"), widget=text_area(2))


class ResolveForm(VersionedForm):
    code = forms.ModelChoiceField(
        label=_("Resolution code"),
        queryset=ResolutionCode.objects.filter(active=True),
        empty_label=_("— choose —"),
    )
    resolution = forms.CharField(label=_("What was done"), widget=text_area(3))
    knowledge_ref = forms.CharField(label=_("Knowledge article"), required=False, max_length=100)


class ReopenForm(VersionedForm):
    reason = forms.CharField(label=_("Why is it not resolved?"), widget=text_area(2))


SATISFACTION_CHOICES = [
    ("", _("— no rating —")),
    (5, _("5 — very satisfied")),
    (4, _("4 — satisfied")),
    (3, _("3 — acceptable")),
    (2, _("2 — dissatisfied")),
    (1, _("1 — very dissatisfied")),
]


class CloseForm(VersionedForm):
    closing_category = CategoryTreeField(
        label=_("Closing category"),
        required=False,
        empty_label=_("— same as the category —"),
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
    )
    satisfaction_comment = forms.CharField(label=_("Comment"), required=False, widget=text_area(2))

    def __init__(self, *args, requester: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if requester:
            # The requester confirms; the closing category is the desk's business.
            del self.fields["closing_category"]


class CancelForm(VersionedForm):
    reason = forms.CharField(label=_("Why is it cancelled?"), widget=text_area(2))


class OverridePriorityForm(VersionedForm):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    reason = forms.CharField(label=_("Reason"), widget=text_area(2))


class CommentForm(BootstrapMixin, forms.Form):
    body = forms.CharField(label=_("Comment"), widget=text_area(3))
    is_public = forms.BooleanField(
        label=_("Public: the requester sees it"), required=False, initial=False
    )

    def __init__(self, *args, staff: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["is_public"]


class WorkLogForm(BootstrapMixin, forms.Form):
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=24 * 60)
    note = forms.CharField(label=_("Note"), required=False, widget=text_area(2))


class AttachmentForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("File"))
    is_public = forms.BooleanField(
        label=_("Public: the requester sees it"), required=False, initial=True
    )

    def __init__(self, *args, staff: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["is_public"]


class LinkForm(BootstrapMixin, forms.Form):
    other = forms.CharField(label=_("Other incident number"), max_length=24)
    kind = forms.ChoiceField(label=_("Link"), choices=LinkKind.choices)
