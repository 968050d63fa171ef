"""Reads on the shared core: sections, the people in them, their notifications."""

from collections.abc import Iterable

from django.conf import settings
from django.db.models import QuerySet

from itsm import configcache
from itsm.models import Department, Membership, Notification, NotificationPreference
from itsm.notification_kinds import notification_kinds


def departments_by_id() -> dict[int, Department]:
    """Every section, active or not, by id (cached per process: itsm.configcache). The
    instances are shared: read them, copy one before changing it."""
    return configcache.cached("departments", lambda: Department.objects.in_bulk())


def department_by_code(code: str) -> Department | None:
    """The section with this code, from the cache (None when there is none)."""
    by_code = configcache.cached(
        "departments-by-code", lambda: {d.code: d for d in departments_by_id().values()}
    )
    return by_code.get(code)


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


def notifications_for(user) -> QuerySet[Notification]:
    """The user's notifications, newest first (served by ``notification_inbox_idx``)."""
    return Notification.objects.for_recipient(user).order_by("-created_at", "-id")


def notification_unread_count(user) -> int:
    """How many of the user's notifications are unread: one COUNT on a partial index."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.for_recipient(user).unread().count()


def notification_email_default(event: str) -> bool:
    """Whether a user who never chose gets email for the kind (settings decide)."""
    default = settings.NOTIFICATION_EMAIL_DEFAULT
    return (not default) if event in settings.NOTIFICATION_EMAIL_DEFAULT_EXCEPT else default


def notification_email_wanted(*, user_ids: Iterable[int], event: str) -> set[int]:
    """Which of the users want email for the kind: their saved choice, else the default."""
    user_ids = list(user_ids)
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, event=event).values_list(
            "user_id", "email"
        )
    )
    default = notification_email_default(event)
    return {uid for uid in user_ids if chosen.get(uid, default)}


def notification_preferences_of(user) -> list[dict]:
    """Every registered kind with whether the user gets email for it, in registry order."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("event", "email"))
    return [
        {
            "code": kind.code,
            "label": kind.label,
            "email": chosen.get(kind.code, notification_email_default(kind.code)),
        }
        for kind in notification_kinds()
    ]
