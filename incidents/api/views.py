"""The incident API: list, log, read and edit incidents by number, take actions on them, and
their comments, work logs, attachments, history and clocks.

Every incident is fetched through ``incidents_visible_to`` (the browser's visibility rules;
404 when hidden); every write is one service call. Service errors become answers here: 400
per field, 403, 409 with the allowed actions, 412.
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _t
from django_filters.rest_framework import DjangoFilterBackend
from django_fsm import can_proceed, has_transition_perm
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from incidents import actions, selectors, services
from incidents.api import action_serializers as a
from incidents.api import schema
from incidents.api import serializers as s
from incidents.api.filters import IncidentOrdering
from incidents.choices import Status
from incidents.exceptions import StaleIncident, TransitionNotAllowed
from incidents.filters import IncidentFilterSet
from incidents.models import Incident
from itsm.api.exceptions import PreconditionFailed, TransitionConflict, service_errors
from itsm.api.pagination import ApiCursorPagination, cursor_pagination
from itsm.api.parsers import JSONParser
from itsm.api.views import ApiViewSet
from itsm.roles import (
    INCIDENT_CREATE_ROLES,
    INCIDENT_LOG_FOR_OTHERS_ROLES,
    Role,
    has_any_role,
    is_staff,
    user_roles,
)
from sla.models import SlaClock
from sla.selectors import clocks_for_incident

NUMBER_PATTERN = r"[^/]+"


# What the incident's ``sla`` shows of its clocks (narrow rows: a page loads 100 to 400).
SLA_FIELDS = (
    "id",
    "incident_id",
    "target",
    "state",
    "started_at",
    "deadline",
    "paused_at",
    "stopped_at",
    "breached_at",
)


# --- helpers ---------------------------------------------------------------------------------


def visible_incident(user, number: str) -> Incident:
    """The incident if the user may see it; 404 otherwise (whether it exists or not). Its
    other relations load with ``selectors.with_relations`` when it is shown."""
    try:
        return selectors.incidents_visible_to(user).select_related("department").get(number=number)
    except Incident.DoesNotExist as exc:
        raise Http404 from exc


def expected_version(request, incident: Incident) -> int | None:
    """The version ``If-Match`` names: None without the header (or ``*``); 412 when it names
    any other than the incident's current ETag."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header or header == "*":
        return None
    for tag in header.split(","):
        if tag.strip().removeprefix("W/") == incident.etag:
            return incident.version
    raise PreconditionFailed(version=incident.version, etag=incident.etag)


def not_allowed_message(action: str, state: str) -> str:
    return _t("“%(action)s” is not possible while the incident is “%(status)s”.") % {
        "action": actions.label_of(action),
        "status": dict(Status.choices).get(state, state),
    }


def conflict(exc: TransitionNotAllowed, user, incident: Incident | None = None):
    default = f"'{exc.action}' is not allowed while the incident is {exc.status}"
    message = str(exc) if str(exc) != default else not_allowed_message(exc.action, exc.status)
    allowed = exc.allowed
    if not allowed and incident is not None and not incident.is_final:
        allowed = services.available_actions(incident, user)
    return TransitionConflict(message, state=exc.status, allowed_actions=allowed)


def stale(exc: StaleIncident, incident: Incident):
    return PreconditionFailed(
        version=exc.current_version, etag=f'"{incident.number}-v{exc.current_version}"'
    )


def call_service(fn, *, incident: Incident, user, rename: dict | None = None, **kwargs):
    """Run one service call and turn its errors into API errors."""
    if incident is not None:
        kwargs["incident"] = incident
    try:
        return fn(**kwargs)
    except ValidationError as exc:
        raise ApiValidationError(nest_contact(service_errors(exc, rename))) from exc
    except TransitionNotAllowed as exc:
        raise conflict(exc, user, incident) from exc
    except StaleIncident as exc:
        raise stale(exc, incident) from exc


def nest_contact(errors: dict) -> dict:
    """``contact_email`` errors of the services under ``contact.email``, as the API names it."""
    contact = {}
    out = {}
    for name, messages in errors.items():
        if name.startswith("contact_"):
            contact[name.removeprefix("contact_")] = messages
        else:
            out[name] = messages
    if contact:
        out["contact"] = contact
    return out


def incident_response(request, incident: Incident, *, status_code=status.HTTP_200_OK):
    """The incident's representation with its ETag. After a write this is the object the
    service saved (its relations load lazily): not re-read through the visibility rules,
    since the caller may just have handed it out of their sight."""
    selectors.with_relations([incident])
    data = s.IncidentSerializer(incident, context={"request": request}).data
    headers = {"ETag": incident.etag}
    if status_code == status.HTTP_201_CREATED:
        headers["Location"] = request.build_absolute_uri(
            reverse("api:incident-detail", args=[incident.number])
        )
    return Response(data, status=status_code, headers=headers)


