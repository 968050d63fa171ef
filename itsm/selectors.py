"""Reads on the shared core: sections, the people in them, their notifications."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from itsm import configcache
from itsm.models import Department, Membership, Notification, NotificationPreference
from itsm.notification_kinds import notification_kind, notification_kinds
from itsm.roles import ASSIGNABLE_ROLES, Role

User = get_user_model()


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


def department_directory() -> QuerySet[Department]:
    """Active sections with their lead and members, for the directory page."""
    return (
        Department.objects.active()
        .select_related("lead", "parent")
        .prefetch_related("memberships__user")
        .order_by("kind", "code")
    )


# --- people: who holds a role, who leads or works a section --------------------------------------


def users_with_role(*roles: str) -> list:
    """The active users holding any of the roles."""
    return list(User.objects.filter(groups__name__in=roles, is_active=True).distinct())


def administrators() -> list:
    """The active holders of the administrator role and the active superusers."""
    return list(
        User.objects.filter(
            Q(groups__name=Role.ADMINISTRATOR) | Q(is_superuser=True), is_active=True
        ).distinct()
    )


def section_leads(department: Department | None) -> list:
    """The section's active leads by membership, and its designated lead."""
    if department is None:
        return []
    leads = list(
        User.objects.filter(
            memberships__department=department,
            memberships__role=Role.SECTION_LEAD,
            is_active=True,
        )
    )
    if department.lead_id and all(u.pk != department.lead_id for u in leads):
        leads.append(department.lead)
    return leads


def section_members_on_duty(department: Department | None) -> list:
    """The section's active members on duty in an assignable role."""
    if department is None:
        return []
    return list(
        User.objects.filter(
            memberships__department=department,
            memberships__on_duty=True,
            memberships__role__in=ASSIGNABLE_ROLES,
            is_active=True,
        ).distinct()
    )


def on_duty_member_ids(department: Department) -> list[int]:
    """The ids of ``section_members_on_duty``, ascending (the order automatic assignment
    takes turns in)."""
    return list(
        Membership.objects.filter(
            department=department,
            on_duty=True,
            role__in=ASSIGNABLE_ROLES,
            user__is_active=True,
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


# --- notifications -------------------------------------------------------------------------------


def notifications_for(user, *, kind: str = "", incident: str = "") -> QuerySet[Notification]:
    """The user's inbox, newest first (served by ``notification_inbox_idx``), optionally of
    one kind and about one incident (its number)."""
    qs = Notification.objects.for_recipient(user).filter(in_inbox=True)
    if kind:
        qs = qs.filter(event=kind)
    if incident:
        qs = qs.filter(incident_number=incident)
    return qs.order_by("-created_at", "-id")


def notification_unread_count(user) -> int:
    """How many of the user's notifications are unread: one COUNT on a partial index."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.for_recipient(user).unread().count()


def notification_email_default(event: str) -> bool:
    """Whether a user who never chose gets email for the kind (settings decide)."""
    default = settings.NOTIFICATION_EMAIL_DEFAULT
    return (not default) if event in settings.NOTIFICATION_EMAIL_DEFAULT_EXCEPT else default


@dataclass(frozen=True)
class Channels:
    """How one person gets one kind: in the inbox or not; by email or not, and if so at once
    or in the daily digest (only for the kinds registered with ``digest=True``)."""

    inbox: bool = True
    email: bool = True
    digest: bool = False

    @property
    def email_mode(self) -> str:
        return ("digest" if self.digest else "now") if self.email else "off"


def notification_channels(*, user_ids: Iterable[int], event: str) -> dict[int, Channels]:
    """Each user's channels for the kind (one SELECT): their saved choice, else the default."""
    user_ids = list(user_ids)
    kind = notification_kind(event)
    digest_allowed = bool(kind and kind.digest)
    default = Channels(email=notification_email_default(event))
    chosen = {
        uid: Channels(inbox=inbox, email=email, digest=digest and digest_allowed)
        for uid, inbox, email, digest in NotificationPreference.objects.filter(
            user_id__in=user_ids, event=event
        ).values_list("user_id", "inbox", "email", "digest")
    }
    return {uid: chosen.get(uid, default) for uid in user_ids}


def notification_email_wanted(*, user_ids: Iterable[int], event: str) -> set[int]:
    """Which of the users want email for the kind (at once or in the digest)."""
    channels = notification_channels(user_ids=user_ids, event=event)
    return {uid for uid, c in channels.items() if c.email}


def notification_preferences_of(user) -> list[dict]:
    """Every registered kind with the user's channels for it, in registry order."""
    chosen = {
        event: Channels(inbox=inbox, email=email, digest=digest)
        for event, inbox, email, digest in NotificationPreference.objects.filter(
            user=user
        ).values_list("event", "inbox", "email", "digest")
    }
    rows = []
    for kind in notification_kinds():
        channels = chosen.get(kind.code) or Channels(email=notification_email_default(kind.code))
        if channels.digest and not kind.digest:
            channels = Channels(inbox=channels.inbox, email=channels.email)
        rows.append(
            {
                "code": kind.code,
                "label": kind.label,
                "inbox": channels.inbox,
                "email": channels.email,
                "email_mode": channels.email_mode,
                "digest_offered": kind.digest,
            }
        )
    return rows
