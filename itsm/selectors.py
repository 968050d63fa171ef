"""Reads on the shared core: sections and the people in them."""

from django.db.models import QuerySet

from itsm.models import Department, Membership


def departments_of(user) -> QuerySet[Department]:
    """The active sections the user is a member of."""
    if not user.is_authenticated:
        return Department.objects.none()
    return Department.objects.active().filter(memberships__user=user).distinct()


def primary_membership(user) -> Membership | None:
    """The user's primary membership, if any."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("department").filter(user=user, is_primary=True).first()
    )


def department_directory() -> QuerySet[Department]:
    """Active sections with their lead and members, for the directory page."""
    return (
        Department.objects.active()
        .select_related("lead", "parent")
        .prefetch_related("memberships__user")
        .order_by("kind", "code")
    )
