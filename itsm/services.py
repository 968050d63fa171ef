"""Writes on the shared core: people, their roles and their section memberships."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from itsm.models import Department, Membership
from itsm.roles import SECTION_ROLES, Role

User = get_user_model()


def user_grant_role(*, user, role: str) -> None:
    """Put the user in the group of the role (idempotent)."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    group = Group.objects.get(name=role)
    user.groups.add(group)
    if hasattr(user, "_itsm_roles"):
        del user._itsm_roles


@transaction.atomic
def membership_set(
    *, user, department: Department, role: str, is_primary: bool = True, on_duty: bool = True
) -> Membership:
    """Make the user a member of the section with the role, and grant the role's group.

    A user has at most one primary section; making this one primary demotes the others.
    """
    if role not in SECTION_ROLES:
        raise ValueError(f"role {role!r} is not held inside a section")
    if is_primary:
        Membership.objects.filter(user=user, is_primary=True).exclude(department=department).update(
            is_primary=False
        )
    membership, _ = Membership.objects.update_or_create(
        user=user,
        department=department,
        defaults={"role": role, "is_primary": is_primary, "on_duty": on_duty},
    )
    user_grant_role(user=user, role=role)
    if role == Role.SECTION_LEAD and department.lead_id != user.pk:
        department.lead = user
        department.save(update_fields=["lead"])
    return membership
