"""The navigation: which places each role sees. Each app registers its pages by URL name
(``nav_entry_register`` from its ``AppConfig.ready()``); the shared core names only its own."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from itsm.roles import INTERNAL_STAFF_ROLES, Role, user_roles


@dataclass(frozen=True)
class NavEntry:
    """A place in the navigation: shown to the holders of ``roles`` when ``url_name`` exists."""

    key: str
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    # Where it stands in the menu (ascending), whichever app registered it first.
    order: int = 100
    # A number shown next to the entry (e.g. unread notifications), computed only if shown.
    badge: Callable | None = None
    # The workspace card's count and what it counts ("待派单 12"): ``card_count(user)`` is one
    # cheap query, run only when the workspace shows the card.
    card_count: Callable | None = None
    card_label: str | Promise = ""


_ENTRIES: dict[str, NavEntry] = {}


def nav_entry_register(entry: NavEntry) -> NavEntry:
    """Add a place (idempotent for the same key); apps call it from ``AppConfig.ready()``."""
    _ENTRIES[entry.key] = entry
    return entry


def nav_entries() -> list[NavEntry]:
    """Every registered place, in menu order."""
    return sorted(_ENTRIES.values(), key=lambda e: e.order)


def _unread_notifications(user) -> int:
    from itsm.selectors import notification_unread_count

    return notification_unread_count(user)


# The shared core's own places; the apps above add theirs (the desk console, the section
# queue, the dashboards …) between them.
for _entry in (
    NavEntry("home", _("Workspace"), "home", frozenset(Role.values), order=0),
    NavEntry("directory", _("Sections"), "directory", frozenset(INTERNAL_STAFF_ROLES), order=60),
    NavEntry("api", _("API"), "api-docs", frozenset({Role.SYSTEM, Role.ADMINISTRATOR}), order=70),
    NavEntry(
        "admin", _("Administration"), "admin:index", frozenset({Role.ADMINISTRATOR}), order=80
    ),
    # Every person has an inbox; an external system's account reads the API instead.
    NavEntry(
        "inbox",
        _("Notifications"),
        "notifications",
        frozenset(Role.values) - {Role.SYSTEM},
        order=90,
        badge=_unread_notifications,
        card_count=_unread_notifications,
        card_label=_("Unread"),
    ),
):
    nav_entry_register(_entry)


# The URL name of the page the navigation's search box submits to (``?q=…``), registered by
# the app that searches (``nav_search_register``); no box while none is registered.
_SEARCH: dict[str, str] = {}


def nav_search_register(url_name: str) -> None:
    """Give every page's navigation a search box that submits to ``url_name``."""
    _SEARCH["url_name"] = url_name


def nav_search_url() -> str | None:
    """Where the navigation's search box submits, if a search page exists."""
    url_name = _SEARCH.get("url_name")
    return _resolvable(url_name) if url_name else None


def _resolvable(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _lazy_count(count: Callable | None, user):
    return None if count is None else SimpleLazyObject(lambda: count(user))


def navigation_for(user) -> list[dict]:
    """The entries the user's roles give them, for pages that exist in this build."""
    roles = user_roles(user)
    items = []
    for entry in nav_entries():
        if not roles & entry.roles:
            continue
        url = _resolvable(entry.url_name)
        if url is not None:
            badge = None
            if entry.badge is not None:
                badge = SimpleLazyObject(lambda badge=entry.badge: badge(user))
            items.append(
                {
                    "key": entry.key,
                    "label": entry.label,
                    "url": url,
                    "badge": badge,
                    # The same lazy number when the card counts what the badge does.
                    "card_count": badge
                    if entry.card_count is entry.badge
                    else _lazy_count(entry.card_count, user),
                    "card_label": entry.card_label,
                }
            )
    return items
