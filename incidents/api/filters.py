"""The incident list's orderings for the API; its filters are the one FilterSet of the incident
lists, ``incidents.filters.IncidentFilterSet``."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

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
