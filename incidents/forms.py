"""Forms of the incident pages: logging, editing, and one small form per action.

The forms only parse input; the services decide. Field names match the keys of the services'
``ValidationError`` dicts, so a service's error lands on the field it is about.
"""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from incidents import rules
from incidents.choices import EscalationLevel, Level, LinkKind, Nature, Priority
from incidents.models import Category, ResolutionCode, SuspendReason
from incidents.selectors import (
    assignable_people,
    assignable_sections,
    category_tree,
    dispatch_sections,
    members_with_load,
    returned_by,
)
from itsm.forms import (
    DATETIME_LOCAL_FORMATS,
    BootstrapMixin,
    PersonChoiceField,
    text_area,
)
from itsm.people import person_name
from itsm.selectors import on_duty_member_ids

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


def member_choices(members) -> list[tuple[int, str]]:
    """``(user id, "name · N open")`` of ``selectors.members_with_load`` rows."""
    return [
        (
            row["user"].pk,
            _("%(name)s · %(load)s open") % {"name": person_name(row["user"]), "load": row["load"]},
        )
        for row in members
    ]


class AssignForm(VersionedForm):
    """Assign to a section and, optionally, one of its members on duty. The member's choices
    follow the chosen section (the page asks ``incidents:assignee_options`` when the section
    changes); the section that just returned the incident is not proposed."""

    department = forms.ModelChoiceField(
        label=_("Section"), queryset=assignable_sections(), empty_label=_("— choose —")
    )
    assignee = PersonChoiceField(
        label=_("Assignee"),
        queryset=assignable_people(),
        required=False,
        empty_label=_("— the section decides —"),
        help_text=_("Members on duty in the chosen section, with their open incidents."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=text_area(2),
        help_text=_("Required for a hand-over from one section to another."),
    )
    # The incident manager settles disputes: any section that works incidents may be chosen.
    proposes_returning_section = False

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        department = self.fields["department"]
        if incident is not None and not self.proposes_returning_section:
            returning = returned_by([incident]).get(incident.pk)
            if returning is not None:
                department.queryset = department.queryset.exclude(pk=returning)
        if incident is not None and not self.is_bound:
            self.initial.setdefault("department", _proposed_section(incident))
        department.widget.attrs.update(
            {
                "hx-get": reverse_lazy("incidents:assignee_options"),
                "hx-target": "next select[name=assignee]",
                "hx-trigger": "change",
                "hx-swap": "innerHTML",
                "data-follows": "assignee",
            }
        )
        self.fields["assignee"].choices = [
            ("", self.fields["assignee"].empty_label),
            *member_choices(members_with_load(self._section_ids())),
        ]

    def _section_ids(self) -> list[int]:
        value = self["department"].value() if self.is_bound else self.initial.get("department")
        try:
            return [int(value)] if value not in (None, "") else []
        except (TypeError, ValueError):
            return []

    def clean(self):
        data = super().clean()
        department, assignee = data.get("department"), data.get("assignee")
        if (
            department is not None
            and assignee is not None
            and assignee.pk not in on_duty_member_ids(department)
        ):
            self.add_error(
                "assignee",
                _("%(name)s is not on duty in %(section)s.")
                % {
                    "name": person_name(assignee),
                    "section": department.name,
                },
            )
        return data


def _proposed_section(incident):
    """The section an assignment form starts with: the routed one while the desk holds the
    incident, else the one holding it."""
    if rules.held_by_desk(incident) or incident.department_id is None:
        return incident.routed_department_id
    return incident.department_id


class DispatchForm(VersionedForm):
    """The desk console's one-click dispatch: the section, defaulting to the routed one; the
    section that just returned the incident is not proposed."""

    department = forms.ModelChoiceField(
        label=_("Section"), queryset=dispatch_sections(), empty_label=_("— choose —")
    )

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        returning = returned_by([incident]).get(incident.pk) if incident is not None else None
        if returning is not None:
            field = self.fields["department"]
            field.queryset = field.queryset.exclude(pk=returning)


class DisputeAssignForm(AssignForm):
    """The incident manager settles a dispute: the reason is required, and the section that
    returned it may be chosen (the manager decides whose it is)."""

    proposes_returning_section = True

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


# --- the queue's bulk actions ---------------------------------------------------------------------

BULK_LIMIT = 100


class QueueBulkForm(BootstrapMixin, forms.Form):
    """Several incidents of the queue at once: claim them, or (a section lead) assign them to
    one member on duty. The rows come as ``pick`` values ``<number>:<version seen>``."""

    action = forms.ChoiceField(choices=[("accept", _("Claim")), ("assign", _("Assign"))])
    assignee = forms.TypedChoiceField(label=_("Assign to"), coerce=int, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("— choose —")), *members]

    def clean(self):
        data = super().clean()
        data["items"] = items = _picked(self.data.getlist("pick") if self.is_bound else [])
        if not items:
            raise forms.ValidationError(_("Select at least one incident."), code="empty")
        if len(items) > BULK_LIMIT:
            raise forms.ValidationError(
                _("Select at most %(limit)s incidents at once.") % {"limit": BULK_LIMIT},
                code="too_many",
            )
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose whom to assign them to."))
        return data


def _picked(values) -> list[tuple[str, int | None]]:
    """``(number, version)`` of each distinct ``<number>:<version>`` (the version may be
    missing: then the row is taken as it is now)."""
    items, seen = [], set()
    for value in values:
        number, _sep, version = str(value).strip().partition(":")
        if not number or number in seen:
            continue
        seen.add(number)
        items.append((number, int(version) if version.isdigit() else None))
    return items
