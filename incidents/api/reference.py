"""Reference data for systems, read-only: categories and the priority matrix (the SLA's
policies and calendars are served by ``sla.api``)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.models import Category, PriorityMatrixEntry
from incidents.priority import DEFAULT_MATRIX
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
