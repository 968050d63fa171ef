"""Small answers every app's pages give: the product's 403 page, and a safe ``next`` target."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def forbidden(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The 403 page; ``reason`` says why, and who may open the page."""
    return render(request, "403.html", {"reason": reason}, status=403)


def safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None
