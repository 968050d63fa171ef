"""Monitoring intake (DESIGN §6): alerts become incidents, deduplicated by fingerprint.

A firing alert opens an incident (source ``monitoring``, the reporting system as requester
and contact: ``servicedesk.services.contact_for``) mapped by the best ``AlertRule``; a
repeat of a firing alert counts an occurrence on the alert instead of opening another
incident. A resolved alert resolves the incident it opened with the ``auto_recovered``
resolution code, unless a person has taken the incident over (it is no longer new, or has
an assignee): then it only leaves a comment saying the alert cleared. Everything an alert
does happens in one transaction.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import services as incident_services
from incidents.choices import OPEN_STATUSES, Nature, Source, Status
from incidents.exceptions import ActionForbidden, TransitionNotAllowed
from incidents.models import ResolutionCode
from servicedesk import services as desk_services
from servicedesk.models import Alert, AlertOutcome, AlertRule
from servicedesk.selectors import alert_rule_for

FIRING = "firing"
RESOLVED = "resolved"


@dataclass
class AlertInput:
    """One alert, whatever format it came in."""

    status: str
    title: str = ""
    description: str = ""
    fingerprint: str = ""
    service: str = ""
    severity: str = ""
    instance: str = ""
    labels: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)
    starts_at: datetime | None = None
    source: str = "simple"


@dataclass
class AlertResult:
    """What the intake did with one alert."""

    fingerprint: str
    status: str
    action: str  # created, updated, resolved, cleared, ignored
    incident: str | None
    occurrences: int


def fingerprint_for(alert: AlertInput) -> str:
    """The alert's own fingerprint, else a hash of its labels (or service, instance, title)."""
    if alert.fingerprint:
        return alert.fingerprint[:200]
    basis = alert.labels or {
        "service": alert.service,
        "instance": alert.instance,
        "title": alert.title,
    }
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:32]


def levels_for(rule: AlertRule | None, severity: str) -> tuple[int, int]:
    """Impact and urgency: the rule's, else the severity's (ALERT_SEVERITY_LEVELS)."""
    default = settings.ALERT_SEVERITY_LEVELS.get(
        (severity or "").lower(), settings.ALERT_DEFAULT_LEVELS
    )
    impact = rule.impact if rule and rule.impact else default[0]
    urgency = rule.urgency if rule and rule.urgency else default[1]
    return impact, urgency


def _description(alert: AlertInput) -> str:
    lines = [alert.description.strip()] if alert.description.strip() else []
    labels = {"service": alert.service, "severity": alert.severity, "instance": alert.instance}
    labels.update({k: v for k, v in alert.labels.items() if isinstance(v, str)})
    shown = [f"{k}={v}" for k, v in sorted(labels.items()) if v]
    if shown:
        lines.append(_("Alert labels: %(labels)s") % {"labels": ", ".join(shown)})
    return "\n\n".join(lines)


def _open_incident(*, by, alert: AlertInput, record: Alert, at: datetime) -> None:
    rule = alert_rule_for(service=alert.service, severity=alert.severity, instance=alert.instance)
    impact, urgency = levels_for(rule, alert.severity)
    incident = incident_services.incident_create(
        by=by,
        title=alert.title or alert.labels.get("alertname", "") or record.fingerprint,
        description=_description(alert),
        nature=Nature.FAULT,
        source=Source.MONITORING,
        category=rule.category if rule and rule.category and rule.category.active else None,
        impact=impact,
        urgency=urgency,
        requester=by,
        contact=desk_services.contact_for(requester=by),
        configuration_item=(rule.configuration_item if rule else "") or alert.instance[:200],
        at=at,
    )
    record.incident = incident
    record.rule = rule
    record.save(update_fields=["incident", "rule"])


