"""The incident as the API shows it (DESIGN §6: the names are part of the contract), the input
of its edits and records (the actions' inputs are in ``action_serializers``). Serializers only
read and validate: codes and usernames become objects
here, with a message on the field; the services decide and write."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.api.fields import (
    LEVEL_HELP,
    CodeField,
    OptionalBooleanField,
    UsernameField,
    level_field,
)
from incidents.choices import CloseMethod, Nature, Source, Status
from incidents.models import (
    Attachment,
    Category,
    Comment,
    Incident,
    IncidentEvent,
    WorkLog,
)
from incidents.selectors import category_by_code
from itsm.api.serializers import StrictSerializer
from itsm.models import Department
from itsm.people import person_name
from sla.choices import State, Target

# --- the incident ----------------------------------------------------------------------------


class ContactSerializer(StrictSerializer):
    """Who to call back about the incident (unknown keys refused, as at the top level)."""

    name = serializers.CharField(
        source="contact_name", max_length=100, allow_blank=True, required=False
    )
    phone = serializers.CharField(
        source="contact_phone", max_length=40, allow_blank=True, required=False
    )
    email = serializers.EmailField(source="contact_email", allow_blank=True, required=False)
    organisation = serializers.CharField(
        source="contact_organisation", max_length=150, allow_blank=True, required=False
    )


class SlaClockBriefSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=Target.choices, help_text=_("What the clock times."))
    state = serializers.ChoiceField(choices=State.choices)
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(
        help_text=_("When the target is due (business time on the policy's calendar).")
    )
    paused_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True)
    breached_at = serializers.DateTimeField(allow_null=True)


class IncidentSlaSerializer(serializers.Serializer):
    """The incident's SLA targets (the …/sla/ sub-resource has the OLA clocks and the
    business time used)."""

    response_due_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Deadline of the first-response target.")
    )
    resolution_due_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Deadline of the resolution target.")
    )
    breached = serializers.BooleanField(
        help_text=_("Whether the response or resolution target is breached.")
    )
    clocks = SlaClockBriefSerializer(many=True)

    def to_representation(self, incident):
        clocks = getattr(incident, "loaded_sla_clocks", None)
        if clocks is None:
            clocks = list(incident.sla_clocks.filter(segment__isnull=True).order_by("id"))
        by_target = {c.target: c for c in clocks}
        response = by_target.get(Target.RESPONSE)
        resolution = by_target.get(Target.RESOLUTION)
        return super().to_representation(
            {
                "response_due_at": response.deadline if response else None,
                "resolution_due_at": resolution.deadline if resolution else None,
                "breached": any(
                    c.breached_at is not None or c.state == State.BREACHED
                    for c in (response, resolution)
                    if c is not None
                ),
                "clocks": clocks,
            }
        )


class LinksSerializer(serializers.Serializer):
    self = serializers.URLField(help_text=_("This incident in the API."))
    actions = serializers.URLField(help_text=_("What the caller may do now."))
    html = serializers.URLField(help_text=_("The incident's page in the browser."))

    def to_representation(self, incident):
        request = self.context.get("request")

        def url(name, *args):
            path = reverse(name, args=args)
            return request.build_absolute_uri(path) if request is not None else path

        return {
            "self": url("api:incident-detail", incident.number),
            "actions": url("api:incident-actions", incident.number),
            "html": url("incidents:detail", incident.number),
        }


class _Formatter:
    """What every row of a page shares: the time zone and the URL prefixes (found once per
    request rather than once per field and row)."""

    def __init__(self, request):
        self.tz = timezone.get_current_timezone()
        api = reverse("api:incident-list")
        html = reverse("incidents:detail", args=["NUMBER"])
        if request is not None:
            api = request.build_absolute_uri(api)
            html = request.build_absolute_uri(html)
        self.api = api
        self.html_before, _, self.html_after = html.partition("NUMBER")

    @classmethod
    def of(cls, context) -> "_Formatter":
        formatter = context.get("_formatter")
        if formatter is None:
            formatter = context["_formatter"] = cls(context.get("request"))
        return formatter

    def dt(self, value):
        """As DRF's DateTimeField writes it: ISO 8601 in the current time zone."""
        if value is None:
            return None
        text = value.astimezone(self.tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def links(self, number: str) -> dict:
        return {
            "self": f"{self.api}{number}/",
            "actions": f"{self.api}{number}/actions/",
            "html": f"{self.html_before}{number}{self.html_after}",
        }

    def sla(self, incident) -> dict:
        clocks = getattr(incident, "loaded_sla_clocks", None)
        if clocks is None:
            clocks = list(incident.sla_clocks.filter(segment__isnull=True).order_by("id"))
        by_target = {c.target: c for c in clocks}
        response = by_target.get(Target.RESPONSE)
        resolution = by_target.get(Target.RESOLUTION)
        return {
            "response_due_at": self.dt(response.deadline) if response else None,
            "resolution_due_at": self.dt(resolution.deadline) if resolution else None,
            "breached": any(
                c.breached_at is not None or c.state == State.BREACHED
                for c in (response, resolution)
                if c is not None
            ),
            "clocks": [
                {
                    "target": c.target,
                    "state": c.state,
                    "started_at": self.dt(c.started_at),
                    "deadline": self.dt(c.deadline),
                    "paused_at": self.dt(c.paused_at),
                    "stopped_at": self.dt(c.stopped_at),
                    "breached_at": self.dt(c.breached_at),
                }
                for c in clocks
            ],
        }


def _code(obj):
    return obj.code if obj is not None else None


def _username(user):
    return user.username if user is not None else None


def _name(obj):
    """A person's display name (itsm.people) or a section's name; None for nobody."""
    if obj is None:
        return None
    return obj.name if isinstance(obj, Department) else person_name(obj)


@extend_schema_field({"type": "string", "nullable": True})
class _NameField(serializers.Field):
    """The display name of a related person or section (read only)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return getattr(instance, self.source)

    def to_representation(self, value):
        return _name(value)


class IncidentSerializer(serializers.ModelSerializer):
    """An incident (事件单). Users are named by username, sections and categories by code,
    times are ISO 8601 with offset."""

    number = serializers.CharField(read_only=True, help_text=_("INC-<year>-<number>."))
    category = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text=_("Category code.")
    )
    impact = serializers.IntegerField(read_only=True, help_text=LEVEL_HELP)
    urgency = serializers.IntegerField(read_only=True, help_text=LEVEL_HELP)
    priority = serializers.CharField(read_only=True, help_text=_("P1 … P4, from the matrix."))
    status = serializers.ChoiceField(
        choices=Status.choices, read_only=True, help_text=_("Changes only through actions.")
    )
    owner = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=_("Who follows it to closure.")
    )
    department = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text=_("The section holding it.")
    )
    routed_department = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text=_("The section the routing rules chose."),
    )
    assignee = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=_("Who works on it.")
    )
    requester = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=_("Who reported it.")
    )
    owner_name = _NameField(source="owner", help_text=_("The owner's name, as people are shown."))
    department_name = _NameField(
        source="department", allow_null=True, help_text=_("The section's name.")
    )
    assignee_name = _NameField(
        source="assignee", allow_null=True, help_text=_("The assignee's name.")
    )
    requester_name = _NameField(
        source="requester", allow_null=True, help_text=_("The requester's name.")
    )
    contact = ContactSerializer(source="*", read_only=True)
    escalation_level = serializers.IntegerField(
        read_only=True, help_text=_("0 none, 1 section lead, 2 incident manager, 3 director.")
    )
    resolution_code = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    suspend_reason = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    closing_category = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    close_method = serializers.ChoiceField(
        choices=CloseMethod.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("How it was closed; empty while not closed."),
    )
    sla = IncidentSlaSerializer(source="*", read_only=True)
    version = serializers.IntegerField(
        read_only=True, help_text=_("Raised by every change; the ETag carries it.")
    )
    etag = serializers.CharField(read_only=True, help_text=_("Send it back in If-Match."))
    links = LinksSerializer(source="*", read_only=True)

    class Meta:
        model = Incident
        fields = [
            "number",
            "title",
            "description",
            "nature",
            "source",
            "category",
            "impact",
            "urgency",
            "priority",
            "status",
            "owner",
            "department",
            "assignee",
            "requester",
            "owner_name",
            "department_name",
            "assignee_name",
            "requester_name",
            "contact",
            "escalation_level",
            "is_major",
            "created_at",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "resolution_code",
            "resolution",
            "suspend_reason",
            "resume_at",
            "handover_count",
            "bounce_count",
            "reopen_count",
            "sla",
            "configuration_item",
            "location",
            "routed_department",
            "support_level",
            "in_dispute",
            "priority_overridden",
            "knowledge_ref",
            "closing_category",
            "close_method",
            "satisfaction",
            "cancelled_at",
            "version",
            "etag",
            "updated_at",
            "links",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        """The declared fields, written out by hand: the same output (a test compares them)
        at a fraction of DRF's cost per field, which dominates a page of 50 or 200."""
        i = instance
        f = _Formatter.of(self.context)
        return {
            "number": i.number,
            "title": i.title,
            "description": i.description,
            "nature": i.nature,
            "source": i.source,
            "category": _code(i.category),
            "impact": i.impact,
            "urgency": i.urgency,
            "priority": i.priority,
            "status": i.status,
            "owner": _username(i.owner),
            "department": _code(i.department),
            "assignee": _username(i.assignee),
            "requester": _username(i.requester),
            "owner_name": _name(i.owner),
            "department_name": _name(i.department),
            "assignee_name": _name(i.assignee),
            "requester_name": _name(i.requester),
            "contact": {
                "name": i.contact_name,
                "phone": i.contact_phone,
                "email": i.contact_email,
                "organisation": i.contact_organisation,
            },
            "escalation_level": i.escalation_level,
            "is_major": i.is_major,
            "created_at": f.dt(i.created_at),
            "accepted_at": f.dt(i.accepted_at),
            "resolved_at": f.dt(i.resolved_at),
            "closed_at": f.dt(i.closed_at),
            "resolution_code": _code(i.resolution_code),
            "resolution": i.resolution,
            "suspend_reason": _code(i.suspend_reason),
            "resume_at": f.dt(i.resume_at),
            "handover_count": i.handover_count,
            "bounce_count": i.bounce_count,
            "reopen_count": i.reopen_count,
            "sla": f.sla(i),
            "configuration_item": i.configuration_item,
            "location": i.location,
            "routed_department": _code(i.routed_department),
            "support_level": i.support_level,
            "in_dispute": i.in_dispute,
            "priority_overridden": i.priority_overridden,
            "knowledge_ref": i.knowledge_ref,
            "closing_category": _code(i.closing_category),
            "close_method": i.close_method,
            "satisfaction": i.satisfaction,
            "cancelled_at": f.dt(i.cancelled_at),
            "version": i.version,
            "etag": i.etag,
            "updated_at": f.dt(i.updated_at),
            "links": f.links(i.number),
        }

    def declared_representation(self, instance):
        """DRF's own rendering of the declared fields (the reference the tests compare)."""
        return super().to_representation(instance)


# --- writes ----------------------------------------------------------------------------------


class IncidentCreateSerializer(StrictSerializer):
    """Log an incident: it is routed, prioritised and timed as at the desk."""

    title = serializers.CharField(max_length=200, help_text=_("A short summary."))
    description = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Sanitised: no HTML scripts.")
    )
    nature = serializers.ChoiceField(choices=Nature.choices, default=Nature.FAULT)
    source = serializers.ChoiceField(
        choices=Source.choices, default=Source.API, help_text=_("How it was reported.")
    )
    category = CodeField(
        _("category"),
        queryset=Category.objects.all(),
        lookup=category_by_code,
        required=False,
        allow_null=True,
        help_text=_("Category code: decides the section it is routed to."),
    )
    impact = level_field(LEVEL_HELP, default=3)
    urgency = level_field(LEVEL_HELP, default=3)
    requester = UsernameField(
        required=False,
        allow_null=True,
        help_text=_("Username of the person affected. Requesters always report for themselves."),
    )
    contact = ContactSerializer(required=False)
    configuration_item = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    location = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class IncidentUpdateSerializer(StrictSerializer):
    """The editable fields (PATCH): any subset. The state changes only through actions."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True)
    nature = serializers.ChoiceField(choices=Nature.choices)
    category = CodeField(
        _("category"), queryset=Category.objects.all(), lookup=category_by_code, allow_null=True
    )
    impact = level_field(LEVEL_HELP)
    urgency = level_field(LEVEL_HELP)
    configuration_item = serializers.CharField(max_length=200, allow_blank=True)
    location = serializers.CharField(max_length=100, allow_blank=True)
    contact = ContactSerializer()

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = {
                name: [_("This field cannot be changed; use the actions for the state.")]
                for name in data
                if name in IncidentSerializer.Meta.fields and name not in self.fields
            }
            if unknown:
                raise serializers.ValidationError(unknown)
        return super().to_internal_value(data)

    def changes(self) -> dict:
        """The validated data as the service's ``changes`` (model field names)."""
        data = dict(self.validated_data)
        contact = data.pop("contact", {}) or {}
        data.update(contact)
        return data


