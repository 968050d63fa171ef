"""Service-desk pages: the desk console (log, dispatch, call back) and the requester portal
(my requests, report a problem). Reads through the selectors (the desk's and the incidents'),
writes through ``servicedesk.services``."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from incidents import forms as incident_forms
from incidents import selectors
from itsm.forms import apply_service_errors
from itsm.http import forbidden
from itsm.pagination import slice_page
from itsm.roles import CONSOLE_ROLES, DESK_TEAM_ROLES, PORTAL_ROLES, has_any_role
from servicedesk import selectors as desk_selectors
from servicedesk import services
from servicedesk.forms import IncidentLogForm, PortalReportForm


def _created(request: HttpRequest, incident) -> HttpResponse:
    message = gettext("Incident %(number)s is logged.") % {"number": incident.number}
    messages.success(request, message)
    target = reverse("incidents:detail", args=[incident.number])
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


# --- the desk console ------------------------------------------------------------------------


def _desk_rows(request: HttpRequest):
    page = slice_page(selectors.desk_queue(request.user), request, "page")
    # No form object per row: the dispatch form is written from the incident (its version
    # and routed section) and the page's section choices (incidents/partials/dispatch_form.html);
    # a row that a section just returned gets the choices without that section.
    rows = desk_selectors.desk_rows(page, request.user)
    returning = selectors.returned_by(page)
    for row in rows:
        section = returning.get(row["incident"].pk)
        row["choices"] = _dispatch_choices(without=section) if section else None
    return page, rows


def _dispatch_choices(*, without: int | None = None) -> list:
    """The sections a row's dispatch form offers, built once per page from the section
    cache (the rows' forms never read their own choices)."""
    empty = incident_forms.DispatchForm.base_fields["department"].empty_label
    return [("", empty), *selectors.dispatch_section_choices(without=without)]


def _console_context(request: HttpRequest, form: IncidentLogForm, part: str | None = None) -> dict:
    """The console's lists; only the one ``part`` names when a list refreshes itself."""
    context = {
        "form": form,
        "dispatch_choices": _dispatch_choices(),
        "next": request.get_full_path(),
        "now": timezone.now(),
        "refresh_seconds": settings.LIST_REFRESH_SECONDS,
    }
    if part in (None, "desk-queue"):
        context["desk_page"], context["desk_rows"] = _desk_rows(request)
    shown = []
    if part in (None, "awaiting-list"):
        context["awaiting_page"] = slice_page(
            selectors.awaiting_confirmation(request.user), request, "rpage"
        )
        shown += context["awaiting_page"]
    if part in (None, "my-open"):
        context["mine_page"] = slice_page(selectors.owned_open(request.user), request, "mpage")
        shown += context["mine_page"]
    selectors.with_relations(shown)
    return context


CONSOLE_PARTS = {
    "desk-queue": "servicedesk/partials/desk_queue.html",
    "awaiting-list": "servicedesk/partials/awaiting_list.html",
    "my-open": "servicedesk/partials/my_open.html",
}


@login_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    """The desk console: log an incident, dispatch the desk's queue, call back resolved ones."""
    if not has_any_role(request.user, CONSOLE_ROLES):
        return forbidden(request)
    part = request.htmx.target if request.htmx and request.htmx.target in CONSOLE_PARTS else None
    context = _console_context(request, IncidentLogForm(), part)
    return render(request, CONSOLE_PARTS[part] if part else "servicedesk/console.html", context)


@login_required
@require_POST
def console_log(request: HttpRequest) -> HttpResponse:
    """Log an incident from the console form (IM1)."""
    user = request.user
    if not has_any_role(user, CONSOLE_ROLES):
        return forbidden(request)
    form = IncidentLogForm(request.POST)
    if form.is_valid():
        try:
            incident = services.desk_incident_log(by=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _created(request, incident)
    if request.htmx:
        return render(request, "servicedesk/partials/log_form.html", {"form": form}, status=400)
    return render(request, "servicedesk/console.html", _console_context(request, form), status=400)


# --- the desk manager's team view ------------------------------------------------------------


@login_required
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    """The desk's team: who owns what, and the resolutions waiting longest for confirmation."""
    if not has_any_role(request.user, DESK_TEAM_ROLES):
        return forbidden(request)
    waiting = slice_page(selectors.awaiting_confirmation(request.user), request)
    selectors.with_relations(waiting)
    context = {
        "team": desk_selectors.desk_team(),
        "waiting": waiting,
        "now": timezone.now(),
        "refresh_seconds": settings.LIST_REFRESH_SECONDS,
    }
    if request.htmx and request.htmx.target == "team-waiting":
        return render(request, "servicedesk/partials/team_waiting.html", context)
    return render(request, "servicedesk/team.html", context)


# --- the requester portal ---------------------------------------------------------------------


@login_required
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    """The requester's own incidents, newest first."""
    if not has_any_role(request.user, PORTAL_ROLES):
        return forbidden(request)
    page = slice_page(selectors.requester_incidents(request.user), request)
    context = {"page": page}
    if request.htmx and request.htmx.target == "my-requests":
        return render(request, "servicedesk/partials/my_requests.html", context)
    return render(request, "servicedesk/portal.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def portal_report(request: HttpRequest) -> HttpResponse:
    """Report a problem: the incident is logged from the web for the requester."""
    user = request.user
    if not has_any_role(user, PORTAL_ROLES):
        return forbidden(request)
    if request.method == "GET":
        return render(request, "servicedesk/report.html", {"form": PortalReportForm()})
    form = PortalReportForm(request.POST)
    if form.is_valid():
        try:
            incident = services.portal_incident_report(by=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _created(request, incident)
    if request.htmx:
        return render(request, "servicedesk/partials/report_form.html", {"form": form}, status=400)
    return render(request, "servicedesk/report.html", {"form": form}, status=400)
