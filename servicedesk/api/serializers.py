"""The two alert formats the intake accepts, and its answer."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from itsm.api.serializers import StrictSerializer
from servicedesk.intake.alerts import FIRING, RESOLVED, AlertInput

STATUS_CHOICES = [(FIRING, _("firing")), (RESOLVED, _("resolved"))]


class LabelsField(serializers.DictField):
    child = serializers.CharField(allow_blank=True, max_length=1000)


class SimpleAlertSerializer(StrictSerializer):
    """Our own shape: one alert per request."""

    status = serializers.ChoiceField(
        choices=STATUS_CHOICES, default=FIRING, help_text=_("“resolved” clears the alert.")
    )
    fingerprint = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "Identifies the alert; default: a hash of the labels (or service, instance "
            "and title). Repeats with the same fingerprint update one incident."
        ),
    )
    title = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required when firing."),
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    service = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    severity = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    instance = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The host or device; becomes the configuration item."),
    )
    labels = LabelsField(required=False, default=dict)
    starts_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if attrs["status"] == FIRING and not attrs["title"].strip():
            raise serializers.ValidationError({"title": [_("A firing alert needs a title.")]})
        return attrs

    def alerts(self) -> list[AlertInput]:
        d = self.validated_data
        return [
            AlertInput(
                status=d["status"],
                title=d["title"].strip(),
                description=d["description"],
                fingerprint=d["fingerprint"].strip(),
                service=d["service"],
                severity=d["severity"],
                instance=d["instance"],
                labels=dict(d["labels"]),
                starts_at=d["starts_at"],
                source="simple",
            )
        ]


class AlertmanagerAlertSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    labels = LabelsField()
    annotations = LabelsField(required=False, default=dict)
    startsAt = serializers.DateTimeField(required=False, allow_null=True, default=None)  # noqa: N815
    endsAt = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    generatorURL = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    fingerprint = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AlertmanagerSerializer(serializers.Serializer):
    """Prometheus Alertmanager's webhook payload (version 4); unknown keys are ignored."""

    version = serializers.CharField(required=False, help_text=_("“4”."))
    status = serializers.ChoiceField(choices=STATUS_CHOICES, required=False)
    receiver = serializers.CharField(required=False, allow_blank=True)
    groupKey = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    externalURL = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    alerts = AlertmanagerAlertSerializer(many=True, allow_empty=False)

    def alerts_input(self) -> list[AlertInput]:
        out = []
        for a in self.validated_data["alerts"]:
            labels = dict(a["labels"])
            annotations = dict(a.get("annotations") or {})
            title = annotations.get("summary") or labels.get("alertname", "")
            instance = labels.get("instance", "")
            if labels.get("alertname") and instance and not annotations.get("summary"):
                title = f"{labels['alertname']} @ {instance}"
            out.append(
                AlertInput(
                    status=a["status"],
                    title=title[:200],
                    description=annotations.get("description", ""),
                    fingerprint=(a.get("fingerprint") or "").strip(),
                    service=labels.get("service") or labels.get("job", ""),
                    severity=labels.get("severity", ""),
                    instance=instance,
                    labels=labels,
                    annotations=annotations,
                    starts_at=a.get("startsAt"),
                    source="alertmanager",
                )
            )
        return out


class AlertResultSerializer(serializers.Serializer):
    fingerprint = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    action = serializers.ChoiceField(
        choices=["created", "updated", "resolved", "cleared", "ignored"],
        help_text=_(
            "created: a new incident; updated: a repeat, counted; resolved: the incident was "
            "resolved automatically; cleared: the alert ended but a person holds the incident "
            "(or it had ended); ignored: no firing alert had this fingerprint."
        ),
    )
    incident = serializers.CharField(allow_null=True, help_text=_("The incident's number."))
    occurrences = serializers.IntegerField(help_text=_("How often the alert fired."))


class AlertResponseSerializer(serializers.Serializer):
    results = AlertResultSerializer(many=True)
