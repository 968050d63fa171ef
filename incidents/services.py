"""Every write on incidents. Each entry point runs in one transaction with the row locked:
check, transition, save, history event, segments, SLA clocks and notifications together.
"""

import copy
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from incidents import events, notify, rules
from incidents.choices import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    AssignMode,
    CloseMethod,
    EventKind,
    LinkKind,
    Nature,
    Priority,
    SegmentEnd,
    Source,
    Status,
    SupportLevel,
)
from incidents.exceptions import ActionForbidden, StaleIncident, TransitionNotAllowed
from incidents.models import (
    AssignmentSegment,
    Attachment,
    Category,
    Comment,
    Incident,
    IncidentEvent,
    IncidentLink,
    PriorityMatrixEntry,
    ResolutionCode,
    RoutingRule,
    SectionPolicy,
    SuspendReason,
    WorkLog,
)
from incidents.numbering import format_number, next_number_value
from incidents.priority import priority_for
from incidents.selectors import category_linked
from itsm import configcache
from itsm.db import NewRows, insert_linked
from itsm.models import Department, DepartmentKind, Membership
from itsm.roles import Role
from itsm.services import notification_queue_many
from sla import services as sla
from sla.choices import OLA_TARGETS

logger = logging.getLogger(__name__)

# Action name (API and UI) → transition method name on the model.
ACTIONS = {
    "assign": "assign",
    "accept": "accept",
    "return": "return_",
    "suspend": "suspend",
    "resume": "resume",
    "escalate": "escalate",
    "resolve": "resolve",
    "reopen": "reopen",
    "close": "close",
    "cancel": "cancel",
}
METHOD_TO_ACTION = {v: k for k, v in ACTIONS.items()}

EDITABLE_FIELDS = (
    "title",
    "description",
    "nature",
    "category",
    "configuration_item",
    "location",
    "impact",
    "urgency",
    "contact_name",
    "contact_phone",
    "contact_email",
    "contact_organisation",
)

# Field validation skips the status (protected), the number (generated) and relations,
# which the services check themselves: Django would re-read each related row.
CLEAN_EXCLUDE = [
    "status",
    "number",
    "owner",
    "created_by",
    "requester",
    "category",
    "closing_category",
    "department",
    "routed_department",
    "assignee",
    "suspend_reason",
    "resolution_code",
    "resolved_by",
]

# Plain text with a few harmless tags; everything else (scripts, handlers, styles) goes.
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "p", "br", "ul", "ol", "li", "code", "pre"}


def sanitize(text: str) -> str:
    """User text made safe to render: no scripts, no event handlers, no links."""
    return nh3.clean(text or "", tags=ALLOWED_TAGS, attributes={}).strip()


# --- shared steps ---------------------------------------------------------------------------


def available_actions(incident: Incident, user) -> list[str]:
    """The actions the user may take now on the incident (state, conditions and rights)."""
    if user is None or not user.is_authenticated:
        return []
    return sorted(
        METHOD_TO_ACTION[t.name]
        for t in incident.get_available_user_status_transitions(user)
        if t.name in METHOD_TO_ACTION
    )


def _lock(incident: Incident | int | str, *, expected_version: int | None = None) -> Incident:
    """The incident, re-read and locked for the rest of the transaction."""
    # No select_related here: a row re-read after waiting for the lock must not come with a
    # joined department row from before the wait.
    qs = Incident.objects.select_for_update()
    if isinstance(incident, Incident):
        locked = qs.get(pk=incident.pk)
    elif isinstance(incident, int):
        locked = qs.get(pk=incident)
    else:
        locked = qs.get(number=incident)
    if expected_version is not None and locked.version != expected_version:
        raise StaleIncident(locked.version)
    return locked


def _ensure(incident: Incident, action: str, by) -> None:
    """Raise 409-style if the state does not allow the action, 403-style if the user may not."""
    method = getattr(incident, ACTIONS[action])
    if not can_proceed(method):
        raise TransitionNotAllowed(action, incident.status, available_actions(incident, by))
    if by is not None and not has_transition_perm(method, by):
        raise ActionForbidden(_("You may not %(action)s this incident.") % {"action": action})


def _save(incident: Incident, at: datetime, fields: set[str]) -> None:
    incident.version += 1
    incident.updated_at = at
    incident.save(update_fields=sorted(fields | {"version", "updated_at"}))


def _require(errors: dict) -> None:
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise ValidationError(errors)


def _desk_department(by=None) -> Department:
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


def _support_level_for(department: Department) -> str:
    if department.kind == DepartmentKind.SERVICE_DESK:
        return SupportLevel.L1
    if department.kind == DepartmentKind.VENDOR:
        return SupportLevel.L3
    return SupportLevel.L2


def _set_deadline(incident: Incident, deadline, fields: set[str]) -> None:
    if incident.next_deadline_at != deadline:
        incident.next_deadline_at = deadline
        fields.add("next_deadline_at")


def _open_segment(incident: Incident) -> AssignmentSegment | None:
    return (
        AssignmentSegment.objects.select_for_update()
        .filter(incident=incident, ended_at__isnull=True)
        .first()
    )


def _end_segment(incident: Incident, at: datetime, reason: str) -> AssignmentSegment | None:
    segment = _open_segment(incident)
    if segment is not None:
        segment.ended_at = at
        segment.end_reason = reason
        segment.save(update_fields=["ended_at", "end_reason"])
        sla.ola_segment_ended(segment=segment, at=at)
    return segment


def _start_segment(incident: Incident, at: datetime, reason: str = "") -> AssignmentSegment:
    """Open a segment at the incident's section and start its OLA clocks."""
    segment = AssignmentSegment.objects.create(
        incident=incident,
        department=incident.department,
        assignee=incident.assignee,
        started_at=at,
        handover_reason=reason,
    )
    sla.ola_segment_started(segment=segment, at=at)
    return segment


