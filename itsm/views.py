"""Pages of the shared core: the workspace, the section directory and the health check."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from itsm import health, selectors
from itsm.roles import INTERNAL_STAFF_ROLES, Role, user_roles


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, 503 naming what is wrong otherwise."""
    checks = {"database": health.check_database(), "broker": health.check_broker()}
    ok = all(v is None for v in checks.values())
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {name: ("ok" if err is None else err) for name, err in checks.items()},
    }
    return JsonResponse(body, status=200 if ok else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's workspace: their roles, sections and places."""
    roles = user_roles(request.user)
    context = {
        "roles": [Role(r) for r in Role.values if r in roles],
        "departments": selectors.departments_of(request.user),
    }
    return render(request, "itsm/home.html", context)


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    """The sections of the division, their leads and members (staff only)."""
    if not user_roles(request.user) & INTERNAL_STAFF_ROLES:
        return render(request, "403.html", status=403)
    return render(request, "itsm/directory.html", {"departments": selectors.department_directory()})