# --- sub-resources ---------------------------------------------------------------------------


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "is_public", "created_at"]
        read_only_fields = fields


class CommentCreateSerializer(StrictSerializer):
    body = serializers.CharField(help_text=_("Sanitised text."))
    is_public = serializers.BooleanField(
        default=False,
        help_text=_("Whether the requester sees it; a requester's own comments are public."),
    )


class WorkLogSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WorkLog
        fields = ["id", "author", "minutes", "note", "logged_at"]
        read_only_fields = fields


class WorkLogCreateSerializer(StrictSerializer):
    minutes = serializers.IntegerField(
        min_value=1, max_value=24 * 60, help_text=_("Time spent, 1 … 1440.")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    download = serializers.SerializerMethodField(help_text=_("Where to download the file."))

    class Meta:
        model = Attachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "is_public",
            "uploaded_by",
            "created_at",
            "download",
        ]
        read_only_fields = fields

    def get_download(self, obj) -> str:
        request = self.context.get("request")
        incident = self.context.get("incident") or obj.incident
        path = reverse("api:incident-attachment-download", args=[incident.number, obj.pk])
        return request.build_absolute_uri(path) if request is not None else path


class AttachmentCreateSerializer(StrictSerializer):
    file = serializers.FileField(
        help_text=_("The file (multipart/form-data); size and type limits apply.")
    )
    is_public = OptionalBooleanField(
        required=False,
        help_text=_(
            "Whether the requester sees it. Default: yes for those who may write to the "
            "requester (as for comments), else no."
        ),
    )


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("Empty for the system's own actions."),
    )
    # What the caller may read of the event (``selectors.events_shown``), never the raw row.
    reason = serializers.CharField(
        source="shown_reason",
        read_only=True,
        help_text=_("Why; empty where the caller may not read it."),
    )
    data = serializers.JSONField(
        source="shown_data", read_only=True, help_text=_("Details of the change.")
    )
    notified = serializers.ListField(
        source="shown_notified",
        child=serializers.CharField(),
        read_only=True,
        help_text=_("Usernames told (empty for requesters)."),
    )

    class Meta:
        model = IncidentEvent
        fields = [
            "id",
            "kind",
            "at",
            "actor",
            "from_status",
            "to_status",
            "reason",
            "data",
            "notified",
        ]
        read_only_fields = fields


