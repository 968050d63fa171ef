"""Template context shared by every page: the navigation of the signed-in user."""

from django.utils.functional import SimpleLazyObject

from itsm.navigation import nav_search_url, navigation_for
from itsm.roles import user_roles
from itsm.selectors import notification_unread_count


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": frozenset(), "notifications_unread": 0}
    items = navigation_for(user)
    # The inbox entry's badge when the user has one, so a page counts at most once; lazy,
    # so a page that shows no count runs no query.
    unread = next((i["badge"] for i in items if i["key"] == "inbox"), None)
    if unread is None:
        unread = SimpleLazyObject(lambda: notification_unread_count(user))
    return {
        "nav_items": items,
        "user_roles": user_roles(user),
        "notifications_unread": unread,
        "nav_search_url": nav_search_url(),
    }
