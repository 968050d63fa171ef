"""Reads of the service desk: the alert rules, the rows of the desk console, and what the log
and report forms show while they are filled in (priority, routing, possible duplicates)."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents import routing, rules
from incidents import selectors as incident_selectors
from incidents.choices import OPEN_STATUSES
from incidents.models import Incident
from itsm.models import Department
from itsm.selectors import departments_by_id
from servicedesk import similarity
from servicedesk.models import AlertRule


def alert_rule_for(*, service: str, severity: str, instance: str) -> AlertRule | None:
    """The active rule that matches the labels: the most specific, then the lowest rank."""
    best, best_key = None, None
    for rule in AlertRule.objects.filter(active=True).select_related("category"):
        if not rule.matches(service=service, severity=severity, instance=instance):
            continue
        key = (rule.specificity, -rule.rank, -rule.pk)
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best


def desk_rows(incidents, user) -> list[dict]:
    """The console rows of a page of the desk's queue: each incident with its relations, and
    whether the user may dispatch it."""
    incident_selectors.with_relations(incidents)
    return [
        {"incident": incident, "dispatch": rules.can_assign(incident, user)}
        for incident in incidents
    ]


# --- what the log and report forms show while they are filled in ------------------------------

# The open incidents of the last days a new call may repeat, and how many hints are shown.
DUPLICATE_WINDOW_DAYS = 7
DUPLICATE_HINTS = 5
# How many recent candidates are weighed in Python after the database's coarse match, and
# the columns a hint needs (not the description).
_DUPLICATE_CANDIDATES = 50
_HINT_FIELDS = (
    "number",
    "title",
    "status",
    "requester_id",
    "contact_name",
    "contact_phone",
    "configuration_item",
    "department_id",
    "created_at",
)


class DuplicateReason(TextChoices):
    SAME_CALLER = "caller", _("Same caller")
    SAME_ITEM = "item", _("Same configuration item")
    SIMILAR_TITLE = "title", _("Similar title")


@dataclass
class DuplicateHint:
    """An open incident the call being logged may repeat, and why it looks like it."""

    incident: Incident
    reasons: list[str]
    likeness: float

    @property
    def reason_labels(self) -> list[str]:
        return [DuplicateReason(reason).label for reason in self.reasons]


@dataclass
class IntakeProposal:
    """What the incident being logged would get: its priority and the section routing
    proposes (``None`` when no rule or category default applies)."""

    priority: str
    section: Department | None


def intake_proposal(
    *, category, impact: int, urgency: int, location: str = "", configuration_item: str = ""
) -> IntakeProposal:
    """The priority from impact × urgency and the routed section, as ``incident_create``
    will compute them (both from the per-process configuration cache)."""
    return IntakeProposal(
        priority=routing.compute_priority(impact, urgency),
        section=routing.route(
            category=category, location=location, configuration_item=configuration_item
        ),
    )


def duplicate_hints(
    user,
    *,
    title: str = "",
    requester=None,
    phone: str = "",
    configuration_item: str = "",
    own_only: bool = False,
    now=None,
) -> list[DuplicateHint]:
    """Open incidents of the last ``DUPLICATE_WINDOW_DAYS`` days, visible to ``user``, that
    a new call may repeat: the same caller (account or phone), the same configuration item,
    or a similar title (``servicedesk.similarity``); the most reasons first. ``own_only``:
    the requester's own incidents only (the portal). One query."""
    terms = similarity.title_terms(title)
    phone, configuration_item = phone.strip(), configuration_item.strip()
    match = Q()
    if requester is not None:
        match |= Q(requester=requester)
    if phone:
        match |= Q(contact_phone=phone)
    if configuration_item:
        match |= Q(configuration_item=configuration_item)
    for term in terms:
        match |= Q(title__icontains=term)
    if not match:
        return []
    since = (now or timezone.now()) - timedelta(days=DUPLICATE_WINDOW_DAYS)
    qs = incident_selectors.incidents_visible_to(user).filter(
        match, status__in=OPEN_STATUSES, created_at__gte=since
    )
    if own_only:
        qs = qs.filter(requester=user)
    hints = []
    for incident in qs.only(*_HINT_FIELDS).order_by("-created_at")[:_DUPLICATE_CANDIDATES]:
        hint = _hint(incident, terms, requester, phone, configuration_item)
        if hint is not None:
            hints.append(hint)
    hints.sort(key=lambda h: (len(h.reasons), h.likeness), reverse=True)
    hints = hints[:DUPLICATE_HINTS]
    # The sections from the per-process cache: no join, no query.
    sections = departments_by_id()
    department = Incident._meta.get_field("department")
    for hint in hints:
        department.set_cached_value(hint.incident, sections.get(hint.incident.department_id))
    return hints


def _hint(incident, terms, requester, phone, configuration_item) -> DuplicateHint | None:
    reasons = []
    if (requester is not None and incident.requester_id == requester.pk) or (
        phone and incident.contact_phone == phone
    ):
        reasons.append(DuplicateReason.SAME_CALLER)
    if configuration_item and incident.configuration_item == configuration_item:
        reasons.append(DuplicateReason.SAME_ITEM)
    likeness = similarity.title_likeness(terms, incident.title)
    if likeness >= similarity.ALIKE_SHARE:
        reasons.append(DuplicateReason.SIMILAR_TITLE)
    return DuplicateHint(incident, reasons, likeness) if reasons else None


def caller_account(username: str):
    """The active account with this username, else None (a caller typed on the log form)."""
    if not username:
        return None
    return get_user_model().objects.filter(username=username, is_active=True).first()


def open_incident_for(user, number: str, *, own_only: bool = False) -> Incident | None:
    """The open incident with this number that the user may see (their own with
    ``own_only``), else None: what a hint's one-click action acts on."""
    qs = incident_selectors.incidents_visible_to(user).filter(
        number=number, status__in=OPEN_STATUSES
    )
    if own_only:
        qs = qs.filter(requester=user)
    return qs.first()
