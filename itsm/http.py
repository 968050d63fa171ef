"""Small answers every app's pages give: the product's 403 page, and a safe ``next`` target."""

from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from itsm.errors import forbidden_page


def forbidden(
    request: HttpRequest, reason: str = "", *, action: str = "", roles=None
) -> HttpResponse:
    """The product's 403 page: what was refused (``action``, default: this page), why
    (``reason``), which roles may (``roles``, default: those the navigation gives this page)
    and whom to ask."""
    return forbidden_page(request, action=action, roles=roles, reason=reason)


def safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None
