"""The monthly service report's URLs, included under ``/reports/monthly/`` by reports/urls.py."""

from django.urls import path

from reports import views_monthly

urlpatterns = [
    path("", views_monthly.monthly, name="monthly"),
    path("pdf/", views_monthly.monthly_pdf, name="monthly-pdf"),
]
