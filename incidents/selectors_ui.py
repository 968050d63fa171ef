"""Reads the browser pages need beyond incidents/selectors.py: the category tree, the choices
of the action forms, an incident's work logs and links, and the disputes' bounce history."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet

from incidents.choices import EventKind
from incidents.models import (
    AssignmentSegment,
    Category,
    Incident,
    IncidentEvent,
    IncidentLink,
    WorkLog,
)
from incidents.selectors import categories_by_id
from itsm.models import Department, DepartmentKind
from itsm.roles import WORKING_ROLES
from itsm.selectors import departments_by_id


def category_tree(qs: QuerySet[Category] | None = None) -> list[tuple[Category, int]]:
    """Categories in tree order (parents before their children, by sort order) with their
    depth: the active ones from the per-process cache, or those of ``qs`` in one query. A
    category whose parent is not in the set is shown at the top level."""
    if qs is None:
        rows = sorted(
            (c for c in categories_by_id().values() if c.active),
            key=lambda c: (c.sort_order, c.code),
        )
    else:
        rows = list(qs.order_by("sort_order", "code"))
    ids = {c.pk for c in rows}
    children: dict[int | None, list[Category]] = {}
    for c in rows:
        parent = c.parent_id if c.parent_id in ids else None
        children.setdefault(parent, []).append(c)
    out: list[tuple[Category, int]] = []
    seen: set[int] = set()

    def walk(parent_id, depth):
        for c in children.get(parent_id, []):
            if c.pk in seen:  # a cycle in bad data: show each node once
                continue
            seen.add(c.pk)
            out.append((c, depth))
            walk(c.pk, depth + 1)

    walk(None, 0)
    # Nodes only reachable through a cycle.
    out.extend((c, 0) for c in rows if c.pk not in seen)
    return out


def category_subtree_ids(category: Category) -> list[int]:
    """The category and all its descendants (active or not); one query."""
    pairs = list(Category.objects.values_list("pk", "parent_id"))
    children: dict[int | None, list[int]] = {}
    for pk, parent in pairs:
        children.setdefault(parent, []).append(pk)
    result, stack = [], [category.pk]
    while stack:
        pk = stack.pop()
        if pk in result:
            continue
        result.append(pk)
        stack.extend(children.get(pk, []))
    return result


def assignable_sections() -> QuerySet[Department]:
    """Active sections an incident can be assigned to, desk first."""
    return Department.objects.active().order_by("kind", "code")


def dispatch_sections() -> QuerySet[Department]:
    """Active sections the desk dispatches to (every section but the desk itself)."""
    return Department.objects.active().exclude(kind=DepartmentKind.SERVICE_DESK).order_by("code")


def dispatch_section_choices() -> list[tuple[int, str]]:
    """``(id, name)`` of ``dispatch_sections()``, from the per-process section cache: the
    console offers them on every row."""
    sections = sorted(
        (
            d
            for d in departments_by_id().values()
            if d.active and d.kind != DepartmentKind.SERVICE_DESK
        ),
        key=lambda d: d.code,
    )
    return [(d.pk, str(d)) for d in sections]


def assignable_people() -> QuerySet:
    """Active people holding a working role in some active section."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role__in=WORKING_ROLES,
            memberships__department__active=True,
        )
        .distinct()
        .order_by("username")
    )


def worklogs_for(incident: Incident) -> QuerySet[WorkLog]:
    return incident.worklogs.select_related("author")


def links_for(incident: Incident) -> QuerySet[IncidentLink]:
    """Links from and to the incident, with both ends loaded."""
    return (
        IncidentLink.objects.filter(Q(from_incident=incident) | Q(to_incident=incident))
        .select_related("from_incident", "to_incident", "created_by")
        .order_by("created_at", "id")
    )


BOUNCE_EVENT_KINDS = (EventKind.HANDED_OVER, EventKind.RETURNED, EventKind.DISPUTE)


def with_bounce_history(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    """The incidents with their segments and hand-over/return events prefetched (two queries
    whatever the number of incidents), as ``bounce_segments`` and ``bounce_events``."""
    return qs.prefetch_related(
        Prefetch(
            "segments",
            queryset=AssignmentSegment.objects.select_related("department", "assignee").order_by(
                "started_at", "id"
            ),
            to_attr="bounce_segments",
        ),
        Prefetch(
            "events",
            queryset=IncidentEvent.objects.filter(kind__in=BOUNCE_EVENT_KINDS)
            .select_related("actor")
            .order_by("at", "id"),
            to_attr="bounce_events",
        ),
    )
