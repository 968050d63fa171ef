"""Incident API URLs, included under /api/v1/ by ``itsm.api.urls`` (namespace ``api``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents.api import reference, views

router = SimpleRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("categories", reference.CategoryViewSet, basename="category")
router.register("suspend-reasons", reference.SuspendReasonViewSet, basename="suspend-reason")
router.register("resolution-codes", reference.ResolutionCodeViewSet, basename="resolution-code")
router.register("delay-reasons", reference.DelayReasonViewSet, basename="delay-reason")

LIST_CREATE = {"get": "list", "post": "create"}

urlpatterns = [
    path(
        "incidents/<str:number>/comments/",
        views.CommentViewSet.as_view(LIST_CREATE),
        name="incident-comments",
    ),
    path(
        "incidents/<str:number>/worklogs/",
        views.WorkLogViewSet.as_view(LIST_CREATE),
        name="incident-worklogs",
    ),
    path(
        "incidents/<str:number>/attachments/",
        views.AttachmentViewSet.as_view(LIST_CREATE),
        name="incident-attachments",
    ),
    path(
        "incidents/<str:number>/attachments/<str:pk>/download/",
        views.AttachmentViewSet.as_view({"get": "download"}),
        name="incident-attachment-download",
    ),
    path(
        "incidents/<str:number>/events/",
        views.EventViewSet.as_view({"get": "list"}),
        name="incident-events",
    ),
    path(
        "incidents/<str:number>/sla/",
        views.SlaClockViewSet.as_view({"get": "list"}),
        name="incident-sla",
    ),
    path("priority-matrix/", reference.PriorityMatrixView.as_view(), name="priority-matrix"),
    *router.urls,
]
