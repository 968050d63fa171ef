"""The SLA reference data as the API shows it: policies with their thresholds, business
calendars with their working periods, holidays and adjusted working days."""

from django.utils.duration import duration_iso_string
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sla.choices import Weekday
from sla.models import BusinessCalendar, CalendarDay, SlaPolicy, SlaThreshold, WorkingPeriod


class ThresholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaThreshold
        fields = [
            "target",
            "percent",
            "escalation_level",
            "notify_assignee",
            "notify_lead",
            "notify_incident_manager",
            "notify_director",
        ]


class SlaPolicySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    calendar = serializers.SlugRelatedField(slug_field="code", read_only=True)
    response_target = serializers.SerializerMethodField(
        help_text=_("Business time, ISO 8601 duration.")
    )
    resolution_target = serializers.SerializerMethodField(
        help_text=_("Business time, ISO 8601 duration.")
    )
    update_interval = serializers.SerializerMethodField(
        help_text=_("Major incidents: an update is due this often (ISO 8601); empty: none.")
    )
    thresholds = ThresholdSerializer(many=True, read_only=True)

    class Meta:
        model = SlaPolicy
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "priority",
            "nature",
            "category",
            "organisation",
            "rank",
            "is_default",
            "calendar",
            "response_target",
            "resolution_target",
            "update_interval",
            "active",
            "thresholds",
        ]

    def get_response_target(self, obj) -> str:
        return duration_iso_string(obj.response_target)

    def get_resolution_target(self, obj) -> str:
        return duration_iso_string(obj.resolution_target)

    def get_update_interval(self, obj) -> str | None:
        return duration_iso_string(obj.update_interval) if obj.update_interval else None


LOCAL_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$"


@extend_schema_field({"type": "string", "pattern": LOCAL_TIME_PATTERN, "example": "08:30:00"})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the calendar's time zone, ``HH:MM:SS``. Not OpenAPI's
    ``format: time``: that is RFC 3339's time with an offset, which a weekly period has not."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M:%S")
        super().__init__(**kwargs)


class WorkingPeriodSerializer(serializers.ModelSerializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices, help_text=_("0 Monday … 6 Sunday."))
    start = LocalTimeField(help_text=_("From, in the calendar's time zone (HH:MM:SS)."))
    end = LocalTimeField(help_text=_("Until, in the calendar's time zone (HH:MM:SS)."))

    class Meta:
        model = WorkingPeriod
        fields = ["weekday", "start", "end"]


class CalendarDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name"]


class CalendarSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    periods = WorkingPeriodSerializer(many=True, read_only=True)

    class Meta:
        model = BusinessCalendar
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "time_zone",
            "always_open",
            "valid_from",
            "valid_until",
            "active",
            "periods",
        ]


class CalendarDetailSerializer(CalendarSerializer):
    days = CalendarDaySerializer(
        many=True,
        read_only=True,
        help_text=_("Holidays and adjusted working days (调休) that differ from the week."),
    )

    class Meta(CalendarSerializer.Meta):
        fields = [*CalendarSerializer.Meta.fields, "days"]
