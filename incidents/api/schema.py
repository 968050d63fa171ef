"""What the OpenAPI schema says of the incident API beyond the code: summaries, descriptions,
parameters and examples of each operation (the actions' own examples are in their
declarations, incidents/actions.py). The views apply these; the summaries are lazy, so that
the schema speaks the reader's language."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from incidents.api import action_serializers as a
from incidents.api import serializers as s
from itsm.api.schema import ETAG, LOCATION

NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=_("The incident number, e.g. INC-2026-000123."),
)


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


def action_schema(action):
    """The operation POST …/{number}/{action}/ of an action of incidents/actions.py."""
    return extend_schema(
        operation_id=f"incidents_{action.name}",
        summary=action.label,
        description=_(
            "Takes the action now. 409 lists the actions that are possible instead; 403 when "
            "the caller may not; 412 when If-Match names an older version."
        ),
        tags=["incident actions"],
        parameters=[NUMBER, ETAG],
        request=action.serializer,
        responses={200: s.IncidentSerializer},
        examples=[
            OpenApiExample(action.name, value=action.example, request_only=True),
            OpenApiExample("incident", value=INCIDENT_EXAMPLE, response_only=True),
        ],
    )


AVAILABLE_ACTIONS = extend_schema(
    operation_id="incidents_actions",
    summary=_("What the caller may do now"),
    description=_("The actions the caller may take on the incident now, with their fields."),
    tags=["incident actions"],
    parameters=[NUMBER],
    responses={200: a.AvailableActionsSerializer},
)


INCIDENTS = extend_schema_view(
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


# --- sub-resources ---------------------------------------------------------------------------

COMMENTS = extend_schema_view(
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


WORKLOGS = extend_schema_view(
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


ATTACHMENTS = extend_schema_view(
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


EVENTS = extend_schema_view(
    list=extend_schema(
        summary=_("History"),
        description=_("The append-only history of the incident, oldest first."),
        tags=["incident records"],
        parameters=[NUMBER],
    ),
)


SLA_CLOCKS = extend_schema_view(
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
