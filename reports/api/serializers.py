"""The KPI answer's shape, for the OpenAPI schema (the figures come from
``reports.kpis.kpis_compute`` as plain data; these serializers describe them)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

RATE_HELP = _("Between 0 and 1; null when the total is 0.")


def _rate():
    return serializers.FloatField(allow_null=True, help_text=RATE_HELP)


class CodeCountSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    count = serializers.IntegerField()


class CategoryCountSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    count = serializers.IntegerField()


class VolumeSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_nature = CodeCountSerializer(many=True)
    by_source = CodeCountSerializer(many=True)
    by_priority = CodeCountSerializer(many=True)
    by_category = CategoryCountSerializer(many=True)
    by_hour = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("24 values, local hours 0–23.")
    )
    by_weekday = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("7 values, Monday first.")
    )


class DurationsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    mean_seconds = serializers.FloatField(allow_null=True)
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)
    business_mean_seconds = serializers.FloatField(allow_null=True)
    business_median_seconds = serializers.FloatField(allow_null=True)
    business_p90_seconds = serializers.FloatField(allow_null=True)


class ComplianceSerializer(serializers.Serializer):
    met = serializers.IntegerField()
    total = serializers.IntegerField()
    rate = _rate()


class DepartmentRefSerializer(serializers.Serializer):
    department = serializers.CharField(allow_null=True, help_text=_("The section's code."))
    department_name = serializers.CharField(help_text=_("The section's name."))


class DepartmentComplianceSerializer(DepartmentRefSerializer, ComplianceSerializer):
    pass


class OlaSerializer(ComplianceSerializer):
    by_department = DepartmentComplianceSerializer(many=True)


class CountRateSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    total = serializers.IntegerField()
    rate = _rate()


class BucketSerializer(serializers.Serializer):
    bucket = serializers.ChoiceField(choices=["lt1", "1-3", "3-7", "7-30", "gt30"])
    count = serializers.IntegerField()


class BacklogSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    open = serializers.IntegerField()
    ageing = BucketSerializer(many=True)


class DepartmentPassingSerializer(DepartmentRefSerializer):
    received = serializers.IntegerField()
    bounced = serializers.IntegerField()
    index = serializers.IntegerField(help_text=_("踢球指数: received + bounced."))


class HandoversSerializer(serializers.Serializer):
    incidents = serializers.IntegerField()
    handovers = serializers.IntegerField()
    bounces = serializers.IntegerField()
    passed = serializers.IntegerField()
    per_incident = serializers.FloatField(allow_null=True)
    bounces_per_incident = serializers.FloatField(allow_null=True)
    by_department = DepartmentPassingSerializer(many=True)


class DepartmentShareSerializer(DepartmentRefSerializer):
    seconds = serializers.IntegerField(help_text=_("Business seconds."))
    segments = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)


class LevelCountSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class MajorSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    resolved = serializers.IntegerField()
    mean_duration_seconds = serializers.FloatField(allow_null=True)


class ScoreCountSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    count = serializers.IntegerField()


class SatisfactionSerializer(serializers.Serializer):
    responses = serializers.IntegerField()
    closed = serializers.IntegerField()
    response_rate = _rate()
    mean = serializers.FloatField(allow_null=True)
    distribution = ScoreCountSerializer(many=True)


class WorkloadSerializer(serializers.Serializer):
    assignee = serializers.CharField(help_text=_("Username."))
    assignee_name = serializers.CharField()
    open = serializers.IntegerField()
    accepted = serializers.IntegerField()
    resolved = serializers.IntegerField()


class CollaborationSerializer(serializers.Serializer):
    incidents = serializers.IntegerField()
    mean_seconds = serializers.FloatField(allow_null=True)
    business_mean_seconds = serializers.FloatField(allow_null=True)
    on_time = serializers.IntegerField()
    total = serializers.IntegerField()
    rate = _rate()
    by_department = DepartmentShareSerializer(many=True)
    delay_reasons = CodeCountSerializer(many=True)


class KpisSerializer(serializers.Serializer):
    """Each KPI the caller may see (a technician: ``workload`` only)."""

    volume = VolumeSerializer(required=False)
    mtta = DurationsSerializer(required=False)
    mttr = DurationsSerializer(required=False)
    response_sla = ComplianceSerializer(required=False)
    resolution_sla = ComplianceSerializer(required=False)
    ola = OlaSerializer(required=False)
    first_contact_resolution = CountRateSerializer(required=False)
    reopen = CountRateSerializer(required=False)
    backlog = BacklogSerializer(required=False)
    handovers = HandoversSerializer(required=False)
    section_share = DepartmentShareSerializer(many=True, required=False)
    delay_reasons = CodeCountSerializer(many=True, required=False)
    escalations = LevelCountSerializer(many=True, required=False)
    major_incidents = MajorSerializer(required=False)
    satisfaction = SatisfactionSerializer(required=False)
    workload = WorkloadSerializer(many=True, required=False)
    collaboration = CollaborationSerializer(required=False)


class FiltersSerializer(serializers.Serializer):
    department = serializers.CharField(allow_null=True)
    category = serializers.CharField(allow_null=True)
    priority = serializers.CharField(allow_null=True)
    nature = serializers.CharField(allow_null=True)
    source = serializers.CharField(allow_null=True)


class KpiAnswerSerializer(serializers.Serializer):
    """The KPIs of a period."""

    # "from" is a Python keyword: declared through the class namespace.
    vars()["from"] = serializers.DateField()
    to = serializers.DateField()
    filters = FiltersSerializer()
    kpis = KpisSerializer()
