"""Pages of the shared core: the workspace, the section directory, the health check and
the notification inbox with its preferences."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from itsm import health, selectors, services
from itsm.forms import LoginForm, NotificationFilterForm, NotificationPreferencesForm
from itsm.http import forbidden
from itsm.landing import landing_url
from itsm.models import Notification
from itsm.roles import INTERNAL_STAFF_ROLES, Role, user_roles


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, 503 naming what is wrong otherwise; the
    apps' details (a calendar whose data ran out) are reported without changing the status."""
    checks = {"database": health.check_database(), "broker": health.check_broker()}
    ok = all(v is None for v in checks.values())
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {name: ("ok" if err is None else err) for name, err in checks.items()},
    }
    details = health.health_details() if checks["database"] is None else {}
    if details:
        body["details"] = details
    return JsonResponse(body, status=200 if ok else 503)


class LoginView(auth_views.LoginView):
    """Sign in, then go to ``next`` when given (and safe), else to the role's place."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return landing_url(self.request.user)


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
        return forbidden(request, roles=INTERNAL_STAFF_ROLES)
    return render(request, "itsm/directory.html", {"departments": selectors.department_directory()})


INBOX_PAGE_SIZE = 25


def _inbox_context(request: HttpRequest, data, number) -> dict:
    """The filtered page of the inbox, and the query string that keeps the filters."""
    form = NotificationFilterForm(data)
    filters = form.filters()
    qs = selectors.notifications_for(request.user, **filters)
    page = Paginator(qs, INBOX_PAGE_SIZE).get_page(number)
    query = urlencode({k: v for k, v in filters.items() if v})
    return {
        "page": page,
        "notifications": page.object_list,
        "filter_form": form,
        "filters": filters,
        "filter_query": query,
        "filtered": bool(query),
    }


def _inbox_url(page_number, query: str = "") -> str:
    params = [query] if query else []
    if str(page_number).isdigit():
        params.append(f"page={int(page_number)}")
    url = reverse("notifications")
    return f"{url}?{'&'.join(params)}" if params else url


@login_required
@require_GET
def notification_inbox(request: HttpRequest) -> HttpResponse:
    """The signed-in user's notifications, newest first, 25 a page, unread highlighted;
    filtered by kind and incident (kept in the URL)."""
    context = _inbox_context(request, request.GET, request.GET.get("page"))
    if request.htmx:
        return render(request, "itsm/partials/notification_list.html", context)
    return render(request, "itsm/notifications.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read (404 for anyone else's)."""
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    if request.htmx:
        context = {"n": notification, "page_number": request.POST.get("page"), "oob_badge": True}
        return render(request, "itsm/partials/notification_row.html", context)
    return redirect(_inbox_url(request.POST.get("page", "")))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    """Mark all the user's notifications read (those the filters show, when filtered)."""
    context = _inbox_context(request, request.POST, request.POST.get("page"))
    services.notification_mark_all_read(user=request.user, **context["filters"])
    if request.htmx:
        context = _inbox_context(request, request.POST, request.POST.get("page"))
        context["oob_badge"] = True
        return render(request, "itsm/partials/notification_list.html", context)
    return redirect(_inbox_url(request.POST.get("page", ""), context["filter_query"]))


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to what it is about (only to a link on this site)."""
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.url)
    return redirect("notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """Per kind: the inbox on or off, and email at once, in the daily digest or not."""
    preferences = selectors.notification_preferences_of(request.user)
    data = request.POST if request.method == "POST" else None
    form = NotificationPreferencesForm(data, preferences=preferences)
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_set(
            user=request.user, channels_by_event=form.channels_by_event()
        )
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notification-preferences")
    return render(request, "itsm/notification_preferences.html", {"form": form})
