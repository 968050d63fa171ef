"""The all-incidents list's reads: its sort orders and page sizes, the people and sections
its filters offer, its saved views (the built-in ones too), and the rows of its CSV export."""

from collections import Counter
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from incidents import selectors
from incidents.choices import Priority, Status
from incidents.models import SavedView
from itsm.people import person_name
from itsm.roles import STAFF_ROLES
from itsm.selectors import departments_by_id

# sort parameter -> (label, ordering); "-" in front of the parameter reverses it.
SORTS = {
    "created": (_("Created"), ("created_at", "id")),
    "updated": (_("Changed"), ("updated_at", "id")),
    "deadline": (_("Nearest deadline"), ("next_deadline_at", "id")),
    "number": (_("Number"), ("number",)),
    "priority": (_("Priority"), ("priority", "id")),
    "status": (_("Status"), ("status", "id")),
}
DEFAULT_SORT = "-created"
PAGE_SIZES = (25, 50, 100)
# The CSV export's bound: what is shown, all pages, at most this many rows.
EXPORT_LIMIT = 10_000
EXPORT_CHUNK = 500
# Parameters of a list URL that a saved view does not keep.
TRANSIENT_PARAMS = ("page", "view")


def sort_of(value: str | None) -> str:
    """The sort the parameter names, or the default."""
    value = value or DEFAULT_SORT
    return value if value.lstrip("-") in SORTS else DEFAULT_SORT


def ordered(qs: QuerySet, sort: str) -> QuerySet:
    """``qs`` in the order of ``sort``; the nearest deadline puts incidents without one last
    whichever the direction (the index on it serves the ascending order)."""
    descending = sort.startswith("-")
    fields = SORTS[sort.lstrip("-")][1]
    order = []
    for name in fields:
        expression = F(name)
        if descending:
            order.append(expression.desc(nulls_last=True if name == "next_deadline_at" else None))
        else:
            order.append(expression.asc())
    return qs.order_by(*order)


def page_size_of(value) -> int:
    try:
        size = int(value)
    except (TypeError, ValueError):
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


def all_incidents(user) -> QuerySet:
    """Every incident the user may see (the list is for those who see beyond a section)."""
    return selectors.incidents_visible_to(user)


def filter_people() -> list[tuple[str, str]]:
    """(username, name) of the staff, for the assignee and owner filters; one query."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=STAFF_ROLES)
        .distinct()
        .only("id", "username", "first_name", "last_name")
        .order_by("last_name", "first_name", "username")
    )
    users = list(users)
    names = [person_name(user) for user in users]
    twice = {name for name, n in Counter(names).items() if n > 1}
    # The username only tells apart two people who share a name.
    return [
        (user.username, f"{name} ({user.username})" if name in twice else name)
        for user, name in zip(users, names, strict=True)
    ]


def filter_sections() -> list[tuple[str, str]]:
    """(code, name) of every section, by name (from the per-process cache)."""
    sections = sorted(departments_by_id().values(), key=lambda d: str(d.name))
    return [(section.code, str(section.name)) for section in sections]


def view_query(params: QueryDict) -> str:
    """The query string a saved view keeps: the list's parameters without the page."""
    kept = params.copy()
    for name in TRANSIENT_PARAMS:
        kept.pop(name, None)
    return kept.urlencode()


@dataclass(frozen=True)
class ViewLink:
    """A view the list offers: its name, query string, and the saved view behind it."""

    name: str
    query: str
    saved: SavedView | None = None
    builtin: bool = False


def builtin_views(user) -> list[ViewLink]:
    """The suggestions every user of the list has: "my P1/P2 not accepted"."""
    params = QueryDict(mutable=True)
    params.setlist("priority", [Priority.P1, Priority.P2])
    params.setlist("status", [Status.NEW, Status.ASSIGNED])
    params["owner"] = user.get_username()
    params["sort"] = "deadline"
    return [ViewLink(str(_("My P1/P2 not accepted")), params.urlencode(), builtin=True)]


def saved_views_for(user) -> list[ViewLink]:
    """The user's own views and the shared ones, by name; one query."""
    rows = SavedView.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")
    return [ViewLink(view.name, view.query, view) for view in rows]


def saved_view_for(user, pk: int) -> SavedView | None:
    """One of the views the user sees (their own or a shared one), or None."""
    return SavedView.objects.filter(Q(owner=user) | Q(shared=True), pk=pk).first()


def export_rows(qs: QuerySet, limit: int = EXPORT_LIMIT):
    """The incidents of ``qs`` (ordered) as they are shown, up to ``limit``, read in chunks
    with their sections, people and categories by name (a few queries per chunk)."""
    for start in range(0, limit, EXPORT_CHUNK):
        chunk = selectors.with_relations(qs[start : min(start + EXPORT_CHUNK, limit)])
        yield from chunk
        if len(chunk) < EXPORT_CHUNK:
            return


def export_limited(qs: QuerySet, limit: int = EXPORT_LIMIT) -> bool:
    """Whether ``qs`` holds more rows than the export writes."""
    return qs[limit : limit + 1].exists()
