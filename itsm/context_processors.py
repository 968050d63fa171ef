"""Template context shared by every page: the navigation of the signed-in user."""

from itsm.navigation import navigation_for
from itsm.roles import user_roles


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": frozenset()}
    return {"nav_items": navigation_for(user), "user_roles": user_roles(user)}
