"""The navigation: which places each role sees. Apps list their pages here by URL name."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from itsm.roles import INTERNAL_STAFF_ROLES, Role, user_roles


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    # A number shown next to the entry (e.g. unread notifications), computed only if shown.
    badge: Callable | None = None


def _unread_notifications(user) -> int:
    from itsm.selectors import notification_unread_count

    return notification_unread_count(user)


NAV_ENTRIES: tuple[NavEntry, ...] = (
    NavEntry("home", _("Workspace"), "home", frozenset(Role.values)),
    NavEntry("portal", _("My requests"), "servicedesk:portal", frozenset({Role.REQUESTER})),
    NavEntry(
        "console",
        _("Desk console"),
        "servicedesk:console",
        frozenset({Role.AGENT, Role.DESK_MANAGER, Role.INCIDENT_MANAGER}),
    ),
    NavEntry(
        "queue",
        _("Section queue"),
        "incidents:queue",
        frozenset({Role.TECHNICIAN, Role.SECTION_LEAD, Role.VENDOR}),
    ),
    NavEntry(
        "disputes",
        _("Disputes"),
        "incidents:disputes",
        frozenset({Role.INCIDENT_MANAGER}),
    ),
    NavEntry(
        "dashboards",
        _("Dashboards"),
        "reports:dashboard",
        frozenset({Role.DESK_MANAGER, Role.SECTION_LEAD, Role.INCIDENT_MANAGER, Role.DIRECTOR}),
    ),
    NavEntry("directory", _("Sections"), "directory", frozenset(INTERNAL_STAFF_ROLES)),
    NavEntry("api", _("API"), "api-docs", frozenset({Role.SYSTEM, Role.ADMINISTRATOR})),
    NavEntry("admin", _("Administration"), "admin:index", frozenset({Role.ADMINISTRATOR})),
    # Every person has an inbox; an external system's account reads the API instead.
    NavEntry(
        "inbox",
        _("Notifications"),
        "notifications",
        frozenset(Role.values) - {Role.SYSTEM},
        badge=_unread_notifications,
    ),
)


def _resolvable(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def navigation_for(user) -> list[dict]:
    """The entries the user's roles give them, for pages that exist in this build."""
    roles = user_roles(user)
    items = []
    for entry in NAV_ENTRIES:
        if not roles & entry.roles:
            continue
        url = _resolvable(entry.url_name)
        if url is not None:
            badge = None
            if entry.badge is not None:
                badge = SimpleLazyObject(lambda badge=entry.badge: badge(user))
            items.append({"key": entry.key, "label": entry.label, "url": url, "badge": badge})
    return items
