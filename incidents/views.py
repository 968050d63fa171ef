"""Incident pages (HTML): the section queue, the disputes page, an incident's detail page with
its action forms, and attachment downloads.

Views read through the selectors and write through one service call each; they never save a
model or set a status. Every incident is fetched through ``incident_for`` (404 when the user
may not see it).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from incidents import actions, forms, rules, selectors, services
from incidents.choices import EventKind, Status
from incidents.exceptions import ActionForbidden, StaleIncident, TransitionNotAllowed
from incidents.filters import IncidentFilterSet
from incidents.models import Incident
from itsm.forms import apply_service_errors, share_choices
from itsm.http import forbidden, safe_next
from itsm.pagination import slice_page
from itsm.roles import DISPUTE_ROLES, QUEUE_ROLES, has_any_role, is_staff


def incident_or_404(user, number: str) -> Incident:
    try:
        return selectors.incident_for(user, number)
    except Incident.DoesNotExist as exc:
        raise Http404 from exc


# --- the detail page -----------------------------------------------------------------------------


def _annotate_events(events) -> list:
    """Labels and details for the history, with sections, people and categories by their
    names (never a code or a username); what a requester may read of each event was set by
    ``selectors.events_shown``."""
    status_labels = dict(Status.choices)
    events = list(events)
    names = selectors.EventNames(events)
    rows = []
    for event in events:
        event.from_label = status_labels.get(event.from_status, event.from_status)
        event.to_label = status_labels.get(event.to_status, event.to_status)
        data = event.shown_data
        event.changes = [
            _change_shown(name, pair, names)
            for name, pair in (data.get("changes") or {}).items()
            if isinstance(pair, list | tuple) and len(pair) == 2
        ]
        details = []
        if data.get("department"):
            details.append(names.move(data))
        if data.get("assignee"):
            details.append(names.person(data["assignee"]))
        if event.kind == EventKind.ESCALATED and data.get("level") is not None:
            details.append(gettext("level %(level)s") % {"level": data["level"]})
        event.details = " · ".join(details)
        event.notified_list = [names.person(n) for n in event.shown_notified]
        rows.append(event)
    return rows


def _change_shown(name: str, pair, names) -> tuple[str, str, str]:
    """A field change as the page shows it: the field's label and each value's label (a
    choice's label, a category's name) rather than the stored code."""
    try:
        field = Incident._meta.get_field(name)
    except FieldDoesNotExist:  # a field that no longer exists: show what was recorded
        return (name, pair[0], pair[1])
    if name == "category":
        values = [names.categories.get(v, v) if v else v for v in pair]
    elif field.choices:
        labels = dict(field.flatchoices)
        values = [labels.get(v, v) for v in pair]
    else:
        values = list(pair)
    return (str(field.verbose_name), values[0], values[1])


def detail_context(request, incident, *, bound=None, alert=None, alert_level="danger") -> dict:
    """Everything the detail page shows; ``bound`` is (action name, form) to show with its
    errors instead of a fresh form."""
    user = request.user
    staff = is_staff(user)
    names = actions.offered(incident, user)
    if bound is not None and bound[0] not in names and actions.ACTIONS[bound[0]].placed:
        names.append(bound[0])
    action_forms = {}
    for name in names:
        spec = actions.ACTIONS[name]
        form = bound[1] if bound is not None and bound[0] == name else spec.new_form(incident, user)
        action_forms[name] = {
            "spec": spec,
            "name": name,
            "label": spec.label_for(incident, user),
            "form": form,
            "open": bool(form.is_bound and form.errors),
        }
    segments = list(selectors.segments_for(incident)) if staff else []
    return {
        "incident": incident,
        "staff": staff,
        "is_requester": rules.is_requester(incident, user),
        "actions": [item for item in action_forms.values() if not item["spec"].placed],
        "placed": {n: item for n, item in action_forms.items() if item["spec"].placed},
        "comments": selectors.comments_for(user, incident),
        "attachments": selectors.attachments_for(user, incident),
        "events": _annotate_events(
            selectors.events_shown(user, incident, selectors.events_for(user, incident))
        ),
        "segments": segments,
        "worklogs": list(selectors.worklogs_for(incident)) if staff else [],
        "links": list(selectors.links_for(incident)) if staff else [],
        "now": timezone.now(),
        "alert": alert,
        "alert_level": alert_level,
    }


@login_required
@require_GET
def detail(request: HttpRequest, number: str) -> HttpResponse:
    incident = incident_or_404(request.user, number)
    return render(request, "incidents/detail.html", detail_context(request, incident))


@login_required
@require_GET
def attachment_download(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """The file, only to a user who may see the incident and the attachment (404 otherwise)."""
    incident = incident_or_404(request.user, number)
    attachment = selectors.attachments_for(request.user, incident).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )


def _not_allowed_message(exc: TransitionNotAllowed) -> str:
    default = f"'{exc.action}' is not allowed while the incident is {exc.status}"
    if str(exc) != default:
        head = str(exc)
    else:
        status = dict(Status.choices).get(exc.status, exc.status)
        head = gettext("“%(action)s” is not possible while the incident is “%(status)s”.") % {
            "action": actions.label_of(exc.action),
            "status": status,
        }
    if exc.allowed:
        allowed = gettext(", ").join(str(actions.label_of(a)) for a in exc.allowed)
        return gettext("%(problem)s Possible now: %(actions)s.") % {
            "problem": head,
            "actions": allowed,
        }
    return gettext("%(problem)s No action is possible on it now.") % {"problem": head}


def _forbidden_message(exc: ActionForbidden, spec: actions.Action) -> str:
    message = str(exc)
    # The services' generic refusal names the action by its code; name it by its label.
    generic = gettext("You may not %(action)s this incident.") % {"action": spec.name}
    if not message or message == generic:
        return gettext("You may not do “%(action)s” on this incident.") % {"action": spec.label}
    return message


STALE_MESSAGE = _(
    "Someone changed this incident while you were looking at it, so nothing was done. "
    "Check its current state and try again."
)


@login_required
@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Take one action on the incident: validate the form, call the service, answer.

    Success: redirect (HX-Redirect for htmx) to ``next`` or the detail page, with a message.
    Errors: the form again with its errors — 400 bad input, 403 not allowed for the user,
    409 not possible in this state, 412 the incident changed since the form was shown.
    """
    user = request.user
    incident = incident_or_404(user, number)
    spec = actions.ACTIONS.get(action)
    if spec is None:
        raise Http404
    variant = request.POST.get("variant", "")
    form_class, fragment = spec.variants.get(variant, (spec.form, None))
    if fragment is None:
        variant = ""
        fragment = "incidents/partials/action_form.html"
    form = form_class(
        request.POST,
        request.FILES,
        auto_id=f"id_{action}_%s",
        **spec.form_kwargs(incident, user),
    )
    if form.is_valid():
        status, alert = _take(request, incident, spec, form)
        if status is None:
            messages.success(
                request,
                gettext("%(number)s: “%(action)s” done.")
                % {"number": incident.number, "action": spec.label_for(incident, user)},
            )
            target = safe_next(request) or reverse("incidents:detail", args=[incident.number])
            if request.htmx:
                return HttpResponseClientRedirect(target)
            return redirect(target)
    else:
        status, alert = 400, None
    if request.htmx:
        context = {
            "incident": incident,
            "item": {
                "spec": spec,
                "name": spec.name,
                "label": spec.label_for(incident, user),
                "form": form,
                "open": True,
            },
            "form": form,
            "variant": variant,
            "next": safe_next(request) or "",
            "stale": status == 412,
        }
        return render(request, fragment, context, status=status)
    if status == 400:
        alert = gettext("Please correct the errors shown in the form.")
    if status in (409, 412):
        # Show the incident as it is now.
        incident = incident_or_404(user, number)
    context = detail_context(request, incident, bound=(spec.name, form), alert=alert)
    return render(request, "incidents/detail.html", context, status=status)


