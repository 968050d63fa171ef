"""The report pages, at /reports/ (itsm/urls.py)."""

from django.urls import include, path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.overview, name="dashboard"),
    path("section/", views.section, name="section"),
    path("desk/", views.desk, name="desk"),
    path("workload/", views.workload, name="workload"),
    path("incidents/<slug:name>/", views.incidents, name="incidents"),
    path(
        "incidents/<slug:name>/export.<slug:fmt>",
        views.incidents_export,
        name="incidents-export",
    ),
    path(
        "export/<slug:view>/<slug:table>.<slug:fmt>",
        views.table_export,
        name="export",
    ),
    path("monthly/", include("reports.urls_monthly")),
]
