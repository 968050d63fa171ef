"""Reads of the report pages besides the KPIs: the incidents behind a figure as rows with the
names of things (page and export), the desk section, the desk's call-back queue by age."""

from datetime import timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import selectors as incident_selectors
from incidents.choices import Nature, Priority, Source, Status
from itsm.forms import FastSelect
from itsm.models import DepartmentKind
from itsm.selectors import departments_by_id

EXPORT_CHUNK = 2000
CALLBACK_BUCKETS = (
    ("lt_1d", 0, 1),
    ("1_3d", 1, 3),
    ("3_7d", 3, 7),
    ("gt_7d", 7, None),
)


def person_name(last: str, first: str, username: str) -> str:
    """Surname then given name, as Chinese names are written (and as the API names people)."""
    return f"{last or ''}{first or ''}".strip() or username or ""


def desk_section():
    """The service desk's section (the first by code if there are several)."""
    desks = [d for d in departments_by_id().values() if d.kind == DepartmentKind.SERVICE_DESK]
    return min(desks, key=lambda d: d.code) if desks else None


def lead_section(department_ids):
    """The first of a lead's sections, by code."""
    found = [d for pk, d in departments_by_id().items() if pk in department_ids]
    return min(found, key=lambda d: d.code) if found else None


def name_choices(form, scope) -> None:
    """Sections and categories chosen by name in the filter form (their codes are the
    values, as in the URL and the API); a lead is offered only the sections they lead."""
    any_ = ("", _("Any"))
    sections = sorted(
        (d for d in departments_by_id().values() if d.active or d.pk in scope.department_ids),
        key=lambda d: d.code,
    )
    if not scope.everything:
        sections = [d for d in sections if d.pk in scope.department_ids]
    categories = sorted(
        (c for c in incident_selectors.categories_by_id().values() if c.active),
        key=_category_label,
    )
    for name, choices in (
        ("department", [any_, *((d.code, d.name) for d in sections)]),
        ("category", [any_, *((c.code, _category_label(c)) for c in categories)]),
    ):
        field = form.fields[name]
        field.widget = FastSelect(attrs={"class": "form-select"}, choices=choices)


def _category_label(category) -> str:
    parent = category.parent if category.parent_id else None
    return f"{parent.name} / {category.name}" if parent else category.name


def figure_label(name: str, part: str, key: str) -> str:
    """What the drill-down lists, in words."""
    label = KPI_LABELS().get(name, name)
    text = label if part == "numerator" else _("%(kpi)s — all counted") % {"kpi": label}
    if key:
        text += f" · {_key_label(key)}"
    return text


def _key_label(key: str) -> str:
    kind, _sep, code = key.partition(":")
    choices = {"nature": Nature, "source": Source, "priority": Priority}.get(kind)
    if choices is not None:
        try:
            return str(choices(code).label)
        except ValueError:
            return code
    for dept in departments_by_id().values():
        if dept.code in (key, code):
            return dept.name
    return code or key


def KPI_LABELS() -> dict:  # noqa: N802 a table of translated labels, read at request time
    return {
        "volume": _("Incidents logged"),
        "mtta": _("Incidents accepted (MTTA)"),
        "mttr": _("Incidents resolved (MTTR)"),
        "response_sla": _("Response SLA met"),
        "resolution_sla": _("Resolution SLA met"),
        "ola": _("OLA met"),
        "first_contact_resolution": _("Resolved at first contact"),
        "reopen": _("Reopened"),
        "backlog": _("Open incidents (backlog)"),
        "handovers": _("Handed over or bounced"),
        "section_share": _("Handling time by section"),
        "delay_reasons": _("OLA overruns by reason"),
        "escalations": _("Escalations"),
        "major_incidents": _("Major incidents"),
        "satisfaction": _("Rated incidents"),
        "workload": _("Workload"),
        "collaboration": _("Cross-section incidents on time"),
    }