def _firing(*, by, alert: AlertInput, fingerprint: str, at: datetime) -> AlertResult:
    for _attempt in range(2):
        record = (
            Alert.objects.select_for_update(of=("self",))
            .select_related("incident")
            .filter(reported_by=by, fingerprint=fingerprint, resolved_at__isnull=True)
            .first()
        )
        if record is not None and record.incident and record.incident.status in OPEN_STATUSES:
            record.occurrences += 1
            record.last_seen_at = at
            record.labels = alert.labels or record.labels
            record.annotations = alert.annotations or record.annotations
            record.save(update_fields=["occurrences", "last_seen_at", "labels", "annotations"])
            return AlertResult(
                fingerprint, FIRING, "updated", record.incident.number, record.occurrences
            )
        if record is not None:
            # Its incident ended while the alert kept firing: the problem is back.
            record.resolved_at = at
            record.outcome = AlertOutcome.INCIDENT_ENDED
            record.save(update_fields=["resolved_at", "outcome"])
        try:
            with transaction.atomic():
                # The partial unique constraint makes a concurrent twin wait here, then fail
                # and count itself as a repeat of this one.
                record = Alert.objects.create(
                    reported_by=by,
                    fingerprint=fingerprint,
                    source=alert.source,
                    title=(alert.title or fingerprint)[:200],
                    labels=alert.labels,
                    annotations=alert.annotations,
                    first_seen_at=at,
                    last_seen_at=at,
                    starts_at=alert.starts_at,
                )
                _open_incident(by=by, alert=alert, record=record, at=at)
        except IntegrityError:
            continue
        return AlertResult(fingerprint, FIRING, "created", record.incident.number, 1)
    raise ValidationError({"fingerprint": [_("The alert could not be recorded; send it again.")]})


def _resolved(*, by, fingerprint: str, at: datetime) -> AlertResult:
    record = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("incident")
        .filter(reported_by=by, fingerprint=fingerprint, resolved_at__isnull=True)
        .first()
    )
    if record is None:
        return AlertResult(fingerprint, RESOLVED, "ignored", None, 0)
    incident = record.incident
    action, outcome = "cleared", AlertOutcome.INCIDENT_ENDED
    when = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    if incident is not None and incident.status in OPEN_STATUSES:
        taken_over = incident.status != Status.NEW or incident.assignee_id is not None
        if not taken_over:
            try:
                incident_services.incident_resolve(
                    incident=incident,
                    by=by,
                    code=_auto_recovered_code(),
                    resolution=_("The monitoring alert cleared at %(at)s: recovered by itself.")
                    % {"at": when},
                )
                action, outcome = "resolved", AlertOutcome.AUTO_RESOLVED
            except (ActionForbidden, TransitionNotAllowed, ValidationError):
                taken_over = True
        if taken_over:
            incident_services.comment_add(
                incident=incident,
                by=by,
                body=_(
                    "The monitoring alert cleared at %(at)s. The incident stays open: "
                    "someone has taken it over."
                )
                % {"at": when},
                is_public=True,
            )
            outcome = AlertOutcome.TAKEN_OVER
    record.resolved_at = at
    record.last_seen_at = at
    record.outcome = outcome
    record.save(update_fields=["resolved_at", "last_seen_at", "outcome"])
    return AlertResult(
        fingerprint, RESOLVED, action, incident.number if incident else None, record.occurrences
    )


def _auto_recovered_code() -> ResolutionCode:
    """The resolution code of automatic recovery, created on first use (and editable in the
    admin; an inactive code stops automatic resolution)."""
    return incident_services.resolution_code_ensure(
        code=settings.ALERT_RESOLUTION_CODE, name_zh="自动恢复", name_en="Recovered automatically"
    )


def alert_receive(*, by, alert: AlertInput, at: datetime | None = None) -> AlertResult:
    """Record one alert from the system ``by`` and open, update or resolve its incident."""
    at = at or timezone.now()
    if alert.status not in (FIRING, RESOLVED):
        raise ValidationError({"status": [_("The status is “firing” or “resolved”.")]})
    fingerprint = fingerprint_for(alert)
    with transaction.atomic():
        if alert.status == FIRING:
            return _firing(by=by, alert=alert, fingerprint=fingerprint, at=at)
        return _resolved(by=by, fingerprint=fingerprint, at=at)


def alerts_receive(*, by, alerts: list[AlertInput]) -> list[AlertResult]:
    """Several alerts (an Alertmanager group) in one transaction: all are recorded or none."""
    with transaction.atomic():
        return [alert_receive(by=by, alert=alert) for alert in alerts]
