"""Reads of the service desk: the alert rules, the rows of the desk console."""

from incidents import rules
from incidents import selectors as incident_selectors
from servicedesk.models import AlertRule


def alert_rule_for(*, service: str, severity: str, instance: str) -> AlertRule | None:
    """The active rule that matches the labels: the most specific, then the lowest rank."""
    best, best_key = None, None
    for rule in AlertRule.objects.filter(active=True).select_related("category"):
        if not rule.matches(service=service, severity=severity, instance=instance):
            continue
        key = (rule.specificity, -rule.rank, -rule.pk)
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best


def desk_rows(incidents, user) -> list[dict]:
    """The console rows of a page of the desk's queue: each incident with its relations and
    SLA countdown, and whether the user may dispatch it."""
    incident_selectors.with_relations(incidents)
    incident_selectors.with_countdowns(incidents)
    return [
        {"incident": incident, "dispatch": rules.can_assign(incident, user)}
        for incident in incidents
    ]