# --- the incidents ---------------------------------------------------------------------------


def _action_route(spec: actions.Action):
    def endpoint(self, request, number=None):
        return self.take_action(request, number, spec)

    endpoint.__name__ = spec.attr
    endpoint.__doc__ = f"POST …/{{number}}/{spec.name}/"
    return schema.action_schema(spec)(
        action(detail=True, methods=["post"], url_path=spec.name, url_name=spec.name)(endpoint)
    )


# POST …/{number}/{name}/ for each action of incidents/actions.py that has an API input (the
# view's method is the name as an attribute: ``return_``).
ActionRoutes = type(
    "ActionRoutes", (), {spec.attr: _action_route(spec) for spec in actions.API_ACTIONS}
)


@schema.INCIDENTS
class IncidentViewSet(
    ActionRoutes,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ApiViewSet,
):
    """Incidents by number."""

    serializer_class = s.IncidentSerializer
    lookup_field = "number"
    lookup_value_regex = NUMBER_PATTERN
    filter_backends = [DjangoFilterBackend, IncidentOrdering]
    filterset_class = IncidentFilterSet
    pagination_class = ApiCursorPagination
    http_method_names = ["get", "post", "patch", "head", "options"]
    # For the schema (itsm.api.schema): which operations may answer 409 and take If-Match.
    conflict_actions = frozenset({"partial_update", *(x.attr for x in actions.API_ACTIONS)})
    if_match_actions = conflict_actions

    def get_queryset(self):
        qs = selectors.incidents_visible_to(self.request.user)
        if self.action == "list":
            qs = qs.prefetch_related(
                Prefetch(
                    "sla_clocks",
                    queryset=SlaClock.objects.filter(segment__isnull=True)
                    .only(*SLA_FIELDS)
                    .order_by("id"),
                    to_attr="loaded_sla_clocks",
                )
            )
        return qs

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = self.get_serializer(selectors.with_relations(page), many=True).data
        return self.get_paginated_response(data)

    def get_object(self):
        return visible_incident(self.request.user, self.kwargs["number"])

    def retrieve(self, request, number=None):
        incident = self.get_object()
        if request.headers.get("If-None-Match", "").strip() == incident.etag:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": incident.etag})
        return incident_response(request, incident)

    def create(self, request):
        user = request.user
        if not has_any_role(user, INCIDENT_CREATE_ROLES):
            raise PermissionDenied(_t("You may not log incidents."))
        serializer = s.IncidentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        contact = data.pop("contact", {}) or {}
        requester = data.pop("requester", None)
        if not has_any_role(user, INCIDENT_LOG_FOR_OTHERS_ROLES):
            if requester is not None and requester.pk != user.pk:
                raise ApiValidationError({"requester": [_t("You report for yourself only.")]})
            requester = user
        elif requester is None and Role.SYSTEM in user_roles(user):
            # A system sees what it raised: it is the requester unless it names one.
            requester = user
        incident = call_service(
            services.incident_create,
            incident=None,
            user=user,
            by=user,
            requester=requester,
            contact=services.Contact(
                name=contact.get("contact_name", ""),
                phone=contact.get("contact_phone", ""),
                email=contact.get("contact_email", ""),
                organisation=contact.get("contact_organisation", ""),
            ),
            **data,
        )
        return incident_response(request, incident, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, number=None):
        incident = self.get_object()
        version = expected_version(request, incident)
        serializer = s.IncidentUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        incident = call_service(
            services.incident_update,
            incident=incident,
            user=request.user,
            by=request.user,
            changes=serializer.changes(),
            expected_version=version,
        )
        return incident_response(request, incident)

    @schema.AVAILABLE_ACTIONS
    @action(detail=True, methods=["get"], url_path="actions", url_name="actions")
    def available(self, request, number=None):
        incident = self.get_object()
        names = services.available_actions(incident, request.user)
        data = {
            "number": incident.number,
            "status": incident.status,
            "version": incident.version,
            "etag": incident.etag,
            "actions": [
                {
                    "name": name,
                    "label": str(spec.label),
                    "url": request.build_absolute_uri(
                        reverse(f"api:incident-{name}", args=[incident.number])
                    ),
                    "fields": a.action_fields(spec.serializer, request),
                }
                for name in names
                if (spec := actions.ACTIONS[name]).serializer is not None
            ],
        }
        return Response(a.AvailableActionsSerializer(data).data)

    def take_action(self, request, number: str, spec: actions.Action):
        user = request.user
        incident = self.get_object()
        version = expected_version(request, incident)
        method = getattr(incident, spec.method)
        # The state first (409), then the right (403), then the fields (400); the service
        # checks all of it again with the row locked.
        if not can_proceed(method):
            raise TransitionConflict(
                not_allowed_message(spec.name, incident.status),
                state=incident.status,
                allowed_actions=services.available_actions(incident, user),
            )
        if not has_transition_perm(method, user):
            raise PermissionDenied(
                _t("You may not %(action)s this incident.") % {"action": spec.name}
            )
        serializer = spec.serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = call_service(
            services.incident_act,
            incident=incident,
            user=user,
            rename=spec.api_names,
            by=user,
            action=spec.name,
            expected_version=version,
            **spec.arguments(serializer.validated_data, user, api=True),
        )
        return incident_response(request, incident)


