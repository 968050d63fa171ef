"""Every read on incidents beyond ``.get()``: who may see what, the queues, the detail page's
data, the category tree, the sections and people the action forms offer, and the disputes'
bounce history."""

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from incidents import rules
from incidents.choices import HELD_STATUSES, OPEN_STATUSES, EventKind, SegmentEnd, Status
from incidents.models import (
    AssignmentSegment,
    Attachment,
    Category,
    Comment,
    Incident,
    IncidentEvent,
    IncidentLink,
    ResolutionCode,
    SuspendReason,
    WorkLog,
)
from itsm import configcache
from itsm.models import Department, DepartmentKind, Membership
from itsm.people import full_name
from itsm.roles import ASSIGNABLE_ROLES, WORKING_ROLES, is_staff
from itsm.selectors import department_by_code, departments_by_id
from sla import selectors as sla_selectors

LIST_RELATED = ("department", "assignee", "owner", "category", "requester")

# The relations a list row shows, loaded by ``with_relations`` after the page is read.
_USER_RELATIONS = ("owner", "assignee", "requester")
_SECTION_RELATIONS = ("department", "routed_department")
_CATEGORY_RELATIONS = ("category", "closing_category")
_CODE_RELATIONS = ("suspend_reason", "resolution_code")


def categories_by_id() -> dict[int, Category]:
    """Every category by id, with its parent and its default section linked in memory, so
    that walking up the tree reads nothing (cached per process: itsm.configcache). The
    instances are shared: read them, never change them."""

    def load():
        categories = Category.objects.in_bulk()
        departments = departments_by_id()
        parent = Category._meta.get_field("parent")
        default_department = Category._meta.get_field("default_department")
        for category in categories.values():
            parent.set_cached_value(category, categories.get(category.parent_id))
            default_department.set_cached_value(
                category, departments.get(category.default_department_id)
            )
        return categories

    return configcache.cached("categories", load)


def category_by_code(code: str) -> Category | None:
    """The category with this code, its parents linked (from the cache)."""
    by_code = configcache.cached(
        "categories-by-code", lambda: {c.code: c for c in categories_by_id().values()}
    )
    return by_code.get(code)


def category_linked(category: Category | None) -> Category | None:
    """The cached instance of ``category`` (its parents and default section in memory);
    the given one when the cache does not know it yet."""
    if category is None:
        return None
    return categories_by_id().get(category.pk, category)


def with_relations(incidents) -> list[Incident]:
    """The incidents with the relations a list or the API shows: sections and categories
    from the per-process cache, people in one query, suspend reasons and resolution codes
    in one query each when some row has one; relations already loaded are kept.

    Pages read their rows without joins and then call this: a ``select_related`` of the
    five to ten relations makes PostgreSQL plan a many-way outer join, and with a million
    incidents that planning costs far more than running the query (measured: 24 ms of
    planning for a 1 ms desk queue, 137 ms for the API's page)."""
    incidents = list(incidents)
    if not incidents:
        return incidents
    meta = Incident._meta

    def wanted(names) -> set:
        """The ids the rows name for these relations and do not have loaded yet."""
        return {
            getattr(incident, meta.get_field(name).attname)
            for incident in incidents
            for name in names
            if not meta.get_field(name).is_cached(incident)
        } - {None}

    def attach(names, found) -> None:
        for name in names:
            field = meta.get_field(name)
            for incident in incidents:
                if not field.is_cached(incident):
                    pk = getattr(incident, field.attname)
                    field.set_cached_value(incident, found.get(pk) if pk is not None else None)

    attach(_SECTION_RELATIONS, departments_by_id())
    attach(_CATEGORY_RELATIONS, categories_by_id())
    people = wanted(_USER_RELATIONS)
    attach(
        _USER_RELATIONS,
        get_user_model()
        .objects.only("id", "username", "first_name", "last_name", "email")
        .in_bulk(people)
        if people
        else {},
    )
    for name, model in zip(_CODE_RELATIONS, (SuspendReason, ResolutionCode), strict=True):
        ids = wanted((name,))
        attach((name,), model.objects.in_bulk(ids) if ids else {})
    return incidents


