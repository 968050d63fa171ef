"""The one FilterSet of the incident lists, shared by the API and the browser pages.

Each filter and what it does is declared once, in the API's terms (codes and usernames,
several statuses or priorities at once). A page shows a few of them (``PAGE_FILTERS``) as
selects: ``IncidentFilterSet.for_page`` gives those their page labels, an "any" option,
and the category as an indented tree; what they filter stays the same.
"""

import re
from datetime import UTC, datetime, time, timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from incidents import search
from incidents.choices import Nature, Priority, Source, Status
from incidents.forms import CategoryTreeField
from incidents.models import Category, Incident
from incidents.selectors import category_subtree_ids
from itsm.forms import FastSelect, options_html, use_fast_widgets
from sla.choices import State, Target
from sla.models import SlaClock

NUMBER = re.compile(r"^INC-\d{4}-\d+$", re.IGNORECASE)

# Real time zones lie within UTC-12:00 … UTC+14:00; PostgreSQL refuses offsets beyond ±15:59,
# which Python accepts up to ±23:59.
MAX_UTC_OFFSET = timedelta(hours=14)


class BoundedIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time whose offset from UTC is one a time zone can have, and which
    PostgreSQL can compare (it is handed over in UTC)."""

    default_error_messages = {
        "offset": _("The offset from UTC must lie between -14:00 and +14:00."),
        "range": _("The date-time is out of range."),
    }

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return None
        offset = result.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise ValidationError(self.error_messages["offset"], code="offset")
        try:
            return result.astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError(self.error_messages["range"], code="range") from exc


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class AnyOfField(django_filters.fields.MultipleChoiceField):
    """Several values of a list; an empty value (a page's "any" option) means no filter."""

    def clean(self, value):
        if isinstance(value, list | tuple):
            value = [v for v in value if v not in ("", None)]
        return super().clean(value)


class AnyOfFilter(django_filters.MultipleChoiceFilter):
    field_class = AnyOfField


class OneOfSelect(FastSelect):
    """A plain select (one value) for a filter that takes several: a page offers one at a
    time, with an "any" option first."""

    def __init__(self, *args, empty_label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_label = empty_label

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value)) or {""}
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            options_html([("", self.empty_label), *self.choices], selected),
        )


class CategoryTreeFilter(django_filters.ModelChoiceFilter):
    """The active categories as a tree; the options come from the per-process cache (the
    queryset still checks a submitted value)."""

    field_class = CategoryTreeField

    @property
    def field(self):
        field = super().field
        field.all_active = True
        return field


class IncidentFilterSet(django_filters.FilterSet):
    """Every filter is optional; several are combined with AND."""

    # distinct=False: an IN on the row's own column cannot repeat a row, and DISTINCT over
    # every column of a million rows is what would cost.
    status = AnyOfFilter(
        choices=Status.choices,
        distinct=False,
        label=_("Status; repeat the parameter for several."),
    )
    priority = AnyOfFilter(
        choices=Priority.choices,
        distinct=False,
        label=_("Priority; repeat the parameter for several."),
    )
    nature = django_filters.ChoiceFilter(choices=Nature.choices, label=_("Nature."))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Source."))
    category = django_filters.CharFilter(
        method="filter_category",
        label=_("Category code; includes its sub-categories."),
    )
    department = django_filters.CharFilter(
        field_name="department__code", label=_("Code of the section holding the incident.")
    )
    assignee = django_filters.CharFilter(
        field_name="assignee__username", label=_("Username of the assignee.")
    )
    owner = django_filters.CharFilter(
        field_name="owner__username", label=_("Username of the owner.")
    )
    requester = django_filters.CharFilter(
        field_name="requester__username", label=_("Username of the requester.")
    )
    created_after = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Created at or after (ISO 8601).")
    )
    created_before = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("Created before (ISO 8601).")
    )
    updated_after = BoundedIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        label=_(
            "Changed after (ISO 8601). Without ``ordering`` the list is then oldest change first, "
            "for systems that poll."
        ),
    )
    updated_before = BoundedIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="lt", label=_("Changed before (ISO 8601).")
    )
    breached = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_breached",
        label=_("Whether a response or resolution target is breached (true or false)."),
    )
    q = django_filters.CharFilter(
        method="filter_text",
        min_length=search.MIN_TEXT_LENGTH,
        max_length=search.MAX_TEXT_LENGTH,
        label=_(
            "An incident number, or text (two characters or more) in the title, description, "
            "caller's name or phone, or a comment the caller may read."
        ),
    )

    class Meta:
        model = Incident
        fields = [
            "status",
            "priority",
            "nature",
            "source",
            "category",
            "department",
            "assignee",
            "owner",
            "requester",
            "created_after",
            "created_before",
            "updated_after",
            "updated_before",
            "breached",
            "q",
        ]

    # The filters a page shows, with their label and "any" option there.
    PAGE_FILTERS = {
        "status": (_("Status"), _("Any status")),
        "priority": (_("Priority"), _("Any priority")),
        "nature": (_("Nature"), _("Any nature")),
        "category": (_("Category"), _("Any category")),
    }

    @classmethod
    def for_page(cls, data, queryset):
        """The filters as a page shows them: ``PAGE_FILTERS`` only, as selects."""
        filterset = cls(data, queryset=queryset)
        shown = {}
        for name, (label, any_label) in cls.PAGE_FILTERS.items():
            current = filterset.filters[name]
            if name == "category":
                # The tree select gives the category itself; filter_category takes it as
                # well as a code.
                current = CategoryTreeFilter(
                    queryset=Category.objects.filter(active=True),
                    empty_label=any_label,
                    method="filter_category",
                )
                current.model = cls._meta.model
                current.parent = filterset
            elif isinstance(current, AnyOfFilter):
                current.extra["widget"] = OneOfSelect(empty_label=any_label)
            else:
                current.extra["empty_label"] = any_label
            current.label = label
            # A form field built earlier (the API schema builds the shared ones, and the
            # copy keeps it) would ignore the page's label and widget: build it anew.
            current.__dict__.pop("_field", None)
            shown[name] = current
        filterset.filters = shown
        use_fast_widgets(filterset.form.fields.values())
        for field in filterset.form.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
        return filterset

    @property
    def is_filtered(self) -> bool:
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return any(data.get(name) not in (None, "", []) for name in self.filters)

    def filter_category(self, queryset, name, value):
        if value in (None, ""):
            return queryset
        category = value if isinstance(value, Category) else None
        if category is None:
            category = Category.objects.filter(code=value).first()
            if category is None:
                return queryset.none()
        return queryset.filter(category_id__in=category_subtree_ids(category))

    def filter_breached(self, queryset, name, value):
        if value not in ("true", "false"):
            return queryset
        breached = SlaClock.objects.filter(
            incident=OuterRef("pk"),
            segment__isnull=True,
            target__in=(Target.RESPONSE, Target.RESOLUTION),
        ).filter(
            Q(state=State.BREACHED)
            | Q(
                state=State.RUNNING,
                paused_at__isnull=True,
                stopped_at__isnull=True,
                deadline__lt=timezone.now(),
            )
        )
        return queryset.filter(Exists(breached) if value == "true" else ~Exists(breached))

    # A caller that reads only the first rows of the result (the list's page) sets
    # ``defer_text``: the text filter is then left to it (``deferred_text``), to apply last,
    # on the filtered and sorted queryset, with ``search.first_matches``.
    defer_text = False
    deferred_text = None

    def filter_text(self, queryset, name, value):
        value = " ".join(value.split())
        if not value:
            return queryset
        if NUMBER.match(value):
            return queryset.filter(number=value.upper())
        if self.defer_text:
            self.deferred_text = value
            return queryset
        user = getattr(self.request, "user", None)
        return search.search_filter(queryset, user, value)


