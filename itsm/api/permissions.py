"""Who may call which part of the API, by role (the same roles as the browser)."""

from rest_framework.permissions import BasePermission

from itsm.roles import DIRECTORY_ROLES, has_any_role


class RolePermission(BasePermission):
    """Allows users holding one of ``roles`` (superusers always)."""

    roles: frozenset = frozenset()

    def has_permission(self, request, view):
        user = request.user
        return has_any_role(user, self.roles) or bool(getattr(user, "is_superuser", False))


def role_permission(*roles: str) -> type[RolePermission]:
    """A permission class for the given roles."""
    return type("RolePermission_" + "_".join(roles), (RolePermission,), {"roles": frozenset(roles)})


class DirectoryPermission(RolePermission):
    """Internal staff and systems (not requesters, not vendors)."""

    roles = DIRECTORY_ROLES
