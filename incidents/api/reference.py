"""Reference data for systems, read-only: categories, the priority matrix, SLA policies and
business calendars (read from ``sla.models``; the SLA app owns and edits them)."""

from django.utils.duration import duration_iso_string
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.models import Category, PriorityMatrixEntry
from incidents.priority import DEFAULT_MATRIX
from itsm.api.permissions import DirectoryPermission
from itsm.api.views import ApiViewSet
from sla.choices import Weekday
from sla.models import BusinessCalendar, CalendarDay, SlaPolicy, SlaThreshold, WorkingPeriod


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("The name in the active language."))
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    default_department = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text=_("The section that usually handles it."),
    )

    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "parent",
            "default_department",
            "sort_order",
            "active",
        ]


class PriorityCellSerializer(serializers.Serializer):
    impact = serializers.IntegerField(help_text=_("1 high … 3 low."))
    urgency = serializers.IntegerField(help_text=_("1 high … 3 low."))
    priority = serializers.CharField(help_text=_("P1 … P4."))


class PriorityMatrixSerializer(serializers.Serializer):
    cells = PriorityCellSerializer(many=True)


class ThresholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaThreshold
        fields = [
            "target",
            "percent",
            "escalation_level",
            "notify_assignee",
            "notify_lead",
            "notify_incident_manager",
            "notify_director",
        ]


class SlaPolicySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    calendar = serializers.SlugRelatedField(slug_field="code", read_only=True)
    response_target = serializers.SerializerMethodField(
        help_text=_("Business time, ISO 8601 duration.")
    )
    resolution_target = serializers.SerializerMethodField(
        help_text=_("Business time, ISO 8601 duration.")
    )
    update_interval = serializers.SerializerMethodField(
        help_text=_("Major incidents: an update is due this often (ISO 8601); empty: none.")
    )
    thresholds = ThresholdSerializer(many=True, read_only=True)

    class Meta:
        model = SlaPolicy
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "priority",
            "nature",
            "category",
            "organisation",
            "rank",
            "is_default",
            "calendar",
            "response_target",
            "resolution_target",
            "update_interval",
            "active",
            "thresholds",
        ]

    def get_response_target(self, obj) -> str:
        return duration_iso_string(obj.response_target)

    def get_resolution_target(self, obj) -> str:
        return duration_iso_string(obj.resolution_target)

    def get_update_interval(self, obj) -> str | None:
        return duration_iso_string(obj.update_interval) if obj.update_interval else None


class WorkingPeriodSerializer(serializers.ModelSerializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices, help_text=_("0 Monday … 6 Sunday."))

    class Meta:
        model = WorkingPeriod
        fields = ["weekday", "start", "end"]


class CalendarDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name"]


class CalendarSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    periods = WorkingPeriodSerializer(many=True, read_only=True)

    class Meta:
        model = BusinessCalendar
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "time_zone",
            "always_open",
            "valid_from",
            "valid_until",
            "active",
            "periods",
        ]


class CalendarDetailSerializer(CalendarSerializer):
    days = CalendarDaySerializer(
        many=True,
        read_only=True,
        help_text=_("Holidays and adjusted working days (调休) that differ from the week."),
    )

    class Meta(CalendarSerializer.Meta):
        fields = [*CalendarSerializer.Meta.fields, "days"]


# --- views -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("List categories"), tags=["reference"]),
    retrieve=extend_schema(summary=_("One category"), tags=["reference"]),
)
class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The category tree, by code (log and close incidents with these codes)."""

    serializer_class = CategorySerializer
    pagination_class = None
    filter_backends = []
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        return Category.objects.select_related("parent", "default_department").order_by(
            "sort_order", "code"
        )


class PriorityMatrixView(APIView):
    """Impact × urgency → priority, as configured (the default fills missing cells)."""

    @extend_schema(
        operation_id="priority_matrix_retrieve",
        summary=_("The priority matrix"),
        tags=["reference"],
        responses={200: PriorityMatrixSerializer},
    )
    def get(self, request):
        cells = dict(DEFAULT_MATRIX)
        for entry in PriorityMatrixEntry.objects.all():
            cells[(entry.impact, entry.urgency)] = entry.priority
        data = {
            "cells": [
                {"impact": impact, "urgency": urgency, "priority": priority}
                for (impact, urgency), priority in sorted(cells.items())
            ]
        }
        return Response(PriorityMatrixSerializer(data).data)


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