def _pick_assignee(department: Department):
    """An on-duty member by the section's automatic mode, or None for manual sections."""
    policy = SectionPolicy.objects.select_for_update().filter(department=department).first()
    if policy is None or policy.assign_mode == AssignMode.MANUAL:
        return None
    member_ids = notify.on_duty_member_ids(department)
    if not member_ids:
        return None
    if policy.assign_mode == AssignMode.ROUND_ROBIN:
        later = [
            pk for pk in member_ids if policy.last_assigned_id and pk > policy.last_assigned_id
        ]
        chosen = later[0] if later else member_ids[0]
    else:
        loads = dict(
            Incident.objects.filter(assignee_id__in=member_ids, status__in=OPEN_STATUSES)
            .values("assignee_id")
            .annotate(n=Count("id"))
            .values_list("assignee_id", "n")
        )
        chosen = min(member_ids, key=lambda pk: (loads.get(pk, 0), pk))
    policy.last_assigned_id = chosen
    policy.save(update_fields=["last_assigned"])
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=chosen)


# --- creation and edits -------------------------------------------------------------------------


@dataclass
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""
    organisation: str = ""


def incident_create(
    *,
    by,
    title: str,
    description: str = "",
    nature: str = Nature.FAULT,
    source: str = Source.PHONE,
    category: Category | None = None,
    impact: int = 3,
    urgency: int = 3,
    requester=None,
    contact: Contact | None = None,
    configuration_item: str = "",
    location: str = "",
    owner=None,
    at: datetime | None = None,
) -> Incident:
    """Log an incident (IM1): route it, compute its priority, set its owner, start its clocks.

    The desk holds a new incident (L1) until it is resolved at first contact or dispatched;
    ``routed_department`` records the section the routing rules suggest for the dispatch.
    """
    at = at or timezone.now()
    contact = contact or Contact()
    title = (title or "").strip()
    # The cached instance: its parents are in memory for routing and the SLA policy.
    category = category_linked(category)
    _require(
        {
            "title": [_("A title is required.")] if not title else None,
            "nature": [_("Unknown nature.")] if nature not in Nature.values else None,
            "source": [_("Unknown source.")] if source not in Source.values else None,
            "impact": [_("Impact is 1, 2 or 3.")] if impact not in (1, 2, 3) else None,
            "urgency": [_("Urgency is 1, 2 or 3.")] if urgency not in (1, 2, 3) else None,
            "category": (
                [_("This category is not active.")]
                if category is not None and not category.active
                else None
            ),
        }
    )
    if requester is not None and not contact.name:
        # Chinese order: surname first, no space.
        contact.name = f"{requester.last_name}{requester.first_name}".strip() or requester.username
        contact.email = contact.email or requester.email
    # Everything that may refuse the input is decided before the first write, so the writes
    # below run without a savepoint of their own: on any error there the caller's
    # transaction rolls back whole (every caller lets the error through).
    desk = _desk_department(by)
    routed = route(category=category, location=location, configuration_item=configuration_item)
    priority = compute_priority(impact, urgency)
    if owner is None:
        owner = by if rules.is_desk(by) or rules.is_incident_manager(by) else None
    if owner is None:
        owner = desk.lead or _first_agent(desk)
    if owner is None:
        raise ValidationError({"owner": _("The service desk has no agent to own this incident.")})
    incident = Incident(
        title=title[:200],
        description=sanitize(description),
        nature=nature,
        source=source,
        category=category,
        impact=impact,
        urgency=urgency,
        priority=priority,
        requester=requester,
        contact_name=contact.name,
        contact_phone=contact.phone,
        contact_email=contact.email,
        contact_organisation=contact.organisation,
        configuration_item=configuration_item,
        location=location,
        owner=owner,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        department=desk,
        routed_department=routed,
        support_level=SupportLevel.L1,
        created_at=at,
        updated_at=at,
        assigned_at=at,
    )
    incident.full_clean(
        exclude=CLEAN_EXCLUDE,
        validate_unique=False,
        validate_constraints=False,
    )
    # The clocks are planned first, so the incident and its segment are written once, with
    # their deadlines, and the clocks in one statement.
    opening = sla.clocks_planned(incident=incident, at=at)
    incident.next_deadline_at = opening.deadline
    segment = AssignmentSegment(
        incident=incident,
        department=incident.department,
        assignee=incident.assignee,
        started_at=at,
        ola_accept_due_at=opening.ola_accept_due_at,
        ola_resolve_due_at=opening.ola_resolve_due_at,
    )
    event = events.created(incident=incident, actor=by, at=at)
    with transaction.atomic(savepoint=False):
        incident.number = format_number(timezone.localtime(at).year, next_number_value())
        # The incident and its first rows in one statement (itsm.db.insert_linked).
        new_incident = NewRows([incident])
        new_segment = NewRows([segment], {"incident_id": new_incident})
        insert_linked(
            new_incident,
            new_segment,
            NewRows(opening.sla, {"incident_id": new_incident}),
            NewRows(opening.ola, {"incident_id": new_incident, "segment_id": new_segment}),
            NewRows([event], {"incident_id": new_incident}),
        )
        # The SLA clocks as inserted, for the caller's answer (no read back).
        incident.loaded_sla_clocks = sla.clocks_opened(opening, at=at)
        events.recorded(event)
        if priority == Priority.P1:
            _declare_major(incident, by=by, at=at)
    return incident


