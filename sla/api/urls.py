"""SLA API URLs, included under /api/v1/ by ``itsm.api.urls`` (namespace ``api``)."""

from rest_framework.routers import SimpleRouter

from sla.api import views

router = SimpleRouter()
router.register("sla/policies", views.SlaPolicyViewSet, basename="sla-policy")
router.register("sla/calendars", views.CalendarViewSet, basename="sla-calendar")

urlpatterns = router.urls
