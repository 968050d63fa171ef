"""The calendars whose holiday data runs out, for the banner of the admin's index and
calendar pages (read lazily: a page that does not show the banner runs no query)."""

from functools import cache

from sla.selectors import calendars_running_out


def calendar_warnings(request) -> dict:
    @cache
    def running_out() -> list:
        user = getattr(request, "user", None)
        if user is None or not user.is_staff:
            return []
        return list(calendars_running_out().order_by("valid_until", "code"))

    return {"sla_calendars_running_out": running_out}
