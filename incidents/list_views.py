"""The finding pages: the navigation's search (a number opens the incident, text lists the
matches) and the all-incidents list with its filters, sort, saved views and CSV export.

Views read through ``incidents.search``, ``incidents.listing`` and the selectors and write
only through the saved-view services.
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from incidents import listing, rules, search, selectors, services
from incidents.choices import Nature, Source, Status
from incidents.exceptions import ActionForbidden
from incidents.filters import ListFilterSet
from itsm.http import forbidden
from itsm.pagination import PAGE_SIZE, SlicePage, page_number, slice_page
from itsm.people import person_name

# How often the list asks for itself again (htmx polling, milliseconds are htmx's "30s").
REFRESH_SECONDS = 30


# --- the search ----------------------------------------------------------------------------------


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """``?q=``: a number the user may see opens its incident; other text lists the incidents
    the user may see that contain it, newest first."""
    user = request.user
    query = search.parse(request.GET.get("q", ""))
    found = search.number_match(user, query)
    if found is not None:
        return redirect("incidents:detail", number=found.number)
    context = {"query": query, "page": None, "rows": [], "missing_number": None}
    if query.numbers and search.FULL_NUMBER.match(query.text):
        context["missing_number"] = query.numbers[0]
    if not query.too_short and not context["missing_number"]:
        number = page_number(request.GET.get("page"))
        rows = search.search_page(user, query, number, PAGE_SIZE)
        page = SlicePage(rows, number, PAGE_SIZE, request.GET)
        context["page"] = page
        context["rows"] = selectors.with_relations(page)
    if request.htmx and not request.htmx.boosted:
        return render(request, "incidents/partials/search_results.html", context)
    return render(request, "incidents/search.html", context)


# --- the all-incidents list ----------------------------------------------------------------------


def _list_state(request: HttpRequest, *, wanted: int | None = None):
    """The filtered, sorted queryset of the list and its filter set. ``wanted``: only that
    many first rows will be read (a page); a text filter then looks for just that many
    matches (``search.first_matches``) instead of gathering every one."""
    user = request.user
    filterset = ListFilterSet.for_list(
        request.GET or None,
        listing.all_incidents(user),
        request=request,
        sections=listing.filter_sections(),
        people=listing.filter_people(),
    )
    filterset.defer_text = wanted is not None
    sort = listing.sort_of(request.GET.get("sort"))
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    if filterset.is_bound and not filterset.is_valid():
        return filterset, sort, listing.ordered(qs.none(), sort)
    qs = listing.ordered(qs, sort)
    if filterset.deferred_text:
        qs = search.first_matches(qs, user, filterset.deferred_text, wanted)
    return filterset, sort, qs


def _sort_links(request: HttpRequest, sort: str) -> dict:
    """Per sortable column: the URL that sorts by it (reversing when it is the current
    sort) and the current direction, if any."""
    links = {}
    for key in listing.SORTS:
        params = request.GET.copy()
        params.pop("page", None)
        current = sort.lstrip("-") == key
        params["sort"] = f"-{key}" if current and not sort.startswith("-") else key
        direction = ("desc" if sort.startswith("-") else "asc") if current else ""
        links[key] = {"url": f"?{params.urlencode()}", "direction": direction}
    return links


@login_required
@require_GET
def all_list(request: HttpRequest) -> HttpResponse:
    """Every incident the user may see, filtered by the shared FilterSet (in the URL),
    sorted by a column, a page at a time; refreshes itself while open."""
    user = request.user
    if not rules.may_list_all(user):
        return forbidden(request)
    size = listing.page_size_of(request.GET.get("page_size"))
    wanted = page_number(request.GET.get("page")) * size + 1
    filterset, sort, qs = _list_state(request, wanted=wanted)
    page = slice_page(qs, request, size=size)
    rows = selectors.with_relations(page)
    selectors.with_countdowns(rows)
    query = listing.view_query(request.GET)
    context = {
        "filterset": filterset,
        "page": page,
        "rows": rows,
        "sort": sort,
        "sorts": _sort_links(request, sort),
        "page_size": size,
        "page_sizes": listing.PAGE_SIZES,
        "now": timezone.now(),
        "query": query,
        "export_url": reverse("incidents:all_export") + (f"?{query}" if query else ""),
        "export_limit": listing.EXPORT_LIMIT,
        "refresh_seconds": REFRESH_SECONDS,
        "builtin_views": listing.builtin_views(user),
        "saved_views": listing.saved_views_for(user),
        "may_share": rules.may_share_view(user),
        "user": user,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "incidents/partials/all_list.html", context)
    return render(request, "incidents/all.html", context)


CSV_COLUMNS = (
    _("Number"),
    _("Title"),
    _("Priority"),
    _("Status"),
    _("Section"),
    _("Assignee"),
    _("Owner"),
    _("Category"),
    _("Nature"),
    _("Source"),
    _("Created"),
    _("Changed"),
    _("Nearest deadline"),
)


def _when(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


def _csv_row(incident) -> list[str]:
    natures, sources, statuses = dict(Nature.choices), dict(Source.choices), dict(Status.choices)
    category = incident.category
    return [
        incident.number,
        incident.title,
        incident.priority,
        str(statuses.get(incident.status, incident.status)),
        str(incident.department.name) if incident.department else "",
        person_name(incident.assignee),
        person_name(incident.owner),
        str(category.name) if category else "",
        str(natures.get(incident.nature, incident.nature)),
        str(sources.get(incident.source, incident.source)),
        _when(incident.created_at),
        _when(incident.updated_at),
        _when(incident.next_deadline_at),
    ]


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def all_export(request: HttpRequest) -> HttpResponse:
    """The list as shown (same filters and sort), every page up to ``EXPORT_LIMIT`` rows, as
    a streamed CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read Chinese)."""
    user = request.user
    if not rules.may_list_all(user):
        return forbidden(request)
    _filterset, _sort, qs = _list_state(request)
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([str(label) for label in CSV_COLUMNS])
        for incident in listing.export_rows(qs):
            yield writer.writerow(_csv_row(incident))

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="incidents-{stamp}.csv"'
    return response


# --- saved views ---------------------------------------------------------------------------------


@login_required
@require_POST
def view_save(request: HttpRequest) -> HttpResponse:
    """Save the list's current filters under a name (shared, for the incident manager)."""
    user = request.user
    if not rules.may_list_all(user):
        return forbidden(request)
    query = request.POST.get("query", "")
    try:
        view = services.saved_view_save(
            by=user,
            name=request.POST.get("name", ""),
            query=query,
            shared=request.POST.get("shared") == "on",
        )
    except ActionForbidden:
        return forbidden(request)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
        return redirect(reverse("incidents:all") + (f"?{query}" if query else ""))
    messages.success(request, gettext("View “%(name)s” saved.") % {"name": view.name})
    return redirect(reverse("incidents:all") + (f"?{view.query}" if view.query else ""))


@login_required
@require_POST
def view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not rules.may_list_all(user):
        return forbidden(request)
    view = listing.saved_view_for(user, pk)
    if view is None:
        raise Http404
    try:
        services.saved_view_delete(view=view, by=user)
    except ActionForbidden:
        return forbidden(request)
    messages.success(request, gettext("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("incidents:all")