def _first_agent(desk: Department):
    membership = (
        Membership.objects.filter(department=desk, role__in=(Role.AGENT, Role.DESK_MANAGER))
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    return membership.user if membership else None


def _declare_major(incident: Incident, *, by, at) -> list:
    incident.is_major = True
    incident.save(update_fields=["is_major"])
    told = notify.major(incident)
    events.record(
        incident=incident,
        kind=EventKind.MAJOR_DECLARED,
        actor=by,
        at=at,
        from_status=incident.status,
        notified=told,
    )
    return told


def incident_update(
    *, incident, by, changes: dict, expected_version: int | None = None
) -> Incident:
    """Edit the editable fields; impact/urgency re-compute the priority unless overridden."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    _require({name: [_("This field cannot be changed.")] for name in unknown})
    at = timezone.now()
    with transaction.atomic():
        incident = _lock(incident, expected_version=expected_version)
        if incident.is_final:
            raise TransitionNotAllowed(
                "update", incident.status, [], _("Closed and cancelled incidents are read-only.")
            )
        if not _may_edit(incident, by):
            raise ActionForbidden(_("You may not edit this incident."))
        diff = {}
        for name, value in changes.items():
            if name == "description":
                value = sanitize(value)
            if name == "title":
                value = (value or "").strip()
            old = getattr(incident, name)
            if old != value:
                setattr(incident, name, value)
                diff[name] = [_jsonable(old), _jsonable(value)]
        if not diff:
            return incident
        category = changes.get("category")
        if "category" in diff and category is not None and not category.active:
            raise ValidationError({"category": [_("This category is not active.")]})
        try:
            incident.full_clean(
                exclude=CLEAN_EXCLUDE,
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        fields = set(diff)
        if {"impact", "urgency"} & fields and not incident.priority_overridden:
            new_priority = compute_priority(incident.impact, incident.urgency)
            if new_priority != incident.priority:
                diff["priority"] = [incident.priority, new_priority]
                incident.priority = new_priority
                fields.add("priority")
        # The SLA policy is chosen by priority, nature, category and organisation.
        if {"priority", "nature", "category", "contact_organisation"} & fields:
            _set_deadline(incident, sla.clocks_replanned(incident=incident, at=at), fields)
        _save(incident, at, fields)
        events.changed(incident=incident, actor=by, at=at, changes=diff)
        if incident.priority == Priority.P1 and not incident.is_major:
            _declare_major(incident, by=by, at=at)
    return incident


def _jsonable(value):
    if hasattr(value, "code"):
        return value.code
    if hasattr(value, "pk"):
        return value.pk
    return value


def _may_edit(incident: Incident, user) -> bool:
    return (
        rules.is_desk(user)
        or rules.is_incident_manager(user)
        or rules.is_owner(incident, user)
        or rules.works_in(user, incident.department_id)
    )


def incident_override_priority(
    *, incident, by, priority: str, reason: str, expected_version: int | None = None
) -> Incident:
    """Only the incident manager may override the computed priority, with a reason."""
    _require(
        {
            "priority": [_("Unknown priority.")] if priority not in Priority.values else None,
            "reason": [_("A reason is required to override the priority.")]
            if not (reason or "").strip()
            else None,
        }
    )
    at = timezone.now()
    with transaction.atomic():
        incident = _lock(incident, expected_version=expected_version)
        if incident.is_final:
            raise TransitionNotAllowed(
                "override_priority", incident.status, [], _("The incident is closed.")
            )
        if not rules.is_incident_manager(by):
            raise ActionForbidden(_("Only the incident manager may override the priority."))
        old = incident.priority
        incident.priority = priority
        incident.priority_overridden = True
        fields = {"priority", "priority_overridden"}
        _set_deadline(incident, sla.clocks_replanned(incident=incident, at=at), fields)
        _save(incident, at, fields)
        events.changed(
            incident=incident,
            actor=by,
            at=at,
            changes={"priority": [old, priority]},
            kind=EventKind.PRIORITY_CHANGED,
            reason=reason.strip(),
        )
        if priority == Priority.P1 and not incident.is_major:
            _declare_major(incident, by=by, at=at)
    return incident


# --- transitions -----------------------------------------------------------------------------


def incident_assign(
    *,
    incident,
    by,
    department: Department,
    assignee=None,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Dispatch (desk → section), hand over (section → section, with a reason), or assign
    inside the section. Automatic sections pick an on-duty member when none is named."""
    at = timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = _lock(incident, expected_version=expected_version)
        _ensure(incident, "assign", by)
        if department is None or not department.active:
            raise ValidationError({"department": [_("Choose an active section.")]})
        if assignee is not None and not rules.works_in(assignee, department.pk):
            raise ValidationError(
                {"assignee": [_("The assignee must be a working member of that section.")]}
            )
        previous = incident.department
        changes_section = previous is None or previous.pk != department.pk
        from_desk = previous is not None and previous.kind == DepartmentKind.SERVICE_DESK
        is_handover = changes_section and not from_desk
        if is_handover and not reason:
            raise ValidationError({"reason": [_("A hand-over to another section needs a reason.")]})
        if incident.in_dispute and not reason:
            raise ValidationError({"reason": [_("Settling a dispute needs a reason.")]})
        if assignee is None and changes_section:
            assignee = _pick_assignee(department)
        from_status = incident.status
        incident.assign(
            department=department,
            assignee=assignee,
            support_level=_support_level_for(department),
            at=at,
        )
        fields = {
            "status",
            "department",
            "assignee",
            "support_level",
            "assigned_at",
            "in_dispute",
            "accept_overdue_notified",
        }
        if is_handover:
            incident.handover_count += 1
            fields.add("handover_count")
        if changes_section:
            _end_segment(incident, at, SegmentEnd.HANDED_OVER)
            _start_segment(incident, at, reason)
        else:
            segment = _open_segment(incident)
            if segment is not None and segment.assignee_id != incident.assignee_id:
                segment.assignee = incident.assignee
                segment.save(update_fields=["assignee"])
        _save(incident, at, fields)
        told = notify.assigned(incident, reason=reason)
        events.transition(
            incident=incident,
            kind=EventKind.HANDED_OVER if is_handover else EventKind.ASSIGNED,
            actor=by,
            at=at,
            from_status=from_status,
            reason=reason,
            data={
                "from_department": previous.code if previous else None,
                "department": department.code,
                "assignee": assignee.username if assignee else None,
            },
            notified=told,
        )
    return incident


def incident_accept(*, incident, by, expected_version: int | None = None) -> Incident:
    """The assignee (or a member claiming it from the queue) takes the incident (IM3)."""
    at = timezone.now()
    with transaction.atomic():
        incident = _lock(incident, expected_version=expected_version)
        _ensure(incident, "accept", by)
        from_status = incident.status
        first_response = incident.accepted_at is None
        incident.accept(by=by, at=at)
        fields = {"status", "assignee", "accepted_at"}
        segment = _open_segment(incident)
        if segment is not None:
            segment.assignee = by
            update = ["assignee"]
            if segment.accepted_at is None:
                segment.accepted_at = at
                update.append("accepted_at")
            segment.save(update_fields=update)
            sla.ola_segment_accepted(segment=segment, at=at)
        if first_response:
            _set_deadline(incident, sla.clocks_response_met(incident=incident, at=at), fields)
        _save(incident, at, fields)
        told = notify.accepted(incident)
        events.transition(
            incident=incident,
            kind=EventKind.ACCEPTED,
            actor=by,
            at=at,
            from_status=from_status,
            data={"assignee": by.username, "department": incident.department.code},
            notified=told,
        )
    return incident


def incident_return(*, incident, by, reason: str, expected_version: int | None = None) -> Incident:
    """退回: the section gives the incident back to the section it came from, with a reason.
    After the bounce limit the incident goes to the incident manager, who decides."""
    at = timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = _lock(incident, expected_version=expected_version)
        _ensure(incident, "return", by)
        _require({"reason": [_("Returning an incident needs a reason.")] if not reason else None})
        current = incident.department
        previous_segment = (
            AssignmentSegment.objects.filter(incident=incident, ended_at__isnull=False)
            .exclude(department=current)
            .order_by("-started_at", "-id")
            .select_related("department")
            .first()
        )
        target = previous_segment.department if previous_segment else _desk_department()
        dispute = incident.bounce_count + 1 >= settings.INCIDENT_BOUNCE_LIMIT
        from_status = incident.status
        incident.return_(department=target, at=at, dispute=dispute)
        _end_segment(incident, at, SegmentEnd.RETURNED)
        _start_segment(incident, at, reason)
        fields = {
            "status",
            "department",
            "assignee",
            "assigned_at",
            "bounce_count",
            "in_dispute",
            "accept_overdue_notified",
        }
        incident.support_level = _support_level_for(target)
        fields.add("support_level")
        _save(incident, at, fields)
        told = notify.returned(incident, reason=reason)
        events.transition(
            incident=incident,
            kind=EventKind.RETURNED,
            actor=by,
            at=at,
            from_status=from_status,
            reason=reason,
            data={"from_department": current.code, "department": target.code},
            notified=told,
        )
        if dispute:
            told = notify.dispute(incident, reason=reason)
            events.record(
                incident=incident,
                kind=EventKind.DISPUTE,
                actor=by,
                at=at,
                from_status=incident.status,
                reason=reason,
                data={
                    "bounce_count": incident.bounce_count,
                    "sections": _bounced_sections(incident),
                },
                notified=told,
            )
    return incident


def _bounced_sections(incident: Incident) -> list[str]:
    return list(
        incident.segments.filter(end_reason=SegmentEnd.RETURNED)
        .values_list("department__code", flat=True)
        .order_by("started_at")
    )


def incident_suspend(
    *,
    incident,
    by,
    reason: SuspendReason | None,
    resume_at: datetime | None,
    note: str = "",
    expected_version: int | None = None,
) -> Incident:
    """挂起: only in progress, with a configured reason and an expected resume time within the
    reason's maximum — longer suspensions need the incident manager."""
    at = timezone.now()
    with transaction.atomic():
        incident = _lock(incident, expected_version=expected_version)
        _ensure(incident, "suspend", by)
        errors = {}
        if reason is None or not reason.active:
            errors["reason"] = [_("Choose a suspend reason.")]
        if resume_at is None:
            errors["resume_at"] = [_("Give the expected resume time.")]
        elif timezone.is_naive(resume_at):
            errors["resume_at"] = [_("The resume time needs a time zone.")]
        elif resume_at <= at:
            errors["resume_at"] = [_("The resume time must be in the future.")]
        elif (
            reason is not None
            and sla.business_limit_exceeded(start=at, end=resume_at, limit=reason.max_duration)
            and not rules.is_incident_manager(by)
        ):
            errors["resume_at"] = [
                _("Suspensions longer than %(max)s for this reason need the incident manager.")
                % {"max": reason.max_duration}
            ]
        _require(errors)
        from_status = incident.status
        incident.suspend(reason=reason, resume_at=resume_at, at=at)
        fields = {"status", "suspend_reason", "resume_at", "suspended_at", "resume_reminded"}
        if reason.stops_clock:
            _set_deadline(incident, sla.clocks_paused(incident=incident, at=at), fields)
        _save(incident, at, fields)
        told = notify.suspended(incident, reason_text=f"{reason.name} {note}".strip())
        events.transition(
            incident=incident,
            kind=EventKind.SUSPENDED,
            actor=by,
            at=at,
            from_status=from_status,
            reason=note.strip(),
            data={
                "suspend_reason": reason.code,
                "stops_clock": reason.stops_clock,
                "resume_at": resume_at.isoformat(),
                "beyond_maximum": sla.business_limit_exceeded(
                    start=at, end=resume_at, limit=reason.max_duration
                ),
            },
            notified=told,
        )
    return incident


def incident_resume(
    *, incident, by, note: str = "", expected_version: int | None = None
) -> Incident:
    """Resume a suspended incident (``by=None``: automatically at its resume time)."""
    at = timezone.now()
    with transaction.atomic():
        incident = _lock(incident, expected_version=expected_version)
        _ensure(incident, "resume", by)
        from_status = incident.status
        stopped_clock = incident.suspend_reason is not None and incident.suspend_reason.stops_clock
        reason_code = incident.suspend_reason.code if incident.suspend_reason else None
        incident.resume()
        fields = {"status", "suspend_reason", "resume_at", "suspended_at", "resume_reminded"}
        if stopped_clock:
            _set_deadline(incident, sla.clocks_resumed(incident=incident, at=at), fields)
        _save(incident, at, fields)
        told = notify.resumed(incident)
        events.transition(
            incident=incident,
            kind=EventKind.RESUMED,
            actor=by,
            at=at,
            from_status=from_status,
            reason=note.strip(),
            data={"automatic": by is None, "suspend_reason": reason_code},
            notified=told,
        )
    return incident


def _escalation(
    incident: Incident,
    *,
    by,
    level: int | None,
    reason: str,
    at: datetime,
    people: notify.People = notify.PEOPLE,
    outbox=None,
):
    """The escalation of a locked incident, in memory: the checks and the transition, the
    notifications of the level told, and its event (not saved). Returns the event and the
    people told; the caller saves the incident and the event."""
    _ensure(incident, "escalate", by)
    target = incident.escalation_level + 1 if level is None else level
    _require(
        {
            "reason": [_("An escalation needs a reason.")] if not reason else None,
            "level": [_("The level must be above the current one and at most 3.")]
            if not (incident.escalation_level < target <= 3)
            else None,
        }
    )
    from_level = incident.escalation_level
    incident.escalate(level=target)
    told = notify.escalated(incident, level=target, reason=reason, people=people, outbox=outbox)
    event = events.new_event(
        incident=incident,
        kind=EventKind.ESCALATED,
        actor=by,
        at=at,
        from_status=incident.status,
        to_status=incident.status,
        reason=reason,
        data={"from_level": from_level, "level": target, "automatic": by is None},
        notified=told,
    )
    return event, told


def incident_escalate(
    *,
    incident,
    by,
    reason: str,
    level: int | None = None,
    expected_version: int | None = None,
) -> Incident:
    """Hierarchical escalation: raise the level of attention (1 lead, 2 incident manager,
    3 director) and tell that level. ``by=None`` is the SLA clock's automatic escalation."""
    at = timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = _lock(incident, expected_version=expected_version)
        event, _told = _escalation(incident, by=by, level=level, reason=reason, at=at)
        _save(incident, at, {"escalation_level"})
        event.save(force_insert=True)
        events.recorded(event)
    return incident


def incident_thresholds_crossed(*, crossings) -> None:
    """The crossings of one SLA tick batch (``sla_handlers.on_thresholds``), in order: what
    ``incident_escalate`` and the threshold's notice do for each one by one (escalate when the
    threshold's level is above the incident's, then tell whom the threshold names but those
    the escalation told), in a handful of statements for the whole batch. Anything refused
    raises, and the tick then goes through the crossings one by one."""
    if not crossings:
        return
    at = timezone.now()
    with transaction.atomic():
        # Locked already by the tick (FOR UPDATE OF clock, incident): no wait here.
        incidents = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("department", "assignee", "owner")
            .in_bulk({c.incident_id for c in crossings})
        )
        segment_ids = {c.segment_id for c in crossings if c.target in OLA_TARGETS}
        segments = (
            AssignmentSegment.objects.select_related("department").in_bulk(segment_ids)
            if segment_ids
            else {}
        )
        people = notify.CachedPeople()
        outbox, new_events = [], []
        escalations = Counter()  # incident id -> escalations in this batch
        for crossing in crossings:
            incident = incidents[crossing.incident_id]
            if incident.status in FINAL_STATUSES:
                continue
            told: set[str] = set()
            target = crossing.escalation_level
            if target > incident.escalation_level:
                event, people_told = _escalation(
                    incident,
                    by=None,
                    level=target,
                    reason=crossing.reason,
                    at=at,
                    people=people,
                    outbox=outbox,
                )
                incident.version += 1
                incident.updated_at = at
                escalations[incident.pk] += 1
                # Its webhooks now, while the incident is as this escalation left it (a
                # second one in the batch raises the level again); the row goes in below,
                # in the same transaction.
                events.recorded(event)
                new_events.append(event)
                told = {user.username for user in people_told}
            department = None
            if crossing.target in OLA_TARGETS:
                department = segments[crossing.segment_id].department
            notify.threshold_crossed(
                incident,
                crossing,
                department=department,
                skip=told,
                people=people,
                outbox=outbox,
            )
        # One UPDATE per (new level, escalations in this batch), at most nine: bulk_update's
        # CASE per row cost more than the rest of the batch together.
        groups = defaultdict(list)
        for pk, bumps in escalations.items():
            groups[(incidents[pk].escalation_level, bumps)].append(pk)
        for (level, bumps), ids in groups.items():
            Incident.objects.filter(pk__in=ids).update(
                escalation_level=level, version=F("version") + bumps, updated_at=at
            )
        IncidentEvent.objects.bulk_create(new_events)
        notification_queue_many(outbox)


