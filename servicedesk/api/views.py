"""``POST /api/v1/alerts/``: monitoring systems raise and clear incidents."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from itsm.api.exceptions import service_errors
from itsm.api.idempotency import IdempotentMixin
from itsm.api.permissions import role_permission
from itsm.roles import Role
from servicedesk.api.serializers import (
    AlertmanagerSerializer,
    AlertResponseSerializer,
    SimpleAlertSerializer,
)
from servicedesk.intake import alerts

SIMPLE_EXAMPLE = {
    "status": "firing",
    "fingerprint": "db01-disk",
    "title": "db01 磁盘使用率 95%",
    "description": "/data 分区剩余空间不足",
    "service": "customs-db",
    "severity": "critical",
    "instance": "db01",
}
ALERTMANAGER_EXAMPLE = {
    "version": "4",
    "status": "firing",
    "receiver": "itsm",
    "groupKey": '{}:{alertname="HostDown"}',
    "externalURL": "http://alertmanager:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "HostDown",
                "instance": "sw-3f-01",
                "service": "lan",
                "severity": "critical",
            },
            "annotations": {"summary": "三楼交换机离线", "description": "ping 超时 5 分钟"},
            "startsAt": "2026-03-02T01:10:00Z",
            "fingerprint": "5f1c2a9e8d7b6c4a",
        }
    ],
}


class AlertIntakeView(IdempotentMixin, APIView):
    """Monitoring intake, for system accounts."""

    permission_classes = [role_permission(Role.SYSTEM)]

    @extend_schema(
        operation_id="alerts_create",
        summary=_("Raise or clear an alert"),
        description=_(
            "Our simple shape (one alert) or an Alertmanager webhook payload (several). A "
            "firing alert opens an incident, or counts a repeat on the one it opened (same "
            "fingerprint); a resolved alert resolves that incident with the code "
            "“auto_recovered”, unless a person has taken it over. 201 when an incident was "
            "opened, else 200."
        ),
        tags=["monitoring"],
        request=PolymorphicProxySerializer(
            component_name="AlertPayload",
            serializers=[SimpleAlertSerializer, AlertmanagerSerializer],
            resource_type_field_name=None,
        ),
        responses={200: AlertResponseSerializer, 201: AlertResponseSerializer},
        examples=[
            OpenApiExample("simple", value=SIMPLE_EXAMPLE, request_only=True),
            OpenApiExample("alertmanager", value=ALERTMANAGER_EXAMPLE, request_only=True),
            OpenApiExample(
                "result",
                value={
                    "results": [
                        {
                            "fingerprint": "db01-disk",
                            "status": "firing",
                            "action": "created",
                            "incident": "INC-2026-000124",
                            "occurrences": 1,
                        }
                    ]
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        data = request.data
        if isinstance(data, dict) and "alerts" in data:
            serializer = AlertmanagerSerializer(data=data)
            serializer.is_valid(raise_exception=True)
            inputs = serializer.alerts_input()
        else:
            serializer = SimpleAlertSerializer(data=data)
            serializer.is_valid(raise_exception=True)
            inputs = serializer.alerts()
        try:
            results = alerts.alerts_receive(by=request.user, alerts=inputs)
        except ValidationError as exc:
            raise ApiValidationError(service_errors(exc)) from exc
        created = any(r.action == "created" for r in results)
        return Response(
            AlertResponseSerializer({"results": results}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
