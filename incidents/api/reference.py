"""Reference data for systems, read-only: categories, the priority matrix, and the code lists
the actions take (suspend reasons, resolution codes, delay reasons); the SLA's policies and
calendars are served by ``sla.api``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.models import (
    Category,
    DelayReason,
    PriorityMatrixEntry,
    ResolutionCode,
    SuspendReason,
)
from incidents.priority import DEFAULT_MATRIX
from itsm.api.permissions import DirectoryPermission
from itsm.api.views import ApiViewSet


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


class CodeSerializer(serializers.ModelSerializer):
    """A configured code: what an action's code field takes."""

    name = serializers.CharField(read_only=True, help_text=_("The name in the active language."))
    active = serializers.BooleanField(
        read_only=True,
        help_text=_("Retired codes are kept for old incidents; actions refuse them."),
    )

    class Meta:
        model = ResolutionCode
        fields = ["code", "name", "name_zh", "name_en", "active"]


class SuspendReasonSerializer(CodeSerializer):
    max_duration_minutes = serializers.SerializerMethodField(
        help_text=_("Longer suspensions need the incident manager.")
    )

    class Meta:
        model = SuspendReason
        fields = [
            *CodeSerializer.Meta.fields,
            "stops_clock",
            "awaits_requester",
            "max_duration_minutes",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def get_max_duration_minutes(self, obj) -> int:
        return int(obj.max_duration.total_seconds() // 60)


class DelayReasonSerializer(CodeSerializer):
    class Meta(CodeSerializer.Meta):
        model = DelayReason


class PriorityCellSerializer(serializers.Serializer):
    impact = serializers.IntegerField(help_text=_("1 high … 3 low."))
    urgency = serializers.IntegerField(help_text=_("1 high … 3 low."))
    priority = serializers.CharField(help_text=_("P1 … P4."))


class PriorityMatrixSerializer(serializers.Serializer):
    cells = PriorityCellSerializer(many=True)


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


class CodeListViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """A code list by code, retired ones included (with ``active``: false), for staff and
    systems."""

    permission_classes = [DirectoryPermission]
    pagination_class = None
    filter_backends = []
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    model = None

    def get_queryset(self):
        return self.model.objects.order_by("code")


@extend_schema_view(
    list=extend_schema(summary=_("List suspend reasons"), tags=["reference"]),
    retrieve=extend_schema(summary=_("One suspend reason"), tags=["reference"]),
)
class SuspendReasonViewSet(CodeListViewSet):
    """Why an incident may wait (``suspend``'s ``suspend_reason``), whether that stops the SLA
    clock, and for how long at most."""

    model = SuspendReason
    serializer_class = SuspendReasonSerializer


@extend_schema_view(
    list=extend_schema(summary=_("List resolution codes"), tags=["reference"]),
    retrieve=extend_schema(summary=_("One resolution code"), tags=["reference"]),
)
class ResolutionCodeViewSet(CodeListViewSet):
    """The resolution codes (事件结束代码) ``resolve`` takes as ``resolution_code``."""

    model = ResolutionCode
    serializer_class = CodeSerializer


@extend_schema_view(
    list=extend_schema(summary=_("List delay reasons"), tags=["reference"]),
    retrieve=extend_schema(summary=_("One delay reason"), tags=["reference"]),
)
class DelayReasonViewSet(CodeListViewSet):
    """Why a section overran its OLA (the delay-reason distribution of the reports)."""

    model = DelayReason
    serializer_class = DelayReasonSerializer