# --- sub-resources ---------------------------------------------------------------------------


class IncidentChildViewSet(ApiViewSet):
    """Something of one incident, at /incidents/{number}/<things>/."""

    filter_backends = []
    conflict_actions = frozenset({"create"})

    def incident(self) -> Incident:
        if not hasattr(self, "_incident"):
            self._incident = visible_incident(self.request.user, self.kwargs["number"])
        return self._incident

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "incident": self.incident()}

    def created(self, request, obj):
        data = self.get_serializer(obj).data
        return Response(data, status=status.HTTP_201_CREATED)


@schema.COMMENTS
class CommentViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, IncidentChildViewSet):
    serializer_class = s.CommentSerializer
    pagination_class = cursor_pagination(("created_at", "id"))

    def get_queryset(self):
        return selectors.comments_for(self.request.user, self.incident())

    def create(self, request, number=None):
        incident = self.incident()
        serializer = s.CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = call_service(
            services.comment_add,
            incident=incident,
            user=request.user,
            by=request.user,
            **serializer.validated_data,
        )
        return self.created(request, comment)


@schema.WORKLOGS
class WorkLogViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, IncidentChildViewSet):
    serializer_class = s.WorkLogSerializer
    pagination_class = cursor_pagination(("logged_at", "id"))

    def get_queryset(self):
        incident = self.incident()
        if not is_staff(self.request.user):
            raise PermissionDenied(_t("Work logs are for staff only."))
        return selectors.worklogs_for(incident)

    def create(self, request, number=None):
        incident = self.incident()
        serializer = s.WorkLogCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        log = call_service(
            services.worklog_add,
            incident=incident,
            user=request.user,
            by=request.user,
            **serializer.validated_data,
        )
        return self.created(request, log)


class PassthroughRenderer(BaseRenderer):
    """Files as they are (the download endpoint answers a FileResponse)."""

    media_type = "application/octet-stream"
    format = "bin"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data) if not isinstance(data, bytes) else data


@schema.ATTACHMENTS
class AttachmentViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, IncidentChildViewSet):
    serializer_class = s.AttachmentSerializer
    pagination_class = cursor_pagination(("created_at", "id"))
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return selectors.attachments_for(self.request.user, self.incident())

    def create(self, request, number=None):
        incident = self.incident()
        serializer = s.AttachmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        attachment = call_service(
            services.attachment_add,
            incident=incident,
            user=request.user,
            by=request.user,
            uploaded_file=data["file"],
            is_public=data.get("is_public"),
        )
        return self.created(request, attachment)

    @action(
        detail=True,
        methods=["get"],
        url_path="download",
        url_name="download",
        renderer_classes=[JSONRenderer, PassthroughRenderer],
    )
    def download(self, request, number=None, pk=None):
        attachment = self.get_queryset().filter(pk=pk).first() if str(pk).isdigit() else None
        if attachment is None:
            raise Http404
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type or "application/octet-stream",
        )


@schema.EVENTS
class EventViewSet(mixins.ListModelMixin, IncidentChildViewSet):
    serializer_class = s.EventSerializer
    pagination_class = cursor_pagination(("at", "id"))

    def get_queryset(self):
        return selectors.events_for(self.request.user, self.incident())

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return selectors.events_shown(self.request.user, self.incident(), page)


@schema.SLA_CLOCKS
class SlaClockViewSet(mixins.ListModelMixin, IncidentChildViewSet):
    serializer_class = s.ClockSerializer
    pagination_class = None

    def list(self, request, number=None):
        incident = self.incident()
        clocks = clocks_for_incident(incident.pk)
        if not is_staff(request.user):
            clocks = [c for c in clocks if not c.target.startswith("ola")]
        return Response(s.ClockSerializer(clocks, many=True).data)
