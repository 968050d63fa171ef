"""The reports' pages (namespace ``reports``)."""

from django.urls import include, path

app_name = "reports"

urlpatterns = [
    path("monthly/", include("reports.urls_monthly")),
]