def incident_rows(incidents) -> list:
    """A page of incidents with their sections, categories and people loaded."""
    rows = incident_selectors.with_relations(incidents)
    for incident in rows:
        person = incident.assignee
        incident.assignee_name = (
            person_name(person.last_name, person.first_name, person.username) if person else ""
        )
    return rows


def EXPORT_COLUMNS() -> list[str]:  # noqa: N802 translated at request time
    return [
        _("Number"),
        _("Title"),
        _("Nature"),
        _("Channel"),
        _("Priority"),
        _("Status"),
        _("Section"),
        _("Category"),
        _("Assignee"),
        _("Created at"),
        _("Accepted at"),
        _("Resolved at"),
        _("Closed at"),
    ]


_EXPORT_FIELDS = (
    "number",
    "title",
    "nature",
    "source",
    "priority",
    "status",
    "department_id",
    "category_id",
    "assignee__username",
    "assignee__last_name",
    "assignee__first_name",
    "created_at",
    "accepted_at",
    "resolved_at",
    "closed_at",
)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _label(choices, code) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def export_rows(qs):
    """The incidents as export rows, read in chunks (constant memory whatever their number);
    sections and categories from the per-process caches, the assignee in the same query."""
    departments = departments_by_id()
    categories = incident_selectors.categories_by_id()
    for row in qs.values_list(*_EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK):
        (number, title, nature, source, priority, status, dept, cat, user, last, first) = row[:11]
        department = departments.get(dept)
        category = categories.get(cat)
        yield [
            number,
            title,
            _label(Nature, nature),
            _label(Source, source),
            priority,
            _label(Status, status),
            department.name if department else "",
            category.name if category else "",
            person_name(last, first, user) if user else "",
            *(_when(v) for v in row[11:]),
        ]


def callback_queue(user) -> dict:
    """Resolved incidents waiting for the requester's confirmation or the desk's call-back:
    how many, how long the oldest has waited, and how many by age (one query)."""
    now = timezone.now()
    qs = incident_selectors.awaiting_confirmation(user).order_by()
    buckets = {}
    for code, low, high in CALLBACK_BUCKETS:
        cond = Q(resolved_at__lte=now - timedelta(days=low))
        if high is not None:
            cond &= Q(resolved_at__gt=now - timedelta(days=high))
        buckets[code] = Count("id", filter=cond)
    found = qs.aggregate(total=Count("id"), oldest=Min("resolved_at"), **buckets)
    labels = {
        "lt_1d": _("< 1 day"),
        "1_3d": _("1–3 days"),
        "3_7d": _("3–7 days"),
        "gt_7d": _("> 7 days"),
    }
    return {
        "total": found["total"],
        "oldest_seconds": (now - found["oldest"]).total_seconds() if found["oldest"] else None,
        "ageing": [
            {"code": c, "label": labels[c], "count": found[c]} for c, _l, _h in CALLBACK_BUCKETS
        ],
    }


def desk_agents(filters, scope) -> list[dict]:
    """The desk's people: the incidents each logged in the period and how many of those
    were resolved at first contact (one grouped query, the names in one more)."""
    from django.contrib.auth import get_user_model

    from reports.kpis_queries import incidents

    desk = desk_section()
    if desk is None:
        return []
    counts = (
        incidents(filters, scope, "created_at")
        .filter(created_by__memberships__department=desk)
        .values("created_by_id")
        .annotate(
            logged=Count("id", distinct=True),
            fcr=Count("id", filter=Q(first_contact_resolution=True), distinct=True),
        )
        .order_by()
    )
    rows = {row["created_by_id"]: row for row in counts}
    people = get_user_model().objects.in_bulk(sorted(rows))
    found = [
        {
            "username": person.username,
            "name": person_name(person.last_name, person.first_name, person.username),
            "logged": rows[pk]["logged"],
            "fcr": rows[pk]["fcr"],
        }
        for pk, person in people.items()
    ]
    return sorted(found, key=lambda r: (-r["logged"], r["username"]))