def _take(request: HttpRequest, incident, spec, form) -> tuple[int | None, str | None]:
    """Call the action's service with the valid form's data; (None, None) when it was
    done, else the answer's status and the message the form shows (also put on it)."""
    data = form.cleaned_data
    try:
        services.incident_act(
            incident=incident,
            by=request.user,
            action=spec.name,
            expected_version=data.get("version"),
            **spec.arguments(data, request.user),
        )
    except StaleIncident as exc:
        form.add_error(None, STALE_MESSAGE)
        if not request.htmx:
            # The page shows the current incident: the user may resubmit knowingly.
            form.data = form.data.copy()
            form.data["version"] = str(exc.current_version)
        return 412, STALE_MESSAGE
    except TransitionNotAllowed as exc:
        alert = _not_allowed_message(exc)
        form.add_error(None, alert)
        return 409, alert
    except ActionForbidden as exc:
        alert = _forbidden_message(exc, spec)
        form.add_error(None, alert)
        return 403, alert
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return 400, None
    return None, None


# --- lists ---------------------------------------------------------------------------------------

QUEUE_TABS = (
    ("unassigned", _("Unassigned in my sections")),
    ("mine", _("Assigned to me")),
    ("open", _("All open in my sections")),
)


def _queue_for(user, tab: str):
    if tab == "mine":
        return selectors.my_queue(user)
    if tab == "open":
        return selectors.section_queue(user)
    return selectors.section_queue(user, unassigned_only=True)


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The section queue: unassigned, mine, all open — nearest deadline first, filtered."""
    user = request.user
    if not has_any_role(user, QUEUE_ROLES):
        return forbidden(request)
    tab = request.GET.get("tab", "unassigned")
    if tab not in dict(QUEUE_TABS):
        tab = "unassigned"
    filterset = IncidentFilterSet.for_page(request.GET or None, queryset=_queue_for(user, tab))
    page = slice_page(filterset.qs, request)
    selectors.with_relations(page)
    rows = [{"incident": inc, "claim": rules.can_claim(inc, user)} for inc in page]
    context = {
        "tabs": QUEUE_TABS,
        "tab": tab,
        "filterset": filterset,
        "page": page,
        "rows": rows,
        "now": timezone.now(),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "incidents/partials/queue_list.html", context)
    return render(request, "incidents/queue.html", context)


@login_required
@require_GET
def disputes(request: HttpRequest) -> HttpResponse:
    """Incidents bounced past the limit: their bounce history and a form to decide."""
    user = request.user
    if not has_any_role(user, DISPUTE_ROLES):
        return forbidden(request)
    page = slice_page(selectors.with_bounce_history(selectors.dispute_queue(user)), request)
    names = selectors.EventNames(e for inc in page for e in inc.bounce_events)
    rows = []
    for inc in page:
        for event in inc.bounce_events:
            event.sections_shown = (
                names.move(event.data or {}) if (event.data or {}).get("from_department") else ""
            )
        form = forms.DisputeAssignForm(
            initial={"version": inc.version}, auto_id=f"id_dispute_{inc.pk}_%s"
        )
        rows.append({"incident": inc, "form": form})
    share_choices([r["form"] for r in rows], ("department", "assignee"))
    context = {"page": page, "rows": rows, "next": request.get_full_path()}
    if request.htmx and not request.htmx.boosted:
        return render(request, "incidents/partials/dispute_list.html", context)
    return render(request, "incidents/disputes.html", context)