def with_countdowns(incidents, *, now=None) -> list[Incident]:
    """The incidents with ``sla_countdown`` set: the business time left (or overrun) of the
    clock each row shows, or None. One query for the whole page (``sla.selectors.countdowns_for``:
    calendars and thresholds come from the per-process caches)."""
    incidents = list(incidents)
    found = sla_selectors.countdowns_for((i.pk for i in incidents), now=now)
    for incident in incidents:
        incident.sla_countdown = found.get(incident.pk)
    return incidents


def incidents_visible_to(user, qs: QuerySet | None = None) -> QuerySet:
    """The incidents the user may see (``IncidentQuerySet.visible_to``), from ``qs`` or all."""
    return (Incident.objects.all() if qs is None else qs).visible_to(user)


def incident_for(user, number: str) -> Incident:
    """One incident by number, if the user may see it (else Incident.DoesNotExist)."""
    return (
        incidents_visible_to(user)
        # A few joins only: a ten-table join costs more to plan than the lookups it saves.
        .select_related("department", "assignee", "owner", "category", "requester")
        .get(number=number)
    )


def comments_for(user, incident: Incident) -> QuerySet[Comment]:
    """Comments the user may read: requesters never see internal ones."""
    qs = incident.comments.select_related("author")
    if _is_outsider(user, incident):
        qs = qs.filter(is_public=True)
    return qs


def attachments_for(user, incident: Incident):
    qs = incident.attachments.select_related("uploaded_by")
    if _is_outsider(user, incident):
        qs = qs.filter(is_public=True)
    return qs


# History a requester does not see: the sections' internal traffic and notes.
INTERNAL_EVENT_KINDS = (
    "returned",
    "handed_over",
    "dispute",
    "returned_to_lead",
    "work_logged",
    "commented",
    "resume_reminder",
    "linked",
)


# What a requester reads of an event they see: the reason only where it is theirs to know (why
# the incident was reopened or cancelled), nobody's username in ``notified``, and of the
# details only a public file's name and size (sections, people, levels and field changes are
# the staff's business, as on the page).
PUBLIC_REASON_KINDS = (EventKind.REOPENED, EventKind.CANCELLED)
PUBLIC_EVENT_DATA = ("attachment", "name", "size")


def events_for(user, incident: Incident) -> QuerySet[IncidentEvent]:
    """The history the user may read. A requester sees neither the sections' internal traffic
    (``INTERNAL_EVENT_KINDS``) nor the ``attached`` event of a file that is not public (fail
    closed: only events naming a public attachment of this incident). Show the rows through
    ``events_shown``, which hides the fields a requester may not read."""
    qs = incident.events.select_related("actor")
    if _is_outsider(user, incident):
        public_file = Attachment.objects.filter(
            incident=incident,
            is_public=True,
            pk=Cast(KeyTextTransform("attachment", OuterRef("data")), IntegerField()),
        )
        qs = qs.exclude(kind__in=INTERNAL_EVENT_KINDS).filter(
            ~Q(kind=EventKind.ATTACHED) | Q(Exists(public_file))
        )
    return qs


def events_shown(user, incident: Incident, events) -> list[IncidentEvent]:
    """The events (from ``events_for``) with what the user may read of each set as
    ``shown_reason``, ``shown_notified`` and ``shown_data``: everything for staff, the
    ``PUBLIC_REASON_KINDS`` reasons and the ``PUBLIC_EVENT_DATA`` details for a requester.
    The page and the API both show these, never the raw fields."""
    outsider = _is_outsider(user, incident)
    rows = list(events)
    for event in rows:
        data = event.data or {}
        if outsider:
            event.shown_reason = event.reason if event.kind in PUBLIC_REASON_KINDS else ""
            event.shown_notified = []
            event.shown_data = {k: v for k, v in data.items() if k in PUBLIC_EVENT_DATA}
        else:
            event.shown_reason = event.reason
            event.shown_notified = list(event.notified or [])
            event.shown_data = data
    return rows


def changes_since(user, incident: Incident, *, since=None, versions: int = 1, limit: int = 5):
    """What happened to the incident after ``since`` (when the user's form was shown), as
    far as the user may read it (``events_for``, ``events_shown``), oldest first and at most
    ``limit``; without ``since`` (or when nothing is that recent: a change committed while
    the page was drawn), its latest ``versions`` events."""
    qs = events_for(user, incident)
    rows = list(qs.filter(at__gt=since).order_by("at", "id")[:limit]) if since else []
    if not rows:
        rows = list(qs.order_by("-at", "-id")[: max(1, min(versions, limit))])[::-1]
    return events_shown(user, incident, rows)


