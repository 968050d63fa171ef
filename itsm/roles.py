"""The roles of DESIGN §1: group names, labels and the capabilities each one has."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from itsm import configcache


class Role(models.TextChoices):
    """A user's role; each is a Django group of the same name."""

    REQUESTER = "requester", _("Requester")
    AGENT = "agent", _("Service-desk agent")
    DESK_MANAGER = "desk_manager", _("Service-desk manager")
    TECHNICIAN = "technician", _("Technician")
    SECTION_LEAD = "section_lead", _("Section lead")
    VENDOR = "vendor", _("Vendor engineer")
    INCIDENT_MANAGER = "incident_manager", _("Incident manager")
    DIRECTOR = "director", _("Director")
    SYSTEM = "system", _("External system")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles a membership in a section can carry; the others are held by a person, not in a
# section (a requester, a director, an external system).
SECTION_ROLES = (
    Role.AGENT,
    Role.DESK_MANAGER,
    Role.TECHNICIAN,
    Role.SECTION_LEAD,
    Role.VENDOR,
    Role.INCIDENT_MANAGER,
)

# --- named role sets: every set of roles a rule or a page names is spelled here, once ---------

# The people who work in the division (not requesters, not external systems).
STAFF_ROLES = frozenset(
    {
        Role.AGENT,
        Role.DESK_MANAGER,
        Role.TECHNICIAN,
        Role.SECTION_LEAD,
        Role.VENDOR,
        Role.INCIDENT_MANAGER,
        Role.DIRECTOR,
        Role.ADMINISTRATOR,
    }
)
# Vendor engineers are outsiders: they see only what is assigned to their vendor section.
INTERNAL_STAFF_ROLES = STAFF_ROLES - {Role.VENDOR}
# Who looks at incidents as staff (work logs, OLA clocks, internal comments): the staff and
# the external systems.
STAFF_AND_SYSTEM_ROLES = STAFF_ROLES | {Role.SYSTEM}
# The directory of people and the SLA reference data: internal staff and systems.
DIRECTORY_ROLES = INTERNAL_STAFF_ROLES | {Role.SYSTEM}
# The service desk.
DESK_ROLES = frozenset({Role.AGENT, Role.DESK_MANAGER})
# Who sees every incident.
SEES_ALL_ROLES = DESK_ROLES | {Role.INCIDENT_MANAGER, Role.DIRECTOR, Role.ADMINISTRATOR}
# The roles a section membership carries that work the section's incidents ("working
# roles"); without the vendor, the roles that also see what the section once held.
WORKING_ROLES = frozenset(
    {Role.TECHNICIAN, Role.SECTION_LEAD, Role.VENDOR, Role.AGENT, Role.DESK_MANAGER}
)
INTERNAL_WORKING_ROLES = WORKING_ROLES - {Role.VENDOR}
# The working roles whose members on duty are told of what their section is assigned and are
# picked by automatic assignment (the desk manager manages the desk, it is not assigned).
ASSIGNABLE_ROLES = WORKING_ROLES - {Role.DESK_MANAGER}
# Who works from a section queue, and who settles disputes.
# The section queue is the place of those who work in sections; the incident manager may open
# it too (the navigation leads them to the disputes instead).
SECTION_QUEUE_ROLES = frozenset({Role.TECHNICIAN, Role.SECTION_LEAD, Role.VENDOR})
QUEUE_ROLES = SECTION_QUEUE_ROLES | {Role.INCIDENT_MANAGER}
# Who reads the KPI dashboards.
DASHBOARD_ROLES = frozenset(
    {Role.DESK_MANAGER, Role.SECTION_LEAD, Role.INCIDENT_MANAGER, Role.DIRECTOR}
)
# What each role sees of the KPI reports: everything (all views), the overview and the desk
# view, the sections they lead, their own workload.
REPORT_ALL_ROLES = frozenset({Role.INCIDENT_MANAGER, Role.DIRECTOR})
REPORT_DESK_ROLES = frozenset({Role.DESK_MANAGER})
REPORT_SECTION_ROLES = frozenset({Role.SECTION_LEAD})
REPORT_OWN_ROLES = frozenset({Role.TECHNICIAN})
# Who reads the monthly service report: those who see everything and the desk manager (the
# directors also receive it by e-mail).
SERVICE_REPORT_ROLES = REPORT_ALL_ROLES | REPORT_DESK_ROLES
DISPUTE_ROLES = frozenset({Role.INCIDENT_MANAGER})
# The all-incidents list: the desk (its work is every incident), the incident manager and
# directors (everything). The incident manager lands there after signing in.
ALL_INCIDENTS_ROLES = DESK_ROLES | {Role.INCIDENT_MANAGER, Role.DIRECTOR}
# Who may share a saved view of that list with everyone who may open it.
SHARE_VIEW_ROLES = frozenset({Role.INCIDENT_MANAGER})
# Who logs incidents at the desk console, and who reports in the portal.
CONSOLE_ROLES = DESK_ROLES | {Role.INCIDENT_MANAGER}
PORTAL_ROLES = frozenset({Role.REQUESTER})
# Who looks at the desk's team: who has what, the resolutions waiting for confirmation.
DESK_TEAM_ROLES = frozenset({Role.DESK_MANAGER, Role.INCIDENT_MANAGER})
# Who may log incidents through the API: the desk, the incident manager, systems and
# administrators for anyone; requesters for themselves (as in the portal).
INCIDENT_LOG_FOR_OTHERS_ROLES = CONSOLE_ROLES | {Role.SYSTEM, Role.ADMINISTRATOR}
INCIDENT_CREATE_ROLES = INCIDENT_LOG_FOR_OTHERS_ROLES | PORTAL_ROLES


def user_roles(user) -> frozenset[str]:
    """The role codes a user holds (their group names that are roles), cached on the user
    and per process (``itsm.configcache``: group changes invalidate it, see
    ``groups_changed``)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_itsm_roles", None)
    if cached is None:
        names = configcache.cached(
            ("user-groups", user.pk),
            lambda: frozenset(user.groups.values_list("name", flat=True)),
        )
        cached = frozenset(names & set(Role.values))
        if user.is_superuser:
            cached = cached | {Role.ADMINISTRATOR}
        user._itsm_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    """Whether the user holds any of the given roles."""
    return bool(user_roles(user) & set(roles))


def has_any_role(user, roles) -> bool:
    """Whether the user holds any role of the set (a superuser holds the administrator's)."""
    return bool(user_roles(user) & roles)


def is_staff(user) -> bool:
    """Whether the user looks at incidents as staff, not as a requester only."""
    return has_any_role(user, STAFF_AND_SYSTEM_ROLES) or bool(getattr(user, "is_superuser", False))


def groups_changed(**kwargs) -> None:
    """A user's groups or a group changed: the cached roles are out of date everywhere
    (connected to the signals of ``User.groups`` and ``Group`` in ``ItsmConfig.ready``)."""
    configcache.changed()
