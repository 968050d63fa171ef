"""The REST API's URL root, mounted at /api/v1/ (namespace ``api``)."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from itsm.api import views

app_name = "api"

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("departments", views.DepartmentViewSet, basename="department")

urlpatterns = [
    path("auth/token/", views.AuthTokenView.as_view(), name="auth-token"),
    path("", include("incidents.api.urls")),
    path("", include("servicedesk.api.urls")),
    path("", include("sla.api.urls")),
    path("", include("reports.api.urls")),
    *router.urls,
    # Anything else under /api/v1/ answers a JSON 404, not the site's HTML page.
    re_path(r"^.*$", views.not_found, name="not-found"),
]
