"""The product's own error pages: 403 (what was refused, which roles may do it, whom to ask),
404 and 500, in the user's language. Installed as ``handler403/404/500`` in ``itsm/urls.py``;
``itsm.http.forbidden`` is how a view refuses."""

import logging
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch, reverse

from itsm import selectors
from itsm.navigation import nav_entries
from itsm.people import person_name
from itsm.roles import Role

logger = logging.getLogger(__name__)

# How many administrators the 403 page names.
_ADMINS_SHOWN = 3


def _roles_of_page(path: str) -> frozenset[str]:
    """The roles the navigation gives the page at ``path`` (empty when it is not a place)."""
    for entry in nav_entries():
        try:
            if reverse(entry.url_name) == path:
                return entry.roles
        except NoReverseMatch:
            continue
    return frozenset()


def _whom_to_ask(user) -> list[dict]:
    """The leads of the user's sections, else the administrators: name and e-mail."""
    me = user.pk if user.is_authenticated else None
    people = []
    if me is not None:
        for department in selectors.departments_of(user):
            people += [
                (p, department.name) for p in selectors.section_leads(department) if p.pk != me
            ]
    if not people:  # no section, or the user leads it: the administrators
        admins = [p for p in selectors.administrators() if p.pk != me]
        people = [(p, None) for p in admins[:_ADMINS_SHOWN]]
    seen, out = set(), []
    for person, section in people:
        if person.pk not in seen:
            seen.add(person.pk)
            out.append({"name": person_name(person), "email": person.email, "section": section})
    return out


def forbidden_page(
    request: HttpRequest,
    *,
    action: str = "",
    roles: Iterable[str] | None = None,
    reason: str = "",
) -> HttpResponse:
    """The 403 page: ``action`` says what was refused (default: opening this page),
    ``reason`` why; ``roles`` who may do it (default: the roles the navigation gives this
    page)."""
    allowed = frozenset(roles) if roles is not None else _roles_of_page(request.path)
    context = {
        "action": action,
        "reason": reason,
        "path": request.path,
        "allowed_roles": [Role(r).label for r in Role.values if r in allowed],
        "ask": _whom_to_ask(request.user),
    }
    return render(request, "403.html", context, status=403)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """``handler403``: a ``PermissionDenied`` raised anywhere; its message says what."""
    message = str(exception or "")
    return forbidden_page(request, action=message)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """``handler404``: the product's page, naming the address asked for."""
    return render(request, "404.html", {"path": request.path}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a page that needs no database (it may be what failed): no user, no
    navigation, only the language the request asked for."""
    try:
        return HttpResponseServerError(loader.render_to_string("500.html", {}))
    except Exception:  # noqa: BLE001 - the error page must never fail in turn
        logger.exception("The 500 page could not be rendered")
        return HttpResponseServerError(
            "服务器错误 / Server error", content_type="text/plain; charset=utf-8"
        )
