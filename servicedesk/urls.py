"""Service-desk pages, included at /desk/: the console and the requester portal."""

from django.urls import path

from servicedesk import views

app_name = "servicedesk"

urlpatterns = [
    path("console/", views.console, name="console"),
    path("console/log/", views.console_log, name="log"),
    path("portal/", views.portal, name="portal"),
    path("portal/report/", views.portal_report, name="report"),
]
