"""KPI API URLs, included under /api/v1/ by ``itsm.api.urls`` (namespace ``api``)."""

from django.urls import path

from reports.api import views

urlpatterns = [
    path("reports/kpis/", views.KpiView.as_view(), name="report-kpis"),
    path(
        "reports/kpis/<str:name>/incidents/",
        views.KpiIncidentsView.as_view(),
        name="report-kpi-incidents",
    ),
]
