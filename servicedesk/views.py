"""Service-desk pages: the desk console (log, dispatch, call back) and the requester portal
(my requests, report a problem). Reads through the selectors (the desk's and the incidents'),
writes through ``servicedesk.services``."""

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
from incidents.choices import Status
from incidents.exceptions import ActionForbidden, TransitionNotAllowed
from itsm.forms import apply_service_errors
from itsm.http import forbidden
from itsm.pagination import slice_page
from itsm.roles import CONSOLE_ROLES, PORTAL_ROLES, has_any_role
from servicedesk import selectors as desk_selectors
from servicedesk import services
from servicedesk.forms import IncidentLogForm, PortalReportForm


def _done(request: HttpRequest, message: str, incident) -> HttpResponse:
    """After a successful write: say what was done, on the incident's page."""
    messages.success(request, message)
    target = reverse("incidents:detail", args=[incident.number])
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


def _created(request: HttpRequest, incident) -> HttpResponse:
    if incident.status == Status.CLOSED:
        text = gettext("Incident %(number)s is logged, resolved at first contact and closed.")
    elif incident.status == Status.RESOLVED:
        text = gettext("Incident %(number)s is logged and resolved at first contact.")
    else:
        text = gettext("Incident %(number)s is logged.")
    return _done(request, text % {"number": incident.number}, incident)


def _written(form, write):
    """``write(form)`` if the form is valid; the service's refusal put on the form (None)."""
    if not form.is_valid():
        return None
    try:
        return write(form)
    except ValidationError as exc:
        apply_service_errors(form, exc)
    except (ActionForbidden, TransitionNotAllowed) as exc:
        form.add_error(None, str(exc))
    return None


def _target(request: HttpRequest, form, *, own_only: bool = False):
    """The open incident a hint's button names (``incident``), else an error on the form."""
    number = request.POST.get("incident", "").strip()
    incident = desk_selectors.open_incident_for(request.user, number, own_only=own_only)
    if incident is None:
        form.add_error(
            None, gettext("%(number)s is not an open incident you may see.") % {"number": number}
        )
    return incident


# --- the desk console ------------------------------------------------------------------------


def _desk_rows(request: HttpRequest):
    page = slice_page(selectors.desk_queue(request.user), request, "page")
    # No form object per row: the dispatch form is written from the incident (its version
    # and routed section) and the page's section choices (incidents/partials/dispatch_form.html).
    return page, desk_selectors.desk_rows(page, request.user)


def _dispatch_choices() -> list:
    """The sections every row's dispatch form offers, built once per page from the section
    cache (the rows' forms never read their own choices)."""
    empty = incident_forms.DispatchForm.base_fields["department"].empty_label
    return [("", empty), *selectors.dispatch_section_choices()]


def _console_context(request: HttpRequest, form: IncidentLogForm) -> dict:
    desk_page, desk_rows = _desk_rows(request)
    awaiting_page = slice_page(selectors.awaiting_confirmation(request.user), request, "rpage")
    selectors.with_relations(awaiting_page)
    return {
        "form": form,
        "desk_page": desk_page,
        "desk_rows": desk_rows,
        "dispatch_choices": _dispatch_choices(),
        "awaiting_page": awaiting_page,
        "next": request.get_full_path(),
        "now": timezone.now(),
    }


@login_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    """The desk console: log an incident, dispatch the desk's queue, call back resolved ones."""
    if not has_any_role(request.user, CONSOLE_ROLES):
        return forbidden(request)
    context = _console_context(request, IncidentLogForm())
    target = request.htmx.target if request.htmx else None
    if target == "desk-queue":
        return render(request, "servicedesk/partials/desk_queue.html", context)
    if target == "awaiting-list":
        return render(request, "servicedesk/partials/awaiting_list.html", context)
    return render(request, "servicedesk/console.html", context)


@login_required
@require_POST
def console_log(request: HttpRequest) -> HttpResponse:
    """Log an incident from the console form (IM1)."""
    user = request.user
    if not has_any_role(user, CONSOLE_ROLES):
        return forbidden(request)
    form = IncidentLogForm(request.POST)
    incident = _written(form, lambda f: services.desk_incident_log(by=user, **f.cleaned_data))
    if incident is not None:
        return _created(request, incident)
    return _log_form_again(request, form)


def _log_form_again(request: HttpRequest, form: IncidentLogForm) -> HttpResponse:
    if request.htmx:
        return render(request, "servicedesk/partials/log_form.html", {"form": form}, status=400)
    return render(request, "servicedesk/console.html", _console_context(request, form), status=400)


@login_required
@require_POST
def console_duplicate(request: HttpRequest) -> HttpResponse:
    """A hint's "link as duplicate": the call is kept as a cancelled duplicate of the open
    incident the hint named."""
    user = request.user
    if not has_any_role(user, CONSOLE_ROLES):
        return forbidden(request)
    form = IncidentLogForm(request.POST)
    original = _target(request, form)
    if original is not None:
        duplicate = _written(
            form,
            lambda f: services.desk_call_log_duplicate(by=user, duplicate_of=original, **f.call()),
        )
        if duplicate is not None:
            text = gettext("The call is recorded as %(new)s, a duplicate of %(number)s.") % {
                "new": duplicate.number,
                "number": original.number,
            }
            return _done(request, text, original)
    return _log_form_again(request, form)