class LocalDateFilter(django_filters.DateFilter):
    """A page's date (in the user's time zone) for a date-time filter: ``from`` counts
    from the day's start, ``to`` includes the whole day."""

    def __init__(self, *args, upto=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.upto = upto

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        start = timezone.make_aware(datetime.combine(value, time.min))
        if self.upto:
            return qs.filter(**{f"{self.field_name}__lt": start + timedelta(days=1)})
        return qs.filter(**{f"{self.field_name}__gte": start})


class ListFilterSet(IncidentFilterSet):
    """The all-incidents list's filters: the same filters as the API, every one shown;
    sections and people offered by name (their code and username stay the values), dates
    as days in the user's time zone."""

    LIST_FILTERS = {
        "q": _("Text or number"),
        "status": (_("Status"), _("Any status")),
        "priority": (_("Priority"), _("Any priority")),
        "department": (_("Section"), _("Any section")),
        "assignee": (_("Assignee"), _("Anyone")),
        "owner": (_("Owner"), _("Anyone")),
        "category": (_("Category"), _("Any category")),
        "nature": (_("Nature"), _("Any nature")),
        "source": (_("Source"), _("Any source")),
        "breached": (_("SLA"), _("Breached or not")),
    }
    DATE_FILTERS = {
        "created_after": ("created_at", False, _("Created from")),
        "created_before": ("created_at", True, _("Created to")),
        "updated_after": ("updated_at", False, _("Changed from")),
        "updated_before": ("updated_at", True, _("Changed to")),
    }

    @classmethod
    def for_list(cls, data, queryset, *, request, sections, people):
        """``sections``: (code, name) pairs; ``people``: (username, name) pairs."""
        filterset = cls(data, queryset=queryset, request=request)
        filters = filterset.filters
        choices = {
            "department": sections,
            "assignee": people,
            "owner": people,
            "breached": [("true", _("Breached")), ("false", _("Not breached"))],
        }
        shown = {}
        for name, labels in cls.LIST_FILTERS.items():
            current = filters[name]
            if name in choices:
                current = django_filters.ChoiceFilter(
                    choices=choices[name],
                    field_name=current.field_name,
                    method=current.method,
                    empty_label=labels[1],
                )
                current.model, current.parent = cls._meta.model, filterset
            elif name == "category":
                current = CategoryTreeFilter(
                    queryset=Category.objects.filter(active=True),
                    empty_label=labels[1],
                    method="filter_category",
                )
                current.model, current.parent = cls._meta.model, filterset
            elif isinstance(current, AnyOfFilter):
                # Several at once (a saved view may hold P1 and P2): a multiple select.
                current.extra["widget"] = forms.SelectMultiple(
                    attrs={"size": 3, "title": labels[1]}
                )
            elif name != "q":
                current.extra["empty_label"] = labels[1]
            current.label = labels if name == "q" else labels[0]
            current.__dict__.pop("_field", None)
            shown[name] = current
        for name, (field_name, upto, label) in cls.DATE_FILTERS.items():
            current = LocalDateFilter(field_name=field_name, upto=upto, label=label)
            current.extra["widget"] = forms.DateInput(attrs={"type": "date"})
            current.model, current.parent = cls._meta.model, filterset
            shown[name] = current
        filterset.filters = shown
        use_fast_widgets(filterset.form.fields.values())
        for name, field in filterset.form.fields.items():
            select = name in choices or name in cls.LIST_FILTERS and name != "q"
            field.widget.attrs["class"] = (
                f"form-{'select' if select else 'control'} form-control-sm"
            )
            if select:
                field.widget.attrs["class"] = "form-select form-select-sm"
        return filterset
