"""The incident list's filters and orderings for the API: the browser's FilterSet
(``incidents.filters.IncidentFilterSet``) with codes and usernames instead of ids, and the
filters systems need (ranges, breached, text)."""

import re

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from incidents.choices import Nature, Priority, Source, Status
from incidents.filters import IncidentFilterSet
from incidents.models import Category
from incidents.selectors import category_subtree_ids
from sla.choices import State, Target
from sla.models import SlaClock

NUMBER = re.compile(r"^INC-\d{4}-\d+$", re.IGNORECASE)


class IncidentApiFilterSet(IncidentFilterSet):
    """Every filter is optional; several are combined with AND."""

    # distinct=False: an IN on the row's own column cannot repeat a row, and DISTINCT over
    # every column of a million rows is what would cost.
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices,
        distinct=False,
        label=_("Status; repeat the parameter for several."),
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=Priority.choices,
        distinct=False,
        label=_("Priority; repeat the parameter for several."),
    )
    nature = django_filters.ChoiceFilter(choices=Nature.choices, label=_("Nature."))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Source."))
    category = django_filters.CharFilter(
        method="filter_category_code",
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
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Created at or after (ISO 8601).")
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("Created before (ISO 8601).")
    )
    updated_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        label=_(
            "Changed after (ISO 8601). Without ``ordering`` the list is then oldest change first, "
            "for systems that poll."
        ),
    )
    updated_before = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="lt", label=_("Changed before (ISO 8601).")
    )
    breached = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_breached",
        label=_("Whether a response or resolution target is breached (true or false)."),
    )
    q = django_filters.CharFilter(
        method="filter_text", label=_("Text in the title or description, or an incident number.")
    )

    class Meta(IncidentFilterSet.Meta):
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

    def filter_category_code(self, queryset, name, value):
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

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if NUMBER.match(value):
            return queryset.filter(number=value.upper())
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


ORDERINGS = ("created_at", "updated_at", "number")


class IncidentOrdering(OrderingFilter):
    """One of ``created_at``, ``updated_at``, ``number`` (``-`` for descending); the id breaks
    ties in the same direction, so cursor pages never skip or repeat an incident. Default:
    newest first, or oldest change first when ``updated_after`` is given."""

    ordering_fields = ORDERINGS
    ordering_description = _(
        "created_at, updated_at or number; prefix with - for descending. Default: -created_at "
        "(updated_at when updated_after is given)."
    )

    def get_default_ordering(self, view):
        request = getattr(view, "request", None)
        if request is not None and request.query_params.get("updated_after"):
            return ["updated_at"]
        return ["-created_at"]

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param, "").strip()
        if raw and (raw.count(",") or raw.removeprefix("-") not in ORDERINGS):
            # DRF drops what it does not know; a caller polling in the wrong order would
            # never notice, so the mistake is answered instead.
            raise ValidationError(
                {
                    self.ordering_param: [
                        _(
                            "Order by one of created_at, updated_at or number (with - for "
                            "descending), not “%(value)s”."
                        )
                        % {"value": raw[:100]}
                    ]
                }
            )
        ordering = super().get_ordering(request, queryset, view) or ["-created_at"]
        first = ordering[0]
        tie = "-id" if first.startswith("-") else "id"
        return [first, tie]

    def get_valid_fields(self, queryset, fields, view, context=None):
        return [(name, name) for name in ORDERINGS]
