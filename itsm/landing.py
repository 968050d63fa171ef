"""Where each role lands after signing in (when the sign-in names no ``next`` page).

One ordered rule: the first of the user's roles in ``LANDING`` decides, and its URL names are
tried in turn; a URL name this build does not have (a page another app has not shipped yet)
is skipped, so the workspace is always the last resort. Names are resolved when the user
signs in, never at import, like ``LOGIN_REDIRECT_URL``.
"""

from django.urls import NoReverseMatch, reverse

from itsm.roles import Role, user_roles

# (role, URL names tried in order). The first role the user holds wins: a person holding
# several roles lands where their most specific work is.
LANDING: tuple[tuple[str, tuple[str, ...]], ...] = (
    (Role.INCIDENT_MANAGER, ("incidents:all", "incidents:disputes")),
    (Role.DESK_MANAGER, ("servicedesk:console",)),
    (Role.AGENT, ("servicedesk:console",)),
    (Role.SECTION_LEAD, ("incidents:queue",)),
    (Role.TECHNICIAN, ("incidents:queue",)),
    (Role.VENDOR, ("incidents:queue",)),
    (Role.DIRECTOR, ("reports:dashboard",)),
    (Role.REQUESTER, ("servicedesk:portal",)),
    (Role.SYSTEM, ("api-docs",)),
)
FALLBACK = "home"


def landing_url(user) -> str:
    """The page the user lands on after signing in: their role's place, else the workspace."""
    roles = user_roles(user)
    for role, url_names in LANDING:
        if role not in roles:
            continue
        for name in url_names:
            try:
                return reverse(name)
            except NoReverseMatch:
                continue
        break
    return reverse(FALLBACK)
