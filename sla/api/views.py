"""Read-only SLA reference endpoints for staff and external systems: ``sla/policies/`` and
``sla/calendars/``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from itsm.api.permissions import DirectoryPermission
from itsm.api.views import ApiViewSet
from sla.api.serializers import CalendarDetailSerializer, CalendarSerializer, SlaPolicySerializer
from sla.models import BusinessCalendar, SlaPolicy


@extend_schema_view(
    list=extend_schema(summary=_("List SLA policies"), tags=["reference"]),
    retrieve=extend_schema(summary=_("One SLA policy"), tags=["reference"]),
)
class SlaPolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """SLA policies with their targets and thresholds (staff and systems)."""

    serializer_class = SlaPolicySerializer
    permission_classes = [DirectoryPermission]
    pagination_class = None
    filter_backends = []
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        return (
            SlaPolicy.objects.select_related("category", "calendar")
            .prefetch_related("thresholds")
            .order_by("rank", "code")
        )


@extend_schema_view(
    list=extend_schema(summary=_("List business calendars"), tags=["reference"]),
    retrieve=extend_schema(
        summary=_("One business calendar, with its holidays"),
        tags=["reference"],
        responses={200: CalendarDetailSerializer},
    ),
)
class CalendarViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Business calendars: working hours per weekday, holidays, adjusted working days."""

    permission_classes = [DirectoryPermission]
    pagination_class = None
    filter_backends = []
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"

    def get_serializer_class(self):
        return CalendarDetailSerializer if self.action == "retrieve" else CalendarSerializer

    def get_queryset(self):
        qs = BusinessCalendar.objects.prefetch_related("periods").order_by("code")
        if self.action == "retrieve":
            qs = qs.prefetch_related("days")
        return qs
