"""The one FilterSet of the incident lists, shared by the browser pages and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from incidents.choices import Nature, Priority, Status
from incidents.forms import CategoryTreeField
from incidents.models import Category, Incident
from incidents.selectors import category_subtree_ids
from itsm.forms import use_fast_widgets


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
    """Status, priority, nature and category (a category includes its sub-categories)."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Status.choices, empty_label=_("Any status")
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"), choices=Priority.choices, empty_label=_("Any priority")
    )
    nature = django_filters.ChoiceFilter(
        label=_("Nature"), choices=Nature.choices, empty_label=_("Any nature")
    )
    category = CategoryTreeFilter(
        label=_("Category"),
        queryset=Category.objects.filter(active=True),
        empty_label=_("Any category"),
        method="filter_category",
    )

    class Meta:
        model = Incident
        fields = ["status", "priority", "nature", "category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_fast_widgets(self.form.fields.values())
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def filter_category(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(category_id__in=category_subtree_ids(value))

    @property
    def is_filtered(self) -> bool:
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return any(data.get(name) not in (None, "") for name in self.filters)
