"""The section queue page: its tabs and filters, its bulk actions (claim several, a lead
assigns several) with a result per row, its self-refresh; and the assignment forms' member
choices that follow the chosen section.

Each row of a bulk action goes through the one entry point, in its own transaction
(``services.incidents_bulk_act``): a refused row undoes nothing done to the others, and the
answer says, row by row, what was done and why the rest was refused."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from incidents import actions, forms, rules, selectors, services
from incidents.choices import Status
from incidents.exceptions import StaleIncident, TransitionNotAllowed
from incidents.filters import IncidentFilterSet
from incidents.models import Incident
from itsm.forms import options_html
from itsm.http import forbidden
from itsm.models import Department
from itsm.pagination import slice_page
from itsm.people import person_name
from itsm.roles import QUEUE_ROLES, WORKING_ROLES, Role, has_any_role
from itsm.selectors import departments_by_id

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


def queue_context(request: HttpRequest) -> dict:
    """The queue page's list (the tab and filters of the query string) and its bulk bar."""
    user = request.user
    tab = request.GET.get("tab", "unassigned")
    if tab not in dict(QUEUE_TABS):
        tab = "unassigned"
    filterset = IncidentFilterSet.for_page(request.GET or None, queryset=_queue_for(user, tab))
    page = slice_page(filterset.qs, request)
    selectors.with_relations(page)
    selectors.with_countdowns(page)
    return {
        "tabs": QUEUE_TABS,
        "tab": tab,
        "filterset": filterset,
        "page": page,
        "rows": queue_rows(page, user),
        "now": timezone.now(),
        **queue_bulk_context(user),
    }


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The section queue: unassigned, mine, all open — nearest deadline first, filtered; rows
    to claim or (a lead) assign several at once; the list refreshes itself."""
    if not has_any_role(request.user, QUEUE_ROLES):
        return forbidden(request)
    context = queue_context(request)
    if request.htmx and not request.htmx.boosted:
        return render(request, "incidents/partials/queue_list.html", context)
    return render(request, "incidents/queue.html", context)


def led_sections(user) -> list[int]:
    """The ids of the sections the user leads."""
    return sorted(d for d, role in rules.section_roles(user).items() if role == Role.SECTION_LEAD)


def queue_rows(page, user) -> list[dict]:
    """The queue's rows: whether the user may claim each, and whether it can be picked for a
    bulk action (claimable, or held by a section the user leads)."""
    led = set(led_sections(user))
    rows = []
    for incident in page:
        claim = rules.can_claim(incident, user)
        lead = incident.department_id in led and not incident.in_dispute
        rows.append({"incident": incident, "claim": claim, "pick": claim or lead})
    return rows


def bulk_members(user) -> list:
    """The assign-to choices of a lead's bulk bar: the on-duty members of the sections they
    lead, grouped by section, each with their load."""
    members = selectors.members_with_load(led_sections(user))
    groups: dict[str, list] = {}
    for row in members:
        groups.setdefault(row["department"].name, []).append(row)
    return [(name, forms.member_choices(rows)) for name, rows in groups.items()]


def queue_bulk_context(user) -> dict:
    """What the queue page adds for its bulk bar and its self-refresh."""
    members = bulk_members(user)
    return {
        "bulk_assign": bool(members),
        "bulk_options": options_html([("", gettext("— choose —")), *members], set()),
        "refresh_seconds": settings.LIST_REFRESH_SECONDS,
    }


def _refusal(exc: Exception, action: str) -> str:
    """Why one row was refused, in the user's language."""
    label = actions.label_of(action)
    if isinstance(exc, Incident.DoesNotExist):
        return gettext("No such incident that you may see.")
    if isinstance(exc, StaleIncident):
        return gettext("Someone changed it after the list was shown: nothing was done.")
    if isinstance(exc, TransitionNotAllowed):
        status = dict(Status.choices).get(exc.status, exc.status)
        return gettext("“%(action)s” is not possible while the incident is “%(status)s”.") % {
            "action": label,
            "status": status,
        }
    if isinstance(exc, PermissionDenied):
        generic = gettext("You may not %(action)s this incident.") % {"action": action}
        if str(exc) and str(exc) != generic:
            return str(exc)
        return gettext("You may not do “%(action)s” on this incident.") % {"action": label}
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)


def _done(outcome, action: str) -> str:
    incident = outcome.incident
    if action == "accept":
        return gettext("Claimed: it is yours now.")
    return gettext("Assigned to %(name)s.") % {"name": person_name(incident.assignee)}


@login_required
@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    """Claim or assign the picked rows; answer the results (and, for htmx, the refreshed list
    out of band). The list keeps the filters of the query string."""
    user = request.user
    if not has_any_role(user, QUEUE_ROLES):
        return forbidden(request)
    members = bulk_members(user)
    member_ids = [value for _name, group in members for value, _label in group]
    form = forms.QueueBulkForm(request.POST, members=[(i, i) for i in member_ids])
    status, results, denied = 200, [], ""
    if request.POST.get("action") == "assign" and not members:
        denied = gettext(
            "Only a section lead assigns several incidents at once; ask the lead of your section."
        )
        status = 403
    elif form.is_valid():
        results = _bulk(user, form.cleaned_data)
    else:
        status = 400
    context = {
        "bulk_form": form if status == 400 else None,
        "denied": denied,
        "results": results,
        "done_count": sum(1 for r in results if r["done"]),
        "refused_count": sum(1 for r in results if not r["done"]),
    }
    context.update(queue_context(request))
    if request.htmx:
        return render(request, "incidents/partials/bulk_answer.html", context, status=status)
    return render(request, "incidents/queue.html", context, status=status)


def _bulk(user, data) -> list[dict]:
    action = data["action"]
    arguments = None
    if action == "assign":
        assignee = _person(data["assignee"])
        sections = departments_by_id()

        def arguments(incident):
            # Within the row's own section: a member of another section is refused there.
            return {"department": sections.get(incident.department_id), "assignee": assignee}

    outcomes = services.incidents_bulk_act(
        by=user, action=action, items=data["items"], arguments=arguments
    )
    return [
        {
            "number": o.number,
            "incident": o.incident,
            "done": o.done,
            "message": _done(o, action) if o.done else _refusal(o.error, action),
        }
        for o in outcomes
    ]


def _person(user_id: int):
    return get_user_model().objects.get(pk=user_id)


@login_required
@require_GET
def assignee_options(request: HttpRequest) -> HttpResponse:
    """The ``<option>`` elements of an assignment form's member select for the chosen section:
    its members on duty, with their load. The form checks the choice again on submit."""
    user = request.user
    if not has_any_role(user, WORKING_ROLES | QUEUE_ROLES):
        return forbidden(request)
    try:
        department = Department.objects.get(pk=int(request.GET.get("department", "")))
    except (ValueError, Department.DoesNotExist):
        department = None
    if department and has_any_role(user, {Role.VENDOR}) and not rules.works_in(user, department.pk):
        department = None  # an outsider sees the people of their own sections only
    members = selectors.members_with_load([department.pk]) if department else []
    empty = forms.AssignForm.base_fields["assignee"].empty_label
    return HttpResponse(options_html([("", empty), *forms.member_choices(members)], {""}))
