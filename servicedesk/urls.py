"""Service-desk pages, included at /desk/: the console, the team view and the requester portal."""

from django.urls import path

from servicedesk import views

app_name = "servicedesk"

urlpatterns = [
    path("console/", views.console, name="console"),
    path("console/log/", views.console_log, name="log"),
    path("team/", views.team, name="team"),
    path("portal/", views.portal, name="portal"),
    path("portal/report/", views.portal_report, name="report"),
]
