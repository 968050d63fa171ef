"""Service-desk pages, included at /desk/: the console and the requester portal."""

from django.urls import path

from servicedesk import views

app_name = "servicedesk"

urlpatterns = [
    path("console/", views.console, name="console"),
    path("console/log/", views.console_log, name="log"),
    path("console/log/hints/", views.console_hints, name="log_hints"),
    path("console/log/duplicate/", views.console_duplicate, name="log_duplicate"),
    path("console/log/add-to/", views.console_add_to, name="log_add_to"),
    path("portal/", views.portal, name="portal"),
    path("portal/report/", views.portal_report, name="report"),
    path("portal/report/hints/", views.portal_hints, name="report_hints"),
    path("portal/report/add-to/", views.portal_add_to, name="report_add_to"),
]