def incident_resolve(
    *,
    incident,
    by,
    code: ResolutionCode | None,
    resolution: str,
    knowledge_ref: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Resolve (IM4) with a resolution code and a description; from ``new`` this is the
    desk's resolution at first contact."""
    at = timezone.now()
    resolution = sanitize(resolution)
    with transaction.atomic():
        incident = _lock(incident, expected_version=expected_version)
        _ensure(incident, "resolve", by)
        _require(
            {
                "code": [_("Choose a resolution code.")]
                if code is None or not code.active
                else None,
                "resolution": [_("Describe the resolution.")] if not resolution else None,
            }
        )
        from_status = incident.status
        incident.resolve(
            by=by, code=code, resolution=resolution, knowledge_ref=knowledge_ref.strip(), at=at
        )
        _end_segment(incident, at, SegmentEnd.RESOLVED)
        fields = {
            "status",
            "resolution_code",
            "resolution",
            "knowledge_ref",
            "resolved_by",
            "resolved_at",
            "first_contact_resolution",
            "assignee",
        }
        if incident.accepted_at is None:
            # Resolving without a separate acceptance answers the response target too.
            incident.accepted_at = at
            fields.add("accepted_at")
            sla.clocks_response_met(incident=incident, at=at)
        _set_deadline(incident, sla.clocks_resolution_stopped(incident=incident, at=at), fields)
        _save(incident, at, fields)
        told = notify.resolved(incident)
        events.transition(
            incident=incident,
            kind=EventKind.RESOLVED,
            actor=by,
            at=at,
            from_status=from_status,
            data={
                "resolution_code": code.code,
                "resolution": incident.resolution,
                "first_contact": incident.first_contact_resolution,
                "knowledge_ref": incident.knowledge_ref,
            },
            notified=told,
        )
    return incident


def incident_reopen(*, incident, by, reason: str, expected_version: int | None = None) -> Incident:
    """A rejected resolution: back in progress with the section that resolved it."""
    at = timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = _lock(incident, expected_version=expected_version)
        _ensure(incident, "reopen", by)
        _require({"reason": [_("Say why the resolution is rejected.")] if not reason else None})
        from_status = incident.status
        incident.reopen()
        _start_segment(incident, at, reason)
        segment = _open_segment(incident)
        if segment is not None and segment.accepted_at is None:
            segment.accepted_at = at
            segment.save(update_fields=["accepted_at"])
        fields = {
            "status",
            "reopen_count",
            "resolved_at",
            "resolution_code",
            "resolution",
            "knowledge_ref",
            "resolved_by",
            "first_contact_resolution",
        }
        _set_deadline(incident, sla.clocks_resolution_restarted(incident=incident, at=at), fields)
        _save(incident, at, fields)
        told = notify.reopened(incident, reason=reason)
        events.transition(
            incident=incident,
            kind=EventKind.REOPENED,
            actor=by,
            at=at,
            from_status=from_status,
            reason=reason,
            notified=told,
        )
    return incident


def incident_close(
    *,
    incident,
    by,
    method: str | None = None,
    closing_category: Category | None = None,
    satisfaction: int | None = None,
    satisfaction_comment: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Close (IM5): the requester confirms, the desk closes after call-back, or the system
    closes it automatically (``by=None``). Records closing category and satisfaction."""
    at = timezone.now()
    with transaction.atomic():
        incident = _lock(incident, expected_version=expected_version)
        _ensure(incident, "close", by)
        if by is None:
            method = CloseMethod.AUTOMATIC
        elif method is None:
            method = (
                CloseMethod.REQUESTER if rules.is_requester(incident, by) else CloseMethod.CALLBACK
            )
        errors = {}
        if method not in CloseMethod.values:
            errors["method"] = [_("Unknown closing method.")]
        elif (
            by is not None
            and method == CloseMethod.REQUESTER
            and not rules.is_requester(incident, by)
        ):
            errors["method"] = [_("Only the requester confirms a resolution.")]
        elif by is not None and method == CloseMethod.AUTOMATIC:
            errors["method"] = [_("Only the system closes automatically.")]
        elif (
            by is not None
            and method == CloseMethod.CALLBACK
            and not (
                rules.is_owner(incident, by) or rules.is_desk(by) or rules.is_incident_manager(by)
            )
        ):
            errors["method"] = [_("Only the desk closes after a call-back.")]
        if satisfaction is not None and satisfaction not in (1, 2, 3, 4, 5):
            errors["satisfaction"] = [_("Satisfaction is from 1 to 5.")]
        if closing_category is not None and not closing_category.active:
            errors["closing_category"] = [_("This category is not active.")]
        _require(errors)
        from_status = incident.status
        incident.close(
            close_method=method,
            closing_category=closing_category,
            satisfaction=satisfaction,
            satisfaction_comment=sanitize(satisfaction_comment),
            at=at,
        )
        fields = {
            "status",
            "close_method",
            "closing_category",
            "satisfaction",
            "satisfaction_comment",
            "closed_at",
        }
        _set_deadline(incident, sla.clocks_ended(incident=incident, at=at), fields)
        _save(incident, at, fields)
        told = notify.closed(incident)
        events.transition(
            incident=incident,
            kind=EventKind.CLOSED,
            actor=by,
            at=at,
            from_status=from_status,
            data={
                "method": method,
                "closing_category": incident.closing_category.code
                if incident.closing_category
                else None,
                "satisfaction": satisfaction,
            },
            notified=told,
        )
    return incident


def incident_cancel(*, incident, by, reason: str, expected_version: int | None = None) -> Incident:
    """Cancel a new or assigned incident that needs no work (logged twice, withdrawn)."""
    at = timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = _lock(incident, expected_version=expected_version)
        _ensure(incident, "cancel", by)
        _require({"reason": [_("Say why the incident is cancelled.")] if not reason else None})
        from_status = incident.status
        incident.cancel(at=at)
        _end_segment(incident, at, SegmentEnd.CANCELLED)
        fields = {"status", "cancelled_at"}
        _set_deadline(incident, sla.clocks_ended(incident=incident, at=at), fields)
        _save(incident, at, fields)
        events.transition(
            incident=incident,
            kind=EventKind.CANCELLED,
            actor=by,
            at=at,
            from_status=from_status,
            reason=reason,
        )
    return incident


def incident_act(*, incident, by, action: str, expected_version: int | None = None, **fields):
    """Dispatch an action by name (the API and the UI use the same names)."""
    handlers = {
        "assign": incident_assign,
        "accept": incident_accept,
        "return": incident_return,
        "suspend": incident_suspend,
        "resume": incident_resume,
        "escalate": incident_escalate,
        "resolve": incident_resolve,
        "reopen": incident_reopen,
        "close": incident_close,
        "cancel": incident_cancel,
    }
    if action not in handlers:
        raise ValueError(f"unknown action {action!r}")
    return handlers[action](incident=incident, by=by, expected_version=expected_version, **fields)


# --- comments, work logs, attachments, links ------------------------------------------------


def _ensure_writable(incident: Incident, action: str) -> None:
    if incident.status in FINAL_STATUSES:
        raise TransitionNotAllowed(
            action, incident.status, [], _("Closed and cancelled incidents are read-only.")
        )


def comment_add(*, incident, by, body: str, is_public: bool = False) -> Comment:
    """Add a comment. Requesters' comments are always public; a requester's comment on an
    incident suspended awaiting them resumes it."""
    from incidents.selectors import incidents_visible_to

    body = sanitize(body)
    _require({"body": [_("The comment is empty.")] if not body else None})
    at = timezone.now()
    resume = False
    with transaction.atomic():
        incident = _lock(incident)
        _ensure_writable(incident, "comment")
        if not incidents_visible_to(by, Incident.objects.filter(pk=incident.pk)).exists():
            raise ActionForbidden(_("You may not comment on this incident."))
        is_requester = rules.is_requester(incident, by)
        staff = _may_edit(incident, by) or rules.works_in(by, incident.department_id)
        if is_requester and not staff:
            is_public = True
        comment = Comment.objects.create(
            incident=incident, author=by, body=body, is_public=is_public, created_at=at
        )
        told = notify.commented(incident, author=by, public=is_public)
        events.record(
            incident=incident,
            kind=EventKind.COMMENTED,
            actor=by,
            at=at,
            from_status=incident.status,
            data={"comment": comment.pk, "public": is_public},
            notified=told,
        )
        resume = (
            is_requester
            and is_public
            and incident.status == Status.SUSPENDED
            and incident.suspend_reason is not None
            and incident.suspend_reason.awaits_requester
        )
    if resume:
        incident_resume(incident=incident, by=None, note=_("The requester answered."))
    return comment


def worklog_add(*, incident, by, minutes: int, note: str = "") -> WorkLog:
    """Record time spent on the incident (by someone working on it)."""
    _require(
        {
            "minutes": [_("Between 1 and 1440 minutes.")]
            if not isinstance(minutes, int) or not 1 <= minutes <= 24 * 60
            else None
        }
    )
    at = timezone.now()
    with transaction.atomic():
        incident = _lock(incident)
        _ensure_writable(incident, "worklog")
        if not _may_edit(incident, by):
            raise ActionForbidden(_("You may not log work on this incident."))
        log = WorkLog.objects.create(
            incident=incident, author=by, minutes=minutes, note=sanitize(note), logged_at=at
        )
        events.record(
            incident=incident,
            kind=EventKind.WORK_LOGGED,
            actor=by,
            at=at,
            from_status=incident.status,
            data={"minutes": minutes},
        )
    return log


def attachment_add(*, incident, by, uploaded_file, is_public: bool = True) -> Attachment:
    """Attach a file within the size and content-type limits of the settings."""
    from incidents.selectors import incidents_visible_to

    size = getattr(uploaded_file, "size", 0) or 0
    content_type = (getattr(uploaded_file, "content_type", "") or "").split(";")[0].strip()
    name = (getattr(uploaded_file, "name", "") or "file").rsplit("/", 1)[-1][:200]
    errors = {}
    if size <= 0:
        errors["file"] = [_("The file is empty.")]
    elif size > settings.ATTACHMENT_MAX_BYTES:
        errors["file"] = [
            _("The file is larger than %(max)s MB.")
            % {"max": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        ]
    elif content_type not in settings.ATTACHMENT_CONTENT_TYPES:
        errors["file"] = [_("Files of type %(type)s are not accepted.") % {"type": content_type}]
    _require(errors)
    at = timezone.now()
    with transaction.atomic():
        incident = _lock(incident)
        _ensure_writable(incident, "attach")
        if not incidents_visible_to(by, Incident.objects.filter(pk=incident.pk)).exists():
            raise ActionForbidden(_("You may not attach files to this incident."))
        if rules.is_requester(incident, by) and not _may_edit(incident, by):
            is_public = True
        attachment = Attachment(
            incident=incident,
            original_name=name,
            content_type=content_type,
            size=size,
            is_public=is_public,
            uploaded_by=by,
            created_at=at,
        )
        attachment.file.save(name, uploaded_file, save=False)
        attachment.save()
        events.record(
            incident=incident,
            kind=EventKind.ATTACHED,
            actor=by,
            at=at,
            from_status=incident.status,
            data={"attachment": attachment.pk, "name": name, "size": size},
        )
    return attachment


ATTACHMENT_DIR = "attachments"


def attachment_orphans_remove(*, now: datetime | None = None) -> int:
    """Delete attachment files that no attachment row names and that are older than
    ``ATTACHMENT_ORPHAN_GRACE_HOURS``; returns how many.

    A file is written before its row commits: when the transaction then rolls back (an
    error later in the action, a refused request, a crash) the file stays behind. The grace
    period leaves alone files whose upload may still be in flight."""
    storage = Attachment._meta.get_field("file").storage
    cutoff = (now or timezone.now()) - timedelta(hours=settings.ATTACHMENT_ORPHAN_GRACE_HOURS)
    removed = 0
    pending = [ATTACHMENT_DIR]
    while pending:
        folder = pending.pop()
        try:
            folders, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        pending.extend(f"{folder}/{name}" for name in folders)
        old = [
            path
            for path in (f"{folder}/{name}" for name in files)
            if storage.get_modified_time(path) < cutoff
        ]
        if not old:
            continue
        kept = set(Attachment.objects.filter(file__in=old).values_list("file", flat=True))
        for path in old:
            if path not in kept:
                storage.delete(path)
                removed += 1
    if removed:
        logger.info("Removed %s attachment files no attachment refers to", removed)
    return removed


def link_add(*, incident, by, other, kind: str) -> IncidentLink:
    """Link two incidents (duplicate of, same outage, follow-up of a closed one)."""
    _require({"kind": [_("Unknown link kind.")] if kind not in LinkKind.values else None})
    at = timezone.now()
    with transaction.atomic():
        incident = _lock(incident)
        if other is None or other.pk == incident.pk:
            raise ValidationError({"other": [_("Choose another incident.")]})
        if kind != LinkKind.FOLLOWS:
            _ensure_writable(incident, "link")
        if not _may_edit(incident, by):
            raise ActionForbidden(_("You may not link this incident."))
        link, created = IncidentLink.objects.get_or_create(
            from_incident=incident,
            to_incident=other,
            kind=kind,
            defaults={"created_by": by, "created_at": at},
        )
        if created:
            events.record(
                incident=incident,
                kind=EventKind.LINKED,
                actor=by,
                at=at,
                from_status=incident.status,
                data={"kind": kind, "to": other.number},
            )
    return link


# --- automation (called by the Celery tasks) -------------------------------------------------


def _due_ids(qs, batch: int) -> list[int]:
    return list(qs.order_by("id").values_list("id", flat=True)[:batch])


def incidents_auto_resume(*, now: datetime | None = None, batch: int = 200) -> int:
    """Resume suspended incidents whose resume time has come; returns how many."""
    now = now or timezone.now()
    done = 0
    ids = _due_ids(Incident.objects.filter(status=Status.SUSPENDED, resume_at__lte=now), batch)
    for pk in ids:
        try:
            incident_resume(incident=pk, by=None, note=_("Resumed at the expected time."))
            done += 1
        except (TransitionNotAllowed, Incident.DoesNotExist):
            continue  # someone resumed or changed it meanwhile
    return done


def incidents_resume_reminders(*, now: datetime | None = None, batch: int = 200) -> int:
    """Remind owners shortly before an incident resumes by itself; once per suspension."""
    now = now or timezone.now()
    horizon = now + timedelta(minutes=settings.INCIDENT_RESUME_REMINDER_MINUTES)
    done = 0
    ids = _due_ids(
        Incident.objects.filter(
            status=Status.SUSPENDED, resume_reminded=False, resume_at__lte=horizon
        ),
        batch,
    )
    for pk in ids:
        with transaction.atomic():
            updated = Incident.objects.filter(
                pk=pk, status=Status.SUSPENDED, resume_reminded=False
            ).update(resume_reminded=True)
            if not updated:
                continue
            incident = Incident.objects.select_related("owner", "assignee").get(pk=pk)
            told = notify.resume_reminder(incident)
            events.record(
                incident=incident,
                kind=EventKind.RESUME_REMINDER,
                actor=None,
                at=now,
                from_status=incident.status,
                notified=told,
            )
            done += 1
    return done


def auto_close_cutoff(now: datetime) -> datetime:
    """Resolved before this instant and unanswered: closes automatically. Counts business
    days on the SLA standard calendar (plain days when none is configured)."""
    return sla.business_days_before(at=now, days=settings.INCIDENT_AUTO_CLOSE_DAYS)


def incidents_auto_close(*, now: datetime | None = None, batch: int = 200) -> int:
    """Close resolved incidents nobody answered within the auto-close period."""
    now = now or timezone.now()
    ids = _due_ids(
        Incident.objects.filter(status=Status.RESOLVED, resolved_at__lte=auto_close_cutoff(now)),
        batch,
    )
    done = 0
    for pk in ids:
        try:
            incident_close(incident=pk, by=None)
            done += 1
        except (TransitionNotAllowed, Incident.DoesNotExist):
            continue
    return done


def incidents_unaccepted_to_lead(*, now: datetime | None = None, batch: int = 200) -> int:
    """Incidents a section has not accepted within its acceptance time go back to its lead:
    the assignee (if any) is cleared and the lead is told; once per assignment."""
    now = now or timezone.now()
    candidates = (
        Incident.objects.filter(status=Status.ASSIGNED, accept_overdue_notified=False)
        .filter(Q(assigned_at__lte=now - timedelta(minutes=1)))
        .select_related("department__incident_policy")
        .order_by("assigned_at")[: batch * 5]
    )
    done = 0
    for candidate in candidates:
        policy = getattr(candidate.department, "incident_policy", None)
        limit = policy.acceptance_time if policy else timedelta(minutes=30)
        if candidate.assigned_at > now - limit:
            continue
        with transaction.atomic():
            incident = _lock(candidate.pk)
            if incident.status != Status.ASSIGNED or incident.accept_overdue_notified:
                continue
            previous = incident.assignee
            incident.assignee = None
            incident.accept_overdue_notified = True
            _save(incident, now, {"assignee", "accept_overdue_notified"})
            AssignmentSegment.objects.filter(incident=incident, ended_at__isnull=True).update(
                assignee=None
            )
            told = notify.not_accepted(incident)
            events.record(
                incident=incident,
                kind=EventKind.RETURNED_TO_LEAD,
                actor=None,
                at=now,
                from_status=incident.status,
                data={
                    "assignee": previous.username if previous else None,
                    "department": incident.department.code,
                },
                notified=told,
            )
            done += 1
        if done >= batch:
            break
    return done


def incident_follow_up(*, incident, by, title: str = "", description: str = "") -> Incident:
    """After closure a problem that comes back is a new incident linked to the old one."""
    with transaction.atomic():
        old = _lock(incident)
        if old.status != Status.CLOSED:
            raise TransitionNotAllowed(
                "follow_up", old.status, [], _("Only a closed incident gets a follow-up.")
            )
        if not (_may_edit(old, by) or rules.is_requester(old, by)):
            raise ActionForbidden(_("You may not open a follow-up of this incident."))
        new = incident_create(
            by=by,
            title=title or old.title,
            description=description or old.description,
            nature=old.nature,
            source=Source.WEB if rules.is_requester(old, by) else old.source,
            category=old.closing_category or old.category,
            impact=old.impact,
            urgency=old.urgency,
            requester=old.requester,
            contact=Contact(
                name=old.contact_name,
                phone=old.contact_phone,
                email=old.contact_email,
                organisation=old.contact_organisation,
            ),
            configuration_item=old.configuration_item,
            location=old.location,
            owner=old.owner if old.owner.is_active else None,
        )
        at = timezone.now()
        IncidentLink.objects.create(
            from_incident=new, to_incident=old, kind=LinkKind.FOLLOWS, created_by=by, created_at=at
        )
        events.record(
            incident=new,
            kind=EventKind.LINKED,
            actor=by,
            at=at,
            from_status=new.status,
            data={"kind": LinkKind.FOLLOWS, "to": old.number},
        )
    return new