def _is_outsider(user, incident: Incident) -> bool:
    """A requester looking at their own incident (not staff on it)."""
    # Fail closed: anyone without a staff role reads only what is public.
    return not is_staff(user)


def _queue(qs: QuerySet) -> QuerySet:
    """Nearest deadline first. No joins: the page's rows get their relations from
    ``with_relations``."""
    return qs.order_by(F("next_deadline_at").asc(nulls_last=True), "id")


def section_queue(user, department_ids=None, *, unassigned_only=False) -> QuerySet:
    """Open incidents the user's sections hold, nearest deadline first.

    Only the user's own sections are ever read, and a section's members may see what it
    holds, so this is a subset of ``incidents_visible_to`` without its extra conditions
    (which would cost the queue its index at a million rows).
    """
    if not user.is_authenticated or not user.is_active:
        return Incident.objects.none()
    own = set(user.memberships.values_list("department_id", flat=True))
    ids = own if department_ids is None else own & set(department_ids)
    qs = Incident.objects.filter(department_id__in=sorted(ids), status__in=HELD_STATUSES)
    if unassigned_only:
        qs = qs.filter(assignee__isnull=True)
    return _queue(qs)


def my_queue(user) -> QuerySet:
    """The user's own open work, nearest deadline first (what is assigned to them)."""
    if not user.is_authenticated or not user.is_active:
        return Incident.objects.none()
    return _queue(Incident.objects.filter(assignee=user, status__in=OPEN_STATUSES))


def desk_queue(user, *, status=None) -> QuerySet:
    """The desk console: new incidents to dispatch, and everything returned to the desk."""
    # Section ids first: filtering through a join on the section's kind would cost the
    # queue its index order (a sort over every open desk incident).
    desk_ids = sorted(
        pk for pk, d in departments_by_id().items() if d.kind == DepartmentKind.SERVICE_DESK
    )
    qs = Incident.objects.filter(department_id__in=desk_ids, status__in=OPEN_STATUSES)
    if status:
        qs = qs.filter(status=status)
    return _queue(incidents_visible_to(user, qs))


def awaiting_confirmation(user) -> QuerySet:
    """Resolved incidents waiting for the requester's confirmation or the desk's call-back."""
    return incidents_visible_to(user, Incident.objects.filter(status=Status.RESOLVED)).order_by(
        "resolved_at", "id"
    )  # no joins: the page's rows get their relations from ``with_relations``


def dispute_queue(user) -> QuerySet:
    """Incidents bounced past the limit, for the incident manager."""
    return (
        incidents_visible_to(
            user, Incident.objects.filter(in_dispute=True, status__in=OPEN_STATUSES)
        )
        .select_related(*LIST_RELATED)
        .order_by("-updated_at", "id")
    )


def requester_incidents(user) -> QuerySet:
    return (
        incidents_visible_to(user, Incident.objects.filter(requester=user))
        .select_related("department", "category")
        .order_by("-created_at", "-id")
    )


def segments_for(incident: Incident) -> QuerySet[AssignmentSegment]:
    return incident.segments.select_related("department", "assignee", "delay_reason")


def segments_returned_from(incident: Incident) -> list[str]:
    """The codes of the sections that returned the incident, oldest first."""
    return list(
        incident.segments.filter(end_reason=SegmentEnd.RETURNED)
        .values_list("department__code", flat=True)
        .order_by("started_at")
    )


def segment_previous_section(incident: Incident):
    """The section of the latest ended segment at another section than the current one."""
    previous = (
        AssignmentSegment.objects.filter(incident=incident, ended_at__isnull=False)
        .exclude(department=incident.department)
        .order_by("-started_at", "-id")
        .select_related("department")
        .first()
    )
    return previous.department if previous else None


