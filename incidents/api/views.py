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
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_fsm import can_proceed, has_transition_perm
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from incidents import selectors, services
from incidents.api import action_serializers as a
from incidents.api import serializers as s
from incidents.api.filters import IncidentOrdering
from incidents.choices import Status
from incidents.exceptions import StaleIncident, TransitionNotAllowed
from incidents.filters import IncidentFilterSet
from incidents.models import Incident
from itsm.api.exceptions import PreconditionFailed, TransitionConflict, service_errors
from itsm.api.pagination import ApiCursorPagination, cursor_pagination
from itsm.api.schema import ETAG, LOCATION
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
NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=_("The incident number, e.g. INC-2026-000123."),
)


ACTION_LABELS = {
    "assign": _("Assign"),
    "accept": _("Accept"),
    "return": _("Return"),
    "suspend": _("Suspend"),
    "resume": _("Resume"),
    "escalate": _("Escalate"),
    "resolve": _("Resolve"),
    "reopen": _("Reopen"),
    "close": _("Close"),
    "cancel": _("Cancel the incident"),
}

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
        "action": ACTION_LABELS.get(action, action),
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


def action_fields(serializer_class) -> list[dict]:
    """The fields of an action's input, for GET …/actions/."""
    out = []
    for name, field in serializer_class().fields.items():
        if isinstance(field, a.CodeField):
            kind = "code"
        elif isinstance(field, a.UsernameField):
            kind = "username"
        elif isinstance(field, serializers.DateTimeField):
            kind = "datetime"
        elif isinstance(field, serializers.ChoiceField):
            kind = "choice"
        elif isinstance(field, serializers.IntegerField):
            kind = "integer"
        else:
            kind = "string"
        item = {
            "name": name,
            "type": kind,
            "required": field.required,
            "help_text": str(field.help_text or ""),
        }
        if isinstance(field, serializers.ChoiceField):
            item["choices"] = [str(c) for c in field.choices]
        out.append(item)
    return out


# --- the incidents ---------------------------------------------------------------------------

INCIDENT_EXAMPLE = {
    "number": "INC-2026-000123",
    "title": "三楼办公区网络中断",
    "description": "三楼交换机无法访问",
    "nature": "fault",
    "source": "api",
    "category": "network-lan",
    "impact": 2,
    "urgency": 2,
    "priority": "P3",
    "status": "assigned",
    "owner": "desk1",
    "department": "network",
    "assignee": None,
    "requester": "user1",
    "contact": {"name": "冯雪", "phone": "8888", "email": "user1@example.cn", "organisation": ""},
    "escalation_level": 0,
    "is_major": False,
    "created_at": "2026-03-02T09:15:00+08:00",
    "accepted_at": None,
    "resolved_at": None,
    "closed_at": None,
    "resolution_code": None,
    "resolution": "",
    "suspend_reason": None,
    "resume_at": None,
    "handover_count": 0,
    "bounce_count": 0,
    "reopen_count": 0,
    "sla": {
        "response_due_at": "2026-03-02T10:15:00+08:00",
        "resolution_due_at": "2026-03-02T17:15:00+08:00",
        "breached": False,
        "clocks": [
            {
                "target": "response",
                "state": "running",
                "started_at": "2026-03-02T09:15:00+08:00",
                "deadline": "2026-03-02T10:15:00+08:00",
                "paused_at": None,
                "stopped_at": None,
                "breached_at": None,
            }
        ],
    },
    "configuration_item": "",
    "location": "",
    "routed_department": "network",
    "support_level": "L2",
    "in_dispute": False,
    "priority_overridden": False,
    "knowledge_ref": "",
    "closing_category": None,
    "close_method": "",
    "satisfaction": None,
    "cancelled_at": None,
    "version": 2,
    "etag": '"INC-2026-000123-v2"',
    "updated_at": "2026-03-02T09:20:00+08:00",
    "links": {
        "self": "https://itsm.example.cn/api/v1/incidents/INC-2026-000123/",
        "actions": "https://itsm.example.cn/api/v1/incidents/INC-2026-000123/actions/",
        "html": "https://itsm.example.cn/incidents/INC-2026-000123/",
    },
}

ACTION_EXAMPLES = {
    "assign": {"department": "network", "assignee": "net1", "reason": ""},
    "accept": {},
    "return": {"reason": "不是网络问题，是应用故障"},
    "suspend": {
        "suspend_reason": "awaiting_info",
        "resume_at": "2026-03-03T09:00:00+08:00",
        "note": "等待用户提供截图",
    },
    "resume": {"note": ""},
    "escalate": {"level": 2, "reason": "用户投诉"},
    "resolve": {"resolution_code": "fixed", "resolution": "更换了网线", "knowledge_ref": ""},
    "reopen": {"reason": "问题仍然存在"},
    "close": {"satisfaction": 5, "satisfaction_comment": "处理及时"},
    "cancel": {"reason": "重复登记"},
}


