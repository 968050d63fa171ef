"""Who may take which action on an incident: the permission functions of the transitions.

Each function takes ``(incident, user)`` and only reads. The user's sections and the role
held in each are read once per process and user (``section_roles``).
"""

from django.conf import settings
from django.utils import timezone

from incidents.choices import Status
from itsm import configcache
from itsm.models import DepartmentKind, Membership
from itsm.roles import (
    ALL_INCIDENTS_ROLES,
    DESK_ROLES,
    SHARE_VIEW_ROLES,
    WORKING_ROLES,
    Role,
    has_any_role,
    has_role,
)


def section_roles(user) -> dict[int, str]:
    """{department id: role held there} for the user, cached on the user object and per
    process (``itsm.configcache``: memberships are configuration, their writes invalidate)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_itsm_section_roles", None)
    if cached is None:
        user_id = user.pk
        cached = configcache.cached(
            ("section-roles", user_id),
            lambda: dict(
                Membership.objects.filter(user_id=user_id).values_list("department_id", "role")
            ),
        )
        user._itsm_section_roles = cached
    return cached


def is_desk(user) -> bool:
    return has_role(user, *DESK_ROLES)


def is_incident_manager(user) -> bool:
    return has_role(user, Role.INCIDENT_MANAGER)


def is_system(user) -> bool:
    return has_role(user, Role.SYSTEM)


def works_in(user, department_id) -> bool:
    """Whether the user holds a working role in the section."""
    return section_roles(user).get(department_id) in WORKING_ROLES


def is_lead_of(user, department_id) -> bool:
    return section_roles(user).get(department_id) == Role.SECTION_LEAD


def may_list_all(user) -> bool:
    """Whether the user may open the all-incidents list (and its saved views)."""
    return has_any_role(user, ALL_INCIDENTS_ROLES)


def may_share_view(user) -> bool:
    """Only the incident manager shares saved views with everyone who may open the list."""
    return has_any_role(user, SHARE_VIEW_ROLES)


def may_delete_view(view, user) -> bool:
    """A person deletes their own views; the incident manager also the shared ones."""
    return view.owner_id == user.pk or (view.shared and may_share_view(user))


# Sections whose work is not incidents (科技处, 综合科): never dispatched or assigned to.
NON_INCIDENT_SECTION_KINDS = (DepartmentKind.ADMINISTRATIVE,)


def works_incidents(department) -> bool:
    """Whether incidents may be assigned to the section: active and not administrative (the
    forms offer only these, the assignment service refuses the others)."""
    return (
        department is not None
        and department.active
        and department.kind not in NON_INCIDENT_SECTION_KINDS
    )


def held_by_desk(incident) -> bool:
    return incident.department is not None and incident.department.kind == (
        DepartmentKind.SERVICE_DESK
    )


def is_requester(incident, user) -> bool:
    return incident.requester_id is not None and incident.requester_id == user.pk


def is_owner(incident, user) -> bool:
    return incident.owner_id == user.pk


def may_edit(incident, user) -> bool:
    """Edit the fields, log work, link: the desk, the incident manager, the owner, and those
    working in the section that holds the incident."""
    return (
        is_desk(user)
        or is_incident_manager(user)
        or is_owner(incident, user)
        or works_in(user, incident.department_id)
    )


def comments_always_public(incident, user) -> bool:
    """The requester (not working on the incident): what they write is for everyone on it."""
    return is_requester(incident, user) and not may_edit(incident, user)


def may_comment_publicly(incident, user) -> bool:
    """Write to the requester: the requester and those answerable for the incident now (the
    ``may_edit`` people: the desk, the incident manager, the owner, the holding section).
    Anyone else who may see it — a section that held it and handed it on, a director — adds
    internal notes only, so that the requester hears one voice."""
    return is_requester(incident, user) or may_edit(incident, user)


def is_assignee(incident, user) -> bool:
    return incident.assignee_id is not None and incident.assignee_id == user.pk


# --- transition permissions -----------------------------------------------------------


def can_assign(incident, user) -> bool:
    if is_incident_manager(user):
        return True
    if incident.in_dispute:
        return False
    if is_lead_of(user, incident.department_id):
        return True
    if is_desk(user) and (incident.status in ("new", "assigned") or held_by_desk(incident)):
        return True
    return works_in(user, incident.department_id) and (
        incident.assignee_id is None or is_assignee(incident, user)
    )


def can_accept(incident, user) -> bool:
    if incident.in_dispute or not works_in(user, incident.department_id):
        return False
    return incident.assignee_id is None or is_assignee(incident, user)


def can_claim(incident, user) -> bool:
    """Take an unassigned incident from the section queue (an acceptance without a named
    assignee)."""
    return (
        incident.status == Status.ASSIGNED
        and incident.assignee_id is None
        and not incident.in_dispute
        and can_accept(incident, user)
    )


def can_return(incident, user) -> bool:
    return not incident.in_dispute and works_in(user, incident.department_id)


def can_work(incident, user) -> bool:
    """Suspend and similar actions: the assignee, the section lead, the incident manager."""
    return (
        is_assignee(incident, user)
        or is_lead_of(user, incident.department_id)
        or is_incident_manager(user)
        or (held_by_desk(incident) and is_desk(user))
    )


def can_resume(incident, user) -> bool:
    return can_work(incident, user) or is_owner(incident, user) or is_desk(user)


def can_escalate(incident, user) -> bool:
    return (
        is_desk(user)
        or is_owner(incident, user)
        or is_incident_manager(user)
        or is_lead_of(user, incident.department_id)
        or is_assignee(incident, user)
    )


def can_resolve(incident, user) -> bool:
    if incident.status == "new":
        # Resolved at first contact by the desk, or cleared by the system that raised it.
        return (
            is_desk(user)
            or is_incident_manager(user)
            or (is_system(user) and incident.source == "monitoring")
        )
    return can_work(incident, user)


def can_reopen(incident, user) -> bool:
    return (
        is_requester(incident, user)
        or is_owner(incident, user)
        or is_desk(user)
        or is_incident_manager(user)
    )


def can_close(incident, user) -> bool:
    return (
        is_requester(incident, user)
        or is_owner(incident, user)
        or is_desk(user)
        or is_incident_manager(user)
    )


def can_cancel(incident, user) -> bool:
    if is_requester(incident, user) and incident.status == "new":
        return True
    return is_owner(incident, user) or is_desk(user) or is_incident_manager(user)


# --- conditions (read only) ---------------------------------------------------------------


def not_in_dispute(incident) -> bool:
    return not incident.in_dispute


def has_section(incident) -> bool:
    return incident.department_id is not None


def not_held_by_desk(incident) -> bool:
    return not held_by_desk(incident)


def within_reopen_window(incident) -> bool:
    if incident.resolved_at is None:
        return False
    window = settings.INCIDENT_REOPEN_WINDOW_DAYS
    return timezone.now() - incident.resolved_at <= timezone.timedelta(days=window)


def below_top_level(incident) -> bool:
    return incident.escalation_level < 3