def category_tree(qs: QuerySet[Category] | None = None) -> list[tuple[Category, int]]:
    """Categories in tree order (parents before their children, by sort order) with their
    depth: the active ones from the per-process cache, or those of ``qs`` in one query. A
    category whose parent is not in the set is shown at the top level."""
    if qs is None:
        rows = sorted(
            (c for c in categories_by_id().values() if c.active),
            key=lambda c: (c.sort_order, c.code),
        )
    else:
        rows = list(qs.order_by("sort_order", "code"))
    ids = {c.pk for c in rows}
    children: dict[int | None, list[Category]] = {}
    for c in rows:
        parent = c.parent_id if c.parent_id in ids else None
        children.setdefault(parent, []).append(c)
    out: list[tuple[Category, int]] = []
    seen: set[int] = set()

    def walk(parent_id, depth):
        for c in children.get(parent_id, []):
            if c.pk in seen:  # a cycle in bad data: show each node once
                continue
            seen.add(c.pk)
            out.append((c, depth))
            walk(c.pk, depth + 1)

    walk(None, 0)
    # Nodes only reachable through a cycle.
    out.extend((c, 0) for c in rows if c.pk not in seen)
    return out


def category_subtree_ids(category: Category) -> list[int]:
    """The category and all its descendants (active or not); one query."""
    pairs = list(Category.objects.values_list("pk", "parent_id"))
    children: dict[int | None, list[int]] = {}
    for pk, parent in pairs:
        children.setdefault(parent, []).append(pk)
    result, stack = [], [category.pk]
    while stack:
        pk = stack.pop()
        if pk in result:
            continue
        result.append(pk)
        stack.extend(children.get(pk, []))
    return result


def assignable_sections() -> QuerySet[Department]:
    """Active sections that work incidents (``rules.works_incidents``), desk first."""
    return (
        Department.objects.active()
        .exclude(kind__in=rules.NON_INCIDENT_SECTION_KINDS)
        .order_by("kind", "code")
    )


def dispatch_sections() -> QuerySet[Department]:
    """The sections the desk dispatches to: those that work incidents, but the desk itself."""
    return assignable_sections().exclude(kind=DepartmentKind.SERVICE_DESK).order_by("code")


def dispatch_section_choices(*, without: int | None = None) -> list[tuple[int, str]]:
    """``(id, name)`` of ``dispatch_sections()`` from the per-process section cache (the
    console offers them on every row), ``without`` the section that just returned the
    incident."""
    sections = sorted(
        (
            d
            for d in departments_by_id().values()
            if rules.works_incidents(d)
            and d.kind != DepartmentKind.SERVICE_DESK
            and d.pk != without
        ),
        key=lambda d: d.code,
    )
    return [(d.pk, str(d)) for d in sections]


def returned_by(incidents) -> dict[int, int]:
    """{incident id: the section that just returned it} for those of ``incidents`` whose
    latest finished segment ended in a return (one query, none when no row has bounced)."""
    ids = [i.pk for i in incidents if i.bounce_count]
    if not ids:
        return {}
    latest = AssignmentSegment.objects.filter(
        incident_id=OuterRef("pk"), ended_at__isnull=False
    ).order_by("-ended_at", "-id")
    rows = (
        Incident.objects.filter(pk__in=ids)
        .annotate(
            last_end=Subquery(latest.values("end_reason")[:1]),
            last_section=Subquery(latest.values("department_id")[:1]),
        )
        .values_list("pk", "last_end", "last_section")
    )
    return {pk: section for pk, end, section in rows if end == SegmentEnd.RETURNED}


def owned_open(user) -> QuerySet:
    """The open incidents the user owns (logged at the desk), nearest deadline first; served
    by ``inc_owner_status``. No joins: rows get their relations from ``with_relations``."""
    if not user.is_authenticated:
        return Incident.objects.none()
    return _queue(Incident.objects.filter(owner=user, status__in=OPEN_STATUSES))