@login_required
@require_POST
def console_add_to(request: HttpRequest) -> HttpResponse:
    """A hint's "add as follow-up": the call becomes a note on the open incident the hint
    named, and no new incident is logged."""
    user = request.user
    if not has_any_role(user, CONSOLE_ROLES):
        return forbidden(request)
    form = IncidentLogForm(request.POST)
    original = _target(request, form)
    if original is not None:
        comment = _written(
            form,
            lambda f: services.desk_call_add_to(by=user, incident=original, **_call_note_fields(f)),
        )
        if comment is not None:
            text = gettext("The call is added to %(number)s; no new incident was logged.")
            return _done(request, text % {"number": original.number}, original)
    return _log_form_again(request, form)


def _call_note_fields(form) -> dict:
    data = form.cleaned_data
    names = ("title", "description", "source", "requester", "contact_name", "contact_phone")
    return {name: data[name] for name in names}


@login_required
@require_GET
def console_hints(request: HttpRequest) -> HttpResponse:
    """What the log form shows while the agent types: priority, routing, possible duplicates."""
    if not has_any_role(request.user, CONSOLE_ROLES):
        return forbidden(request)
    typed = _typed(request.GET, with_requester=True)
    context = _hints_context(request.user, typed, own_only=False)
    return render(request, "servicedesk/partials/intake_hints.html", context)


# --- the live hints of the log and report forms ---------------------------------------------------


def _level(value) -> int:
    """An impact or urgency as typed; the form's default (3, low) when it is not 1–3."""
    return int(value) if value in ("1", "2", "3") else 3


def _typed(data, *, with_requester: bool) -> dict:
    """What the form holds so far, read leniently: the hints follow the typing and never
    refuse it (the form's own validation does that on submit)."""
    category_id = data.get("category", "")
    category = selectors.categories_by_id().get(int(category_id)) if category_id.isdigit() else None
    username = data.get("requester", "").strip() if with_requester else ""
    return {
        "title": data.get("title", "")[:200],
        "category": category,
        "impact": _level(data.get("impact")),
        "urgency": _level(data.get("urgency")),
        "location": data.get("location", "")[:100],
        "configuration_item": data.get("configuration_item", "")[:200],
        "phone": data.get("contact_phone", "")[:40],
        "requester": desk_selectors.caller_account(username),
    }


def _hints_context(user, typed: dict, *, own_only: bool) -> dict:
    proposal = desk_selectors.intake_proposal(
        category=typed["category"],
        impact=typed["impact"],
        urgency=typed["urgency"],
        location=typed["location"],
        configuration_item=typed["configuration_item"],
    )
    duplicates = desk_selectors.duplicate_hints(
        user,
        title=typed["title"],
        requester=typed["requester"],
        phone=typed["phone"],
        configuration_item=typed["configuration_item"],
        own_only=own_only,
    )
    return {"proposal": proposal, "duplicates": duplicates, "portal": own_only}


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
    form = PortalReportForm(request.POST, request.FILES)
    incident = _written(form, lambda f: services.portal_incident_report(by=user, **f.cleaned_data))
    if incident is not None:
        return _created(request, incident)
    return _report_form_again(request, form)


@login_required
@require_POST
def portal_add_to(request: HttpRequest) -> HttpResponse:
    """A hint's "add to this request": the report becomes the requester's comment (and file)
    on their own open incident."""
    user = request.user
    if not has_any_role(user, PORTAL_ROLES):
        return forbidden(request)
    form = PortalReportForm(request.POST, request.FILES)
    original = _target(request, form, own_only=True)
    if original is not None:
        comment = _written(
            form,
            lambda f: services.portal_report_add_to(
                by=user,
                incident=original,
                title=f.cleaned_data["title"],
                description=f.cleaned_data["description"],
                file=f.cleaned_data["file"],
            ),
        )
        if comment is not None:
            text = gettext("Your report is added to %(number)s.")
            return _done(request, text % {"number": original.number}, original)
    return _report_form_again(request, form)


@login_required
@require_GET
def portal_hints(request: HttpRequest) -> HttpResponse:
    """What the report form shows while the requester types: priority, routing, and their
    own open incidents that look the same."""
    if not has_any_role(request.user, PORTAL_ROLES):
        return forbidden(request)
    typed = _typed(request.GET, with_requester=False)
    context = _hints_context(request.user, typed, own_only=True)
    return render(request, "servicedesk/partials/intake_hints.html", context)


def _report_form_again(request: HttpRequest, form: PortalReportForm) -> HttpResponse:
    if request.htmx:
        return render(request, "servicedesk/partials/report_form.html", {"form": form}, status=400)
    return render(request, "servicedesk/report.html", {"form": form}, status=400)
