"""Reads that decide where an incident goes and what it weighs: the routing rules, the priority
matrix and the service-desk section (all from the per-process configuration cache)."""

import copy

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from incidents.models import Category, PriorityMatrixEntry, RoutingRule
from incidents.priority import priority_for
from incidents.selectors import category_linked
from itsm import configcache
from itsm.models import Department, DepartmentKind


def desk_department(by=None) -> Department:
    """The service-desk section: the acting agent's own, else the first active one."""
    user_id = by.pk if by is not None and getattr(by, "is_authenticated", False) else None
    desk = configcache.cached(("desk-department", user_id), lambda: _load_desk(user_id))
    if desk is None:
        raise ValidationError(
            {
                "department": _(
                    "No service-desk section is configured; an administrator must add one."
                )
            }
        )
    return copy.copy(desk)


def _load_desk(user_id) -> Department | None:
    if user_id is not None:
        own = (
            Department.objects.filter(
                memberships__user_id=user_id, kind=DepartmentKind.SERVICE_DESK, active=True
            )
            .order_by("-memberships__is_primary", "code")
            .first()
        )
        if own is not None:
            return own
    return (
        Department.objects.filter(kind=DepartmentKind.SERVICE_DESK, active=True)
        .order_by("code")
        .first()
    )


def route(*, category: Category | None, location: str = "", configuration_item: str = ""):
    """The section the routing rules give: the most specific active rule wins, searching the
    category and then its parents; else the nearest category's default section."""
    if category is None:
        return None
    chain = category_linked(category).ancestors()
    rules_by_category = configcache.cached("routing-rules", _load_routing_rules)
    for node in chain:
        best, best_score = None, -1
        for rule in rules_by_category.get(node.pk, []):
            if rule.location and rule.location != location:
                continue
            if rule.configuration_item and rule.configuration_item != configuration_item:
                continue
            score = (2 if rule.configuration_item else 0) + (1 if rule.location else 0)
            if score > best_score:
                best, best_score = rule, score
        if best is not None:
            return copy.copy(best.department)
    for node in chain:
        if node.default_department_id and node.default_department.active:
            return copy.copy(node.default_department)
    return None


def _load_routing_rules() -> dict[int, list[RoutingRule]]:
    """The active rules to active sections, by category (cached: itsm.configcache)."""
    rules_by_category: dict[int, list[RoutingRule]] = {}
    for rule in RoutingRule.objects.filter(active=True, department__active=True).select_related(
        "department"
    ):
        rules_by_category.setdefault(rule.category_id, []).append(rule)
    return rules_by_category


def _priority_matrix() -> dict[tuple[int, int], str]:
    return configcache.cached(
        "priority-matrix",
        lambda: {(e.impact, e.urgency): e.priority for e in PriorityMatrixEntry.objects.all()},
    )


def compute_priority(impact: int, urgency: int) -> str:
    return priority_for(impact, urgency, _priority_matrix())
