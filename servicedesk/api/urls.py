"""Monitoring intake URLs, included under /api/v1/ by ``itsm.api.urls``."""

from django.urls import path

from servicedesk.api import views

urlpatterns = [path("alerts/", views.AlertIntakeView.as_view(), name="alerts")]
