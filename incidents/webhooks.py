"""Incident events for the outbound webhooks: every history event is offered as
``incident.<kind>`` to the subscriptions that want it (``itsm.webhooks``), in the
transaction that records it."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from incidents.choices import EventKind
from itsm.webhooks import webhook_event_register, webhook_queue, webhook_subscriptions_for

for _kind in EventKind:
    webhook_event_register(f"incident.{_kind.value}", _kind.label)


def _username(user_id, user_attr):
    if user_id is None:
        return None
    return user_attr.username


def _api_url(number: str) -> str:
    try:
        path = reverse("api:incident-detail", args=[number])
    except NoReverseMatch:  # an URLconf without the API (benchmarks)
        return ""
    return settings.ITSM_BASE_URL.rstrip("/") + path


def incident_event_recorded(event) -> None:
    """Queue the webhook deliveries of a new history event (none without a subscription)."""
    code = f"incident.{event.kind}"
    subscriptions = webhook_subscriptions_for(code)
    if not subscriptions:
        return
    incident = event.incident
    payload = {
        "incident": {
            "number": incident.number,
            "title": incident.title,
            "status": incident.status,
            "priority": incident.priority,
            "nature": incident.nature,
            "source": incident.source,
            "category": incident.category.code if incident.category_id else None,
            "department": incident.department.code if incident.department_id else None,
            "assignee": _username(incident.assignee_id, incident.assignee),
            "owner": _username(incident.owner_id, incident.owner),
            "requester": _username(incident.requester_id, incident.requester),
            "escalation_level": incident.escalation_level,
            "is_major": incident.is_major,
            "version": incident.version,
            "updated_at": incident.updated_at.isoformat(),
            "url": _api_url(incident.number),
        },
        "change": {
            "kind": event.kind,
            "at": event.at.isoformat(),
            "actor": _username(event.actor_id, event.actor),
            "from_status": event.from_status,
            "to_status": event.to_status,
            "reason": event.reason,
            "data": event.data,
        },
    }
    webhook_queue(
        event=code,
        payload=payload,
        incident_number=incident.number,
        subscriptions=subscriptions,
    )
