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


# Vendor engineers are outsiders: they see only what is assigned to their vendor section.
INTERNAL_STAFF_ROLES = STAFF_ROLES - {Role.VENDOR}


def groups_changed(**kwargs) -> None:
    """A user's groups or a group changed: the cached roles are out of date everywhere
    (connected to the signals of ``User.groups`` and ``Group`` in ``ItsmConfig.ready``)."""
    configcache.changed()