class ClockSerializer(serializers.Serializer):
    """A clock with the business time used and left (``sla.selectors.ClockView``)."""

    target = serializers.ChoiceField(choices=Target.choices)
    target_label = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    state_label = serializers.CharField()
    department = serializers.CharField(
        source="department_code", allow_null=True, help_text=_("OLA clocks: the section timed.")
    )
    calendar = serializers.CharField(source="calendar_code")
    target_seconds = serializers.SerializerMethodField(help_text=_("The target, business time."))
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    paused_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True)
    breached_at = serializers.DateTimeField(allow_null=True)
    consumed_seconds = serializers.SerializerMethodField(help_text=_("Business time used."))
    remaining_seconds = serializers.SerializerMethodField(help_text=_("Business time left."))
    overrun_seconds = serializers.SerializerMethodField(help_text=_("Business time beyond it."))
    percent = serializers.IntegerField(help_text=_("Share of the target used."))
    calendar_gap = serializers.BooleanField(
        help_text=_("The deadline lies beyond the calendar's holiday data.")
    )

    def get_target_seconds(self, obj) -> int:
        return int(obj.target_duration.total_seconds())

    def get_consumed_seconds(self, obj) -> int:
        return int(obj.consumed.total_seconds())

    def get_remaining_seconds(self, obj) -> int:
        return int(obj.remaining.total_seconds())

    def get_overrun_seconds(self, obj) -> int:
        return int(obj.overrun.total_seconds())