def members_with_load(department_ids) -> list[dict]:
    """The on-duty members of the sections in an assignable role, each with their ``load``
    (open incidents assigned to them, anywhere): two queries. Sorted by section, then the
    least loaded first."""
    memberships = list(
        Membership.objects.filter(
            department_id__in=list(department_ids),
            on_duty=True,
            role__in=ASSIGNABLE_ROLES,
            user__is_active=True,
        ).select_related("user")
    )
    user_ids = {m.user_id for m in memberships}
    loads = dict(
        Incident.objects.filter(assignee_id__in=user_ids, status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
        if user_ids
        else ()
    )
    sections = departments_by_id()
    rows = [
        {
            "user": m.user,
            "department": sections.get(m.department_id),
            "load": loads.get(m.user_id, 0),
        }
        for m in memberships
    ]
    rows.sort(key=lambda r: (r["department"].code, r["load"], r["user"].username))
    return rows


def assignable_people() -> QuerySet:
    """Active people holding a working role in some active section."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role__in=WORKING_ROLES,
            memberships__department__active=True,
        )
        .distinct()
        .order_by("username")
    )


def worklogs_for(incident: Incident) -> QuerySet[WorkLog]:
    return incident.worklogs.select_related("author")


def links_for(incident: Incident) -> QuerySet[IncidentLink]:
    """Links from and to the incident, with both ends loaded."""
    return (
        IncidentLink.objects.filter(Q(from_incident=incident) | Q(to_incident=incident))
        .select_related("from_incident", "to_incident", "created_by")
        .order_by("created_at", "id")
    )


BOUNCE_EVENT_KINDS = (EventKind.HANDED_OVER, EventKind.RETURNED, EventKind.DISPUTE)


def with_bounce_history(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    """The incidents with their segments and hand-over/return events prefetched (two queries
    whatever the number of incidents), as ``bounce_segments`` and ``bounce_events``."""
    return qs.prefetch_related(
        Prefetch(
            "segments",
            queryset=AssignmentSegment.objects.select_related("department", "assignee").order_by(
                "started_at", "id"
            ),
            to_attr="bounce_segments",
        ),
        Prefetch(
            "events",
            queryset=IncidentEvent.objects.filter(kind__in=BOUNCE_EVENT_KINDS)
            .select_related("actor")
            .order_by("at", "id"),
            to_attr="bounce_events",
        ),
    )


# --- the workspace cards' counts (one COUNT each; registered in ``IncidentsConfig.ready``) ---

# A card counts up to this many and then shows "99+": the COUNT reads at most CAP + 1 rows
# (``SELECT COUNT(*) FROM (… LIMIT 100)``), so a desk holding thousands costs no more.
CARD_COUNT_CAP = 99


def _capped(qs: QuerySet) -> int:
    return qs.order_by()[: CARD_COUNT_CAP + 1].count()


def to_accept_count(user) -> int:
    """Incidents the user's sections hold that nobody has accepted yet (待受理)."""
    return _capped(section_queue(user).filter(status=Status.ASSIGNED))


def to_dispatch_count(user) -> int:
    """Incidents at the desk waiting to be dispatched (待派单): the console's queue."""
    return _capped(desk_queue(user))


def to_settle_count(user) -> int:
    """Ownership disputes waiting for the incident manager (待裁决)."""
    return _capped(dispute_queue(user))


def open_requests_count(user) -> int:
    """The requester's own incidents still open (处理中)."""
    return _capped(requester_incidents(user).filter(status__in=OPEN_STATUSES))


# --- names for what the history records in codes ------------------------------------------------


class EventNames:
    """The display names of the sections, people and categories that events record by code
    or username (``data["department"]``, ``data["assignee"]``, ``notified``, field changes):
    one query per kind of name for the whole history, whatever its length."""

    def __init__(self, events):
        codes, usernames, categories = set(), set(), set()
        for event in events:
            data = event.data or {}
            for key in ("department", "from_department"):
                if isinstance(data.get(key), str):
                    codes.add(data[key])
            if isinstance(data.get("assignee"), str):
                usernames.add(data["assignee"])
            usernames.update(n for n in (event.notified or []) if isinstance(n, str))
            change = (data.get("changes") or {}).get("category")
            if isinstance(change, list | tuple):
                categories.update(c for c in change if isinstance(c, str))
        self.sections = {code: d.name for code in codes if (d := department_by_code(code))}
        self.people = (
            {
                u["username"]: full_name(u["last_name"], u["first_name"], u["username"])
                for u in get_user_model()
                .objects.filter(username__in=usernames)
                .values("username", "first_name", "last_name")
            }
            if usernames
            else {}
        )
        self.categories = (
            {c.code: c.name for c in Category.objects.filter(code__in=categories)}
            if categories
            else {}
        )

    def section(self, code) -> str:
        return self.sections.get(code, code) if code else ""

    def person(self, username) -> str:
        return self.people.get(username, username) if username else ""

    def move(self, data: dict) -> str:
        """ "网络科 → 系统科" for a hand-over or return event's data, or the one section."""
        if data.get("from_department"):
            return (
                f"{self.section(data['from_department'])} → {self.section(data.get('department'))}"
            )
        return self.section(data.get("department"))
