"""``GET /api/v1/reports/kpis/``: the KPIs of a period; ``GET …/kpis/{name}/incidents/``:
the incidents behind one figure, paginated as the incident list. Both apply the reader's
report scope (``reports.scopes``) and answer bad parameters 400 per field."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.serializers import IncidentSerializer
from incidents.api.views import SLA_FIELDS
from incidents.selectors import with_relations
from itsm.api.pagination import ApiCursorPagination
from reports.api.serializers import KpiAnswerSerializer
from reports.filters import KpiFilterForm
from reports.kpis import KPI_NAMES, KPIS, kpi_incidents, kpis_compute
from reports.scopes import report_scope
from sla.models import SlaClock

FILTER_PARAMETERS = [
    OpenApiParameter(
        "from", OpenApiTypes.DATE, description=_("First day of the period (inclusive).")
    ),
    OpenApiParameter("to", OpenApiTypes.DATE, description=_("Last day of the period (inclusive).")),
    OpenApiParameter(
        "period",
        OpenApiTypes.STR,
        enum=["day", "week", "month", "quarter", "year", "custom"],
        description=_("The current calendar period, when from/to are not given (default month)."),
    ),
    OpenApiParameter("department", OpenApiTypes.STR, description=_("Section code.")),
    OpenApiParameter(
        "category", OpenApiTypes.STR, description=_("Category code (with its children).")
    ),
    OpenApiParameter("priority", OpenApiTypes.STR, enum=["P1", "P2", "P3", "P4"]),
    OpenApiParameter("nature", OpenApiTypes.STR, enum=["fault", "request", "inquiry", "complaint"]),
    OpenApiParameter(
        "source",
        OpenApiTypes.STR,
        enum=["phone", "web", "email", "walk_in", "monitoring", "api"],
    ),
]


def reader_scope(request):
    try:
        return report_scope(request.user)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc


def parsed_filters(request):
    form = KpiFilterForm(request.query_params)
    if not form.is_valid():
        raise ApiValidationError({name: list(errors) for name, errors in form.errors.items()})
    return form.filters()


class KpiView(APIView):
    """The KPIs of a period."""

    @extend_schema(
        operation_id="reports_kpis",
        tags=["reports"],
        summary=_("KPIs of a period"),
        description=_(
            "Every KPI of docs/kpis.md for the period and filters, computed in the database. "
            "Directors and the incident manager see everything, the desk manager the whole "
            "division, a section lead their sections, a technician their own workload only; "
            "others get 403 with the reason. A rate is between 0 and 1, null when its total "
            "is 0."
        ),
        parameters=FILTER_PARAMETERS,
        responses={200: KpiAnswerSerializer},
        examples=[
            OpenApiExample(
                "Part of an answer",
                response_only=True,
                value={
                    "from": "2026-11-01",
                    "to": "2026-11-30",
                    "filters": {
                        "department": None,
                        "category": None,
                        "priority": None,
                        "nature": None,
                        "source": None,
                    },
                    "kpis": {
                        "resolution_sla": {"met": 412, "total": 450, "rate": 0.9156},
                        "first_contact_resolution": {"count": 180, "total": 450, "rate": 0.4},
                    },
                },
            )
        ],
    )
    def get(self, request):
        scope = reader_scope(request)
        filters = parsed_filters(request)
        return Response(
            {
                "from": filters.date_from.isoformat(),
                "to": filters.date_to.isoformat(),
                "filters": filters.described(),
                "kpis": kpis_compute(filters, scope),
            }
        )


class KpiIncidentsView(generics.ListAPIView):
    """The incidents behind one figure."""

    serializer_class = IncidentSerializer
    pagination_class = ApiCursorPagination
    filter_backends = []

    @extend_schema(
        operation_id="reports_kpi_incidents",
        tags=["reports"],
        summary=_("The incidents behind a KPI figure"),
        description=_(
            "The incidents a figure counts, with the same parameters as the KPIs: a rate's "
            "numerator, or its denominator with part=total; key narrows to one entry of a "
            "breakdown (a section code, an ageing bucket, a level, priority:P1 …). The "
            "number of rows equals the figure; a figure that counts stays with a section "
            "lists an incident once per stay. Paginated as the incident list."
        ),
        parameters=[
            OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(KPI_NAMES)),
            *FILTER_PARAMETERS,
            OpenApiParameter(
                "part",
                OpenApiTypes.STR,
                description=_(
                    "numerator (default), total; workload: open, accepted, resolved; "
                    "collaboration: incidents."
                ),
            ),
            OpenApiParameter("key", OpenApiTypes.STR, description=_("One breakdown entry.")),
        ],
    )
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def get_queryset(self):
        name = self.kwargs["name"]
        if name not in KPIS:
            raise Http404
        scope = reader_scope(self.request)
        filters = parsed_filters(self.request)
        params = self.request.query_params
        try:
            qs = kpi_incidents(
                name, filters, scope, part=params.get("part", ""), key=params.get("key", "")
            )
        except KeyError as exc:
            raise PermissionDenied(_("Your reports do not include this figure.")) from exc
        except ValidationError as exc:
            raise ApiValidationError(exc.message_dict) from exc
        return qs.prefetch_related(
            Prefetch(
                "sla_clocks",
                queryset=SlaClock.objects.filter(segment__isnull=True)
                .only(*SLA_FIELDS)
                .order_by("id"),
                to_attr="loaded_sla_clocks",
            )
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        data = self.get_serializer(with_relations(page), many=True).data
        return self.get_paginated_response(data)
