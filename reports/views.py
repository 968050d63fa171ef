"""The report pages: the manager's overview, the section, desk and workload views, the
drill-down to the incidents behind a figure, and the exports of every table.

Each page reads the period and filters from the URL (``KpiFilterForm``), the reader's scope
from ``reports.scopes`` (who sees what), and the figures from ``reports.kpis``."""

import dataclasses
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from incidents import selectors as incident_selectors
from itsm.http import forbidden
from itsm.pagination import slice_page
from reports import dashboard, drilldown, exports, tables
from reports.filters import KpiFilterForm
from reports.kpis import KPI_NAMES, kpi_incidents, kpis_compute
from reports.scopes import report_scope

VIEWS = ("overview", "section", "desk", "workload")
VIEW_URLS = {
    "overview": "reports:dashboard",
    "section": "reports:section",
    "desk": "reports:desk",
    "workload": "reports:workload",
}
FORMATS = ("csv", "xlsx")
DESK_NAMES = ["volume", "first_contact_resolution", "mtta", "reopen", "satisfaction", "backlog"]


def report_page(view: str | None):
    """Sign-in, GET only, and the reader's scope: a ``PermissionDenied`` (no role that reads
    reports, or not this view) answers the product's 403 page with its reason."""

    def decorate(func):
        @login_required
        @require_GET
        @wraps(func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                scope = report_scope(request.user)
                if view and view not in scope.views:
                    raise PermissionDenied(_view_denied(view))
                return func(request, scope, *args, **kwargs)
            except PermissionDenied as exc:
                return forbidden(request, reason=str(exc) if exc.args else "")

        return wrapper

    return decorate


def _view_denied(view: str) -> str:
    return {
        "overview": _("The overview is for directors, the incident manager and the desk manager."),
        "section": _("The section view is for section leads, directors and the incident manager."),
        "desk": _("The desk view is for the desk manager, directors and the incident manager."),
        "workload": _("The workload view is for technicians and the people who lead them."),
    }[view]


def _menu(scope, current: str) -> list[dict]:
    labels = {
        "overview": _("Overview"),
        "section": _("Section"),
        "desk": _("Service desk"),
        "workload": _("Workload"),
    }
    return [
        {"key": v, "label": labels[v], "url": reverse(VIEW_URLS[v]), "active": v == current}
        for v in VIEWS
        if v in scope.views
    ]


def _form(request: HttpRequest, scope):
    """The filters from the URL (this month when none is given), with the sections and
    categories offered by name."""
    data = request.GET.copy()
    if not any(data.get(k) for k in ("period", "from", "to")):
        data["period"] = "month"
    form = KpiFilterForm(data)
    drilldown.name_choices(form, scope)
    if not form.is_valid():
        return form, None
    return form, form.filters()


def _base(request, scope, view: str, form, filters, **extra) -> dict:
    query = request.GET.urlencode()
    return {
        "view": view,
        "menu": _menu(scope, view),
        "form": form,
        "filters": filters,
        "query": query,
        **extra,
    }


def _render(request, template, context, form):
    view, query = context.get("view"), context.get("query", "")
    for table in context.get("tables") or ():
        if view in VIEWS:
            table.exports = {
                fmt: f"{reverse('reports:export', args=[view, table.key, fmt])}?{query}"
                for fmt in FORMATS
            }
    return render(request, template, context, status=200 if form.is_valid() else 400)


# --- the views --------------------------------------------------------------------------------


@report_page(None)
def overview(request: HttpRequest, scope) -> HttpResponse:
    """The manager's overview; readers without it land on the first view they have."""
    if "overview" not in scope.views:
        first = next((v for v in VIEWS if v in scope.views), None)
        if first is None:
            raise PermissionDenied(_view_denied("overview"))
        target = reverse(VIEW_URLS[first])
        return redirect(f"{target}?{request.GET.urlencode()}" if request.GET else target)
    form, filters = _form(request, scope)
    context = _base(request, scope, "overview", form, filters)
    if filters is not None:
        context.update(_overview_parts(filters, scope, "overview"))
    return _render(request, "reports/overview.html", context, form)


def _overview_parts(filters, scope, view: str) -> dict:
    drill = dashboard.drill_for(filters, view)
    now, before = dashboard.compare(filters, scope)
    share = tables.share_table(now, drill)
    return {
        "kpis": now,
        "tiles": dashboard.build_tiles(now, before, drill),
        "summary_exports": _summary_exports(view, filters),
        "trends": dashboard.trend_charts(filters, scope, view),
        # No chart while no section has recorded handling time (the table says so).
        "share_chart": dashboard.share_chart(share)
        if any(r[1].value for r in share.rows)
        else None,
        "tables": view_tables(view, now, drill),
    }


def _summary_exports(view: str, filters) -> dict:
    query = urlencode({k: v for k, v in filters.query().items() if v})
    return {
        fmt: f"{reverse('reports:export', args=[view, 'summary', fmt])}?{query}" for fmt in FORMATS
    }


def view_tables(view: str, kpis: dict, drill) -> list[tables.Table]:
    """The tables a view shows, which its exports also write."""
    if view == "workload":
        return [tables.workload_table(kpis, drill, _("Workload"))]
    listed = [
        tables.ola_table(kpis, drill),
        tables.kicking_table(kpis, drill),
        tables.share_table(kpis, drill),
        tables.backlog_table(kpis, drill),
        tables.delay_table(kpis, drill),
        tables.escalation_table(kpis, drill),
        tables.satisfaction_table(kpis, drill),
        *tables.volume_tables(kpis, drill),
    ]
    if view == "section":
        listed.append(tables.workload_table(kpis, drill))
    return listed


def _section_filters(filters, scope):
    """A lead's view is their own section (the first one if they lead several and chose none
    of theirs); a reader of everything chooses it in the form."""
    chosen = filters.department
    if scope.everything:
        return filters if chosen else None
    if chosen is None or chosen.pk not in scope.department_ids:
        chosen = drilldown.lead_section(scope.department_ids)
        if chosen is None:
            raise PermissionDenied(_view_denied("section"))
    return dataclasses.replace(filters, department=chosen)


@report_page("section")
def section(request: HttpRequest, scope) -> HttpResponse:
    form, filters = _form(request, scope)
    context = _base(request, scope, "section", form, filters)
    if filters is not None:
        filters = _section_filters(filters, scope)
        context["filters"] = filters
        if filters is not None:
            context.update(_overview_parts(filters, scope, "section"))
    return _render(request, "reports/section.html", context, form)


@report_page("desk")
def desk(request: HttpRequest, scope) -> HttpResponse:
    form, filters = _form(request, scope)
    context = _base(request, scope, "desk", form, filters)
    if filters is not None:
        context.update(_desk_parts(request, filters, scope))
    return _render(request, "reports/desk.html", context, form)


def _desk_parts(request, filters, scope) -> dict:
    """Every contact comes through the desk: its figures (volume by channel, first-contact
    resolution, reopens, satisfaction) are over all incidents of the filters; the workload
    table is the desk section's people."""
    drill = dashboard.drill_for(filters, "desk")
    now, before = dashboard.compare(filters, scope, names=DESK_NAMES)
    callbacks = drilldown.callback_queue(request.user)
    callbacks["oldest_human"] = tables.fmt_duration(callbacks["oldest_seconds"])
    return {
        "kpis": now,
        "tiles": dashboard.build_tiles(now, before, drill),
        "summary_exports": _summary_exports("desk", filters),
        "tables": _desk_tables(filters, scope, now),
        "callbacks": callbacks,
    }


def _desk_tables(filters, scope, now: dict) -> list[tables.Table]:
    """Volume by channel over every incident; the desk's people and what they logged and
    resolved at first contact (agents are rarely assignees, so not the assignee workload)."""
    by_source = tables.volume_tables(now, dashboard.drill_for(filters, "desk"))[1]
    return [by_source, tables.agents_table(drilldown.desk_agents(filters, scope))]


@report_page("workload")
def workload(request: HttpRequest, scope) -> HttpResponse:
    form, filters = _form(request, scope)
    context = _base(request, scope, "workload", form, filters)
    if filters is not None:
        drill = dashboard.drill_for(filters, "workload")
        now = kpis_compute(filters, scope, names=["workload"])
        context["tables"] = view_tables("workload", now, drill)
        context["kpis"] = now
        if scope.own_user_id is not None:
            mine = incident_selectors.my_queue(request.user)
            context["page"] = slice_page(mine, request)
            incident_selectors.with_relations(context["page"].object_list)
    return _render(request, "reports/workload.html", context, form)


# --- drill-down and exports -------------------------------------------------------------------


def _drill_args(request, name: str):
    """The figure's name, part and key (``kpi_incidents`` checks the part and the key)."""
    if name not in KPI_NAMES:
        raise Http404
    return request.GET.get("part") or "numerator", request.GET.get("key", "")


def _drill_queryset(name, filters, scope, part, key):
    """The incidents behind the figure, or the errors of its part and key."""
    try:
        return kpi_incidents(name, filters, scope, part=part, key=key), []
    except KeyError as exc:  # a figure this reader has no access to
        raise PermissionDenied(_("This figure is not part of your reports.")) from exc
    except ValidationError as exc:
        return None, [str(m) for messages in exc.message_dict.values() for m in messages]


@report_page(None)
def incidents(request: HttpRequest, scope, name: str) -> HttpResponse:
    """The incidents behind a figure, a page at a time, with the names of things."""
    part, key = _drill_args(request, name)
    form, filters = _form(request, scope)
    context = _base(request, scope, request.GET.get("view", ""), form, filters)
    context.update({"name": name, "part": part, "key": key})
    context["figure"] = drilldown.figure_label(name, part, key)
    context["hidden_fields"] = [(k, v) for k, v in (("part", part), ("key", key)) if v] + (
        [("view", context["view"])] if context["view"] in VIEWS else []
    )
    if filters is not None:
        query = request.GET.copy()
        query.pop("page", None)
        context["exports"] = {
            fmt: f"{reverse('reports:incidents-export', args=[name, fmt])}?{query.urlencode()}"
            for fmt in FORMATS
        }
        if context["view"] in VIEWS:
            back = {k: v for k, v in filters.query().items() if v}
            context["back_url"] = f"{reverse(VIEW_URLS[context['view']])}?{urlencode(back)}"
    qs, errors = _drill_queryset(name, filters, scope, part, key) if filters else (None, [])
    if qs is not None:
        page = slice_page(qs.order_by("-created_at", "-id"), request)
        context["page"] = page
        context["rows"] = drilldown.incident_rows(page.object_list)
    context["drill_errors"] = errors
    status = 400 if errors or not form.is_valid() else 200
    return render(request, "reports/incidents.html", context, status=status)


@report_page(None)
def incidents_export(request: HttpRequest, scope, name: str, fmt: str) -> HttpResponse:
    part, key = _drill_args(request, name)
    if fmt not in FORMATS:
        raise Http404
    form, filters = _form(request, scope)
    if filters is None:
        return _render(request, "reports/incidents.html", {"form": form}, form)
    qs, errors = _drill_queryset(name, filters, scope, part, key)
    if qs is None:
        context = {"form": form, "drill_errors": errors}
        return render(request, "reports/incidents.html", context, status=400)
    qs = qs.order_by("-created_at", "-id")
    title = drilldown.figure_label(name, part, key)
    filename = f"{name}-{filters.date_from}-{filters.date_to}"
    return exports.export_response(
        fmt, filename, title, drilldown.EXPORT_COLUMNS(), drilldown.export_rows(qs)
    )


@report_page(None)
def table_export(request: HttpRequest, scope, view: str, table: str, fmt: str) -> HttpResponse:
    """One table of a view, as CSV or XLSX: the cells the page shows."""
    if view not in VIEWS or fmt not in FORMATS:
        raise Http404
    if view not in scope.views:
        raise PermissionDenied(_view_denied(view))
    form, filters = _form(request, scope)
    if filters is None:
        return _render(request, "reports/overview.html", {"form": form}, form)
    if view == "section":
        filters = _section_filters(filters, scope)
        if filters is None:
            raise Http404
    drill = dashboard.drill_for(filters, view)
    found = _export_table(view, table, filters, scope, drill)
    filename = f"{table}-{filters.date_from}-{filters.date_to}"
    return exports.export_response(fmt, filename, found.title, found.columns, found.export_rows())


def _export_table(view, table, filters, scope, drill) -> tables.Table:
    names = DESK_NAMES if view == "desk" else None
    if table == "summary":
        now, before = dashboard.compare(filters, scope, names=names)
        return dashboard.tiles_table(dashboard.build_tiles(now, before, drill))
    now = kpis_compute(filters, scope, names=names)
    found_tables = _desk_tables(filters, scope, now) if view == "desk" else None
    for found in found_tables or view_tables(view, now, drill):
        if found.key == table:
            return found
    raise Http404
