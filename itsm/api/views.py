"""API views of the shared part: tokens, the people directory, sections."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from itsm.api import services
from itsm.api.filters import DepartmentFilterSet, UserFilterSet
from itsm.api.idempotency import IdempotentMixin
from itsm.api.pagination import cursor_pagination
from itsm.api.permissions import DirectoryPermission
from itsm.api.serializers import (
    DepartmentSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserSerializer,
)
from itsm.api.throttling import AuthRateThrottle
from itsm.models import Department, Membership

User = get_user_model()


class ApiViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """Base of the API's viewsets: idempotent POSTs, the project's defaults otherwise."""


class AuthTokenView(APIView):
    """Exchange a username and password for the account's API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        summary=_("Get an API token"),
        description=_(
            "Returns the account's token (the same one until an administrator rotates it). "
            "Only accounts allowed to use the API (systems, desk and section staff) get one; "
            "administrators issue tokens for system accounts in the admin."
        ),
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        examples=[
            OpenApiExample(
                "Sign in",
                value={"username": "monitor", "password": "Demo@2026"},
                request_only=True,
            ),
            OpenApiExample(
                "Token",
                value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "username": "monitor"},
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if not user.has_perm("itsm.use_api"):
            raise PermissionDenied(_("This account may not use the API with a token."))
        token = services.api_token_for(user=user)
        return Response(
            TokenSerializer({"token": token.key, "username": user.username}).data,
            status=status.HTTP_200_OK,
        )


@extend_schema_view(
    list=extend_schema(summary=_("List people"), tags=["reference"]),
    retrieve=extend_schema(summary=_("One person"), tags=["reference"]),
)
class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """People and systems, by username, with their roles and sections (no contact data).
    Internal staff and systems only."""

    serializer_class = UserSerializer
    permission_classes = [DirectoryPermission]
    filterset_class = UserFilterSet
    pagination_class = cursor_pagination(("username",), page_size=100)
    lookup_field = "username"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        return (
            User.objects.filter(is_active=True)
            .prefetch_related(
                "groups",
                Prefetch("memberships", queryset=Membership.objects.select_related("department")),
            )
            .order_by("username")
        )


@extend_schema_view(
    list=extend_schema(summary=_("List sections"), tags=["reference"]),
    retrieve=extend_schema(summary=_("One section"), tags=["reference"]),
)
class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The sections (assignment groups) by code; assign incidents with these codes."""

    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    pagination_class = None
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        return Department.objects.select_related("parent", "lead").order_by("code")


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Unknown API paths: a JSON 404."""
    raise NotFound()
