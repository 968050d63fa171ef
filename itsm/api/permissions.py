"""Who may call which part of the API, by role (the same roles as the browser)."""

from rest_framework.permissions import BasePermission

from itsm.roles import INTERNAL_STAFF_ROLES, Role, user_roles

# Staff inside the division and external systems: the directory of people, SLA data.
DIRECTORY_ROLES = INTERNAL_STAFF_ROLES | {Role.SYSTEM}


def has_any_role(user, roles) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or bool(user_roles(user) & roles)


class RolePermission(BasePermission):
    """Allows users holding one of ``roles`` (superusers always)."""

    roles: frozenset = frozenset()

    def has_permission(self, request, view):
        return has_any_role(request.user, self.roles)


def role_permission(*roles: str) -> type[RolePermission]:
    """A permission class for the given roles."""
    return type("RolePermission_" + "_".join(roles), (RolePermission,), {"roles": frozenset(roles)})


class DirectoryPermission(RolePermission):
    """Internal staff and systems (not requesters, not vendors)."""

    roles = DIRECTORY_ROLES
