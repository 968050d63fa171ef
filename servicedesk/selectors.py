"""Reads of the service desk: the alert rules, the rows of the desk console, the desk's team."""

from django.db.models import Count, Min, Q

from incidents import rules
from incidents import selectors as incident_selectors
from incidents.choices import OPEN_STATUSES, Status
from incidents.models import Incident
from itsm.models import DepartmentKind, Membership
from itsm.roles import DESK_ROLES
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
    """The console rows of a page of the desk's queue: each incident with its relations, and
    whether the user may dispatch it."""
    incident_selectors.with_relations(incidents)
    return [
        {"incident": incident, "dispatch": rules.can_assign(incident, user)}
        for incident in incidents
    ]


def desk_team() -> list[dict]:
    """The desk's people (agents and managers of the service-desk sections) with what they
    own: open incidents, of which still at the desk, and resolutions waiting for the
    requester's confirmation with the oldest one's time. Two queries."""
    memberships = list(
        Membership.objects.filter(
            department__kind=DepartmentKind.SERVICE_DESK,
            department__active=True,
            role__in=DESK_ROLES,
            user__is_active=True,
        )
        .select_related("user", "department")
        .order_by("department__code", "role", "user__username")
    )
    user_ids = {m.user_id for m in memberships}
    desk_ids = [m.department_id for m in memberships]
    counts = (
        {
            row["owner_id"]: row
            for row in Incident.objects.filter(
                owner_id__in=user_ids, status__in=(*OPEN_STATUSES, Status.RESOLVED)
            )
            .values("owner_id")
            .annotate(
                open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
                at_desk=Count("id", filter=Q(status__in=OPEN_STATUSES, department_id__in=desk_ids)),
                unconfirmed=Count("id", filter=Q(status=Status.RESOLVED)),
                oldest_unconfirmed=Min("resolved_at", filter=Q(status=Status.RESOLVED)),
            )
        }
        if user_ids
        else {}
    )
    empty = {"open": 0, "at_desk": 0, "unconfirmed": 0, "oldest_unconfirmed": None}
    seen, team = set(), []
    for m in memberships:
        if m.user_id in seen:
            continue  # a person in two desk sections is listed once
        seen.add(m.user_id)
        team.append({"membership": m, "user": m.user, **counts.get(m.user_id, empty)})
    return team
