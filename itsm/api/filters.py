"""Filters of the reference lists of the shared part (people, sections)."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from itsm.models import Department, DepartmentKind
from itsm.roles import Role


class UserFilterSet(django_filters.FilterSet):
    department = django_filters.CharFilter(
        field_name="memberships__department__code",
        label=_("Section code: members of this section."),
        distinct=True,
    )
    role = django_filters.ChoiceFilter(
        field_name="groups__name", choices=Role.choices, label=_("Holds this role."), distinct=True
    )
    q = django_filters.CharFilter(method="filter_q", label=_("Username or name contains."))

    class Meta:
        model = get_user_model()
        fields = ["department", "role", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
        )


class DepartmentFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=DepartmentKind.choices, label=_("Kind."))
    active = django_filters.BooleanFilter(label=_("Active or not."))

    class Meta:
        model = Department
        fields = ["kind", "active"]