def _action_schema(name: str):
    return extend_schema(
        operation_id=f"incidents_{name}",
        summary=ACTION_LABELS[name],
        description=_(
            "Takes the action now. 409 lists the actions that are possible instead; 403 when "
            "the caller may not; 412 when If-Match names an older version."
        ),
        tags=["incident actions"],
        parameters=[NUMBER, ETAG],
        request=a.ACTION_SERIALIZERS[name],
        responses={200: s.IncidentSerializer},
        examples=[
            OpenApiExample(name, value=ACTION_EXAMPLES[name], request_only=True),
            OpenApiExample("incident", value=INCIDENT_EXAMPLE, response_only=True),
        ],
    )


def _transition_endpoint(name: str):
    def endpoint(self, request, number=None):
        return self.take_action(request, number, name)

    endpoint.__name__ = "return_" if name == "return" else name
    endpoint.__doc__ = f"POST …/{{number}}/{name}/"
    return _action_schema(name)(
        action(detail=True, methods=["post"], url_path=name, url_name=name)(endpoint)
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("List incidents"),
        description=_(
            "The incidents the caller may see, newest first, in cursor pages. Systems that poll "
            "pass ``updated_after`` (the list is then oldest change first) and follow ``next``."
        ),
        tags=["incidents"],
        examples=[
            OpenApiExample(
                "page",
                value={"next": None, "previous": None, "results": [INCIDENT_EXAMPLE]},
                response_only=True,
            )
        ],
    ),
    create=extend_schema(
        summary=_("Log an incident"),
        description=_(
            "Logs an incident as the desk does: routing, priority, owner, clocks, history and "
            "notifications. Requesters log for themselves; a system account is the requester "
            "of what it logs unless it names one."
        ),
        tags=["incidents"],
        request=s.IncidentCreateSerializer,
        responses={201: s.IncidentSerializer},
        parameters=[ETAG, LOCATION],
        examples=[
            OpenApiExample(
                "log",
                value={
                    "title": "三楼办公区网络中断",
                    "description": "三楼交换机无法访问",
                    "nature": "fault",
                    "category": "network-lan",
                    "impact": 2,
                    "urgency": 2,
                    "requester": "user1",
                    "contact": {"phone": "8888"},
                },
                request_only=True,
            ),
            OpenApiExample("incident", value=INCIDENT_EXAMPLE, response_only=True),
        ],
    ),
    retrieve=extend_schema(
        summary=_("One incident"),
        description=_("The incident with its ETag header, for If-Match on later changes."),
        tags=["incidents"],
        parameters=[NUMBER, ETAG],
        examples=[OpenApiExample("incident", value=INCIDENT_EXAMPLE, response_only=True)],
    ),
    partial_update=extend_schema(
        summary=_("Edit an incident"),
        description=_(
            "Changes the editable fields (any subset). The state never changes here: use the "
            "actions. Impact and urgency re-compute the priority."
        ),
        tags=["incidents"],
        parameters=[NUMBER, ETAG],
        request=s.IncidentUpdateSerializer,
        responses={200: s.IncidentSerializer},
        examples=[
            OpenApiExample("edit", value={"impact": 1, "title": "整层网络中断"}, request_only=True),
            OpenApiExample("incident", value=INCIDENT_EXAMPLE, response_only=True),
        ],
    ),
)
class IncidentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
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
    # (The viewset method of "return" is ``return_``.)
    conflict_actions = frozenset({"partial_update", "return_", *a.ACTION_SERIALIZERS})
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
        changes = serializer.changes()
        if changes:
            incident = call_service(
                services.incident_update,
                incident=incident,
                user=request.user,
                by=request.user,
                changes=changes,
                expected_version=version,
            )
        return incident_response(request, incident)

    @extend_schema(
        operation_id="incidents_actions",
        summary=_("What the caller may do now"),
        description=_("The actions the caller may take on the incident now, with their fields."),
        tags=["incident actions"],
        parameters=[NUMBER],
        responses={200: a.AvailableActionsSerializer},
    )
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
                    "label": str(ACTION_LABELS.get(name, name)),
                    "url": request.build_absolute_uri(
                        reverse(f"api:incident-{name}", args=[incident.number])
                    ),
                    "fields": action_fields(a.ACTION_SERIALIZERS[name]),
                }
                for name in names
                if name in a.ACTION_SERIALIZERS
            ],
        }
        return Response(a.AvailableActionsSerializer(data).data)

    def take_action(self, request, number: str, name: str):
        user = request.user
        incident = self.get_object()
        version = expected_version(request, incident)
        method = getattr(incident, services.ACTIONS[name])
        # The state first (409), then the right (403), then the fields (400); the service
        # checks all of it again with the row locked.
        if not can_proceed(method):
            raise TransitionConflict(
                not_allowed_message(name, incident.status),
                state=incident.status,
                allowed_actions=services.available_actions(incident, user),
            )
        if not has_transition_perm(method, user):
            raise PermissionDenied(_t("You may not %(action)s this incident.") % {"action": name})
        serializer_class = a.ACTION_SERIALIZERS[name]
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = call_service(
            services.incident_act,
            incident=incident,
            user=user,
            rename=serializer_class.service_fields,
            by=user,
            action=name,
            expected_version=version,
            **serializer.service_kwargs(),
        )
        return incident_response(request, incident)

    assign = _transition_endpoint("assign")
    accept = _transition_endpoint("accept")
    return_ = _transition_endpoint("return")
    suspend = _transition_endpoint("suspend")
    resume = _transition_endpoint("resume")
    escalate = _transition_endpoint("escalate")
    resolve = _transition_endpoint("resolve")
    reopen = _transition_endpoint("reopen")
    close = _transition_endpoint("close")
    cancel = _transition_endpoint("cancel")


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


