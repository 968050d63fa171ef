"""Top-level URLs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from itsm import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("sections/", views.directory, name="directory"),
    path("incidents/", include("incidents.urls")),
    path("desk/", include("servicedesk.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", views.notification_inbox, name="notifications"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification-preferences",
    ),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("itsm.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

# The product's own error pages (itsm/errors.py), in the user's language.
handler403 = "itsm.errors.permission_denied"
handler404 = "itsm.errors.page_not_found"
handler500 = "itsm.errors.server_error"