@extend_schema_view(
    list=extend_schema(
        summary=_("Comments"),
        description=_("Oldest first. Requesters see public comments only."),
        tags=["incident records"],
        parameters=[NUMBER],
    ),
    create=extend_schema(
        summary=_("Add a comment"),
        description=_(
            "A requester's comment is public; one on an incident waiting for them resumes it."
        ),
        tags=["incident records"],
        parameters=[NUMBER],
        request=s.CommentCreateSerializer,
        responses={201: s.CommentSerializer},
        examples=[
            OpenApiExample(
                "comment",
                value={"body": "已联系用户，等待回复", "is_public": False},
                request_only=True,
            )
        ],
    ),
)
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


@extend_schema_view(
    list=extend_schema(
        summary=_("Work logs"),
        description=_("Time spent, oldest first; staff only."),
        tags=["incident records"],
        parameters=[NUMBER],
    ),
    create=extend_schema(
        summary=_("Log work"),
        tags=["incident records"],
        parameters=[NUMBER],
        request=s.WorkLogCreateSerializer,
        responses={201: s.WorkLogSerializer},
        examples=[
            OpenApiExample("work", value={"minutes": 30, "note": "现场排查"}, request_only=True)
        ],
    ),
)
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


@extend_schema_view(
    list=extend_schema(
        summary=_("Attachments"),
        description=_("Files, oldest first. Requesters see public ones only."),
        tags=["incident records"],
        parameters=[NUMBER],
    ),
    create=extend_schema(
        summary=_("Attach a file"),
        description=_("multipart/form-data; the size and type limits of the settings apply."),
        tags=["incident records"],
        parameters=[NUMBER],
        request={"multipart/form-data": s.AttachmentCreateSerializer},
        responses={201: s.AttachmentSerializer},
    ),
    download=extend_schema(
        summary=_("Download an attachment"),
        tags=["incident records"],
        parameters=[
            NUMBER,
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The file.")
            )
        },
    ),
)
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
            is_public=data["is_public"],
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


@extend_schema_view(
    list=extend_schema(
        summary=_("History"),
        description=_("The append-only history of the incident, oldest first."),
        tags=["incident records"],
        parameters=[NUMBER],
    ),
)
class EventViewSet(mixins.ListModelMixin, IncidentChildViewSet):
    serializer_class = s.EventSerializer
    pagination_class = cursor_pagination(("at", "id"))

    def get_queryset(self):
        return selectors.events_for(self.request.user, self.incident())


@extend_schema_view(
    list=extend_schema(
        summary=_("SLA and OLA clocks"),
        description=_(
            "The incident's clocks with the business time used and left (SLA first, then the "
            "OLA clocks of each section; requesters see the SLA clocks only)."
        ),
        tags=["incident records"],
        parameters=[NUMBER],
    ),
)
class SlaClockViewSet(mixins.ListModelMixin, IncidentChildViewSet):
    serializer_class = s.ClockSerializer
    pagination_class = None

    def list(self, request, number=None):
        incident = self.incident()
        clocks = clocks_for_incident(incident.pk)
        if not is_staff(request.user):
            clocks = [c for c in clocks if not c.target.startswith("ola")]
        return Response(s.ClockSerializer(clocks, many=True).data)
