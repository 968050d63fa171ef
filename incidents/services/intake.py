"""Logging incidents (IM1): creation, the major-incident declaration, follow-ups of closed
incidents."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import events, notify, rules
from incidents.choices import (
    EventKind,
    LinkKind,
    Nature,
    Priority,
    Source,
    Status,
    SupportLevel,
)
from incidents.exceptions import ActionForbidden, TransitionNotAllowed
from incidents.models import (
    Category,
    Incident,
    IncidentLink,
)
from incidents.numbering import format_number, next_number_value
from incidents.routing import compute_priority, desk_department, route
from incidents.selectors import category_linked
from incidents.services.base import CLEAN_EXCLUDE, lock_incident, require
from incidents.services.segments import segment_first
from itsm.db import NewRows, insert_linked
from itsm.models import Department, Membership
from itsm.people import person_name
from itsm.roles import DESK_ROLES
from itsm.text import sanitize
from sla import services as sla


@dataclass
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""
    organisation: str = ""


def incident_create(
    *,
    by,
    title: str,
    description: str = "",
    nature: str = Nature.FAULT,
    source: str = Source.PHONE,
    category: Category | None = None,
    impact: int = 3,
    urgency: int = 3,
    requester=None,
    contact: Contact | None = None,
    configuration_item: str = "",
    location: str = "",
    owner=None,
    at: datetime | None = None,
) -> Incident:
    """Log an incident (IM1): route it, compute its priority, set its owner, start its clocks.

    The desk holds a new incident (L1) until it is resolved at first contact or dispatched;
    ``routed_department`` records the section the routing rules suggest for the dispatch.
    Its length is the list of the incident's fields, kept whole so it reads as one record.
    """
    at = at or timezone.now()
    title = (title or "").strip()
    # The cached instance: its parents are in memory for routing and the SLA policy.
    category = category_linked(category)
    _check_new(
        title=title,
        nature=nature,
        source=source,
        impact=impact,
        urgency=urgency,
        category=category,
    )
    contact = contact_completed(contact or Contact(), requester)
    # Everything that may refuse the input is decided before the first write, so the writes
    # run without a savepoint of their own: on any error there the caller's transaction
    # rolls back whole (every caller lets the error through).
    desk = desk_department(by)
    incident = Incident(
        title=title[:200],
        description=sanitize(description),
        nature=nature,
        source=source,
        category=category,
        impact=impact,
        urgency=urgency,
        priority=compute_priority(impact, urgency),
        requester=requester,
        contact_name=contact.name,
        contact_phone=contact.phone,
        contact_email=contact.email,
        contact_organisation=contact.organisation,
        configuration_item=configuration_item,
        location=location,
        owner=_owner_for(by, owner, desk),
        created_by=by if getattr(by, "is_authenticated", False) else None,
        department=desk,
        routed_department=route(
            category=category, location=location, configuration_item=configuration_item
        ),
        support_level=SupportLevel.L1,
        created_at=at,
        updated_at=at,
        assigned_at=at,
    )
    incident.full_clean(exclude=CLEAN_EXCLUDE, validate_unique=False, validate_constraints=False)
    _insert_new(incident, by=by, at=at)
    return incident


def _check_new(*, title, nature, source, impact, urgency, category) -> None:
    require(
        {
            "title": [_("A title is required.")] if not title else None,
            "nature": [_("Unknown nature.")] if nature not in Nature.values else None,
            "source": [_("Unknown source.")] if source not in Source.values else None,
            "impact": [_("Impact is 1, 2 or 3.")] if impact not in (1, 2, 3) else None,
            "urgency": [_("Urgency is 1, 2 or 3.")] if urgency not in (1, 2, 3) else None,
            "category": (
                [_("This category is not active.")]
                if category is not None and not category.active
                else None
            ),
        }
    )


def contact_completed(contact: Contact, requester) -> Contact:
    """The contact, completed from the requester's account when it names nobody: the name in
    Chinese order (surname first, no space; the username if the account has no name) and
    the e-mail if none was given. A contact with a name is the caller's own."""
    if requester is not None and not contact.name:
        # Chinese order: surname first, no space.
        contact.name = person_name(requester)
        contact.email = contact.email or requester.email
    return contact


def _owner_for(by, owner, desk: Department):
    """The owner named, else the desk agent or incident manager who logs it, else the desk's
    lead or first agent."""
    if owner is None:
        owner = by if rules.is_desk(by) or rules.is_incident_manager(by) else None
    if owner is None:
        owner = desk.lead or _first_agent(desk)
    if owner is None:
        raise ValidationError({"owner": _("The service desk has no agent to own this incident.")})
    return owner


def _insert_new(incident: Incident, *, by, at: datetime) -> None:
    """Write a new incident with its number, first segment, clocks and event.

    The clocks are planned first, so the incident and its segment are written once, with
    their deadlines, and all of it in one statement (``itsm.db.insert_linked``)."""
    opening = sla.clocks_planned(incident=incident, at=at)
    incident.next_deadline_at = opening.deadline
    segment = segment_first(incident, at, opening)
    event = events.created(incident=incident, actor=by, at=at)
    with transaction.atomic(savepoint=False):
        incident.number = format_number(timezone.localtime(at).year, next_number_value())
        new_incident = NewRows([incident])
        new_segment = NewRows([segment], {"incident_id": new_incident})
        insert_linked(
            new_incident,
            new_segment,
            NewRows(opening.sla, {"incident_id": new_incident}),
            NewRows(opening.ola, {"incident_id": new_incident, "segment_id": new_segment}),
            NewRows([event], {"incident_id": new_incident}),
        )
        # The SLA clocks as inserted, for the caller's answer (no read back).
        incident.loaded_sla_clocks = sla.clocks_opened(opening, at=at)
        events.recorded(event)
        if incident.priority == Priority.P1:
            major_declare(incident, by=by, at=at)


def _first_agent(desk: Department):
    membership = (
        Membership.objects.filter(department=desk, role__in=DESK_ROLES)
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    return membership.user if membership else None


def major_declare(incident: Incident, *, by, at) -> list:
    incident.is_major = True
    incident.save(update_fields=["is_major"])
    told = notify.major(incident, by=by)
    events.record(
        incident=incident,
        kind=EventKind.MAJOR_DECLARED,
        actor=by,
        at=at,
        from_status=incident.status,
        notified=told,
    )
    return told


def incident_follow_up(*, incident, by, title: str = "", description: str = "") -> Incident:
    """After closure a problem that comes back is a new incident linked to the old one."""
    with transaction.atomic():
        old = lock_incident(incident)
        if old.status != Status.CLOSED:
            raise TransitionNotAllowed(
                "follow_up", old.status, [], _("Only a closed incident gets a follow-up.")
            )
        if not (rules.may_edit(old, by) or rules.is_requester(old, by)):
            raise ActionForbidden(_("You may not open a follow-up of this incident."))
        new = incident_create(
            by=by,
            title=title or old.title,
            description=description or old.description,
            nature=old.nature,
            source=Source.WEB if rules.is_requester(old, by) else old.source,
            category=old.closing_category or old.category,
            impact=old.impact,
            urgency=old.urgency,
            requester=old.requester,
            contact=Contact(
                name=old.contact_name,
                phone=old.contact_phone,
                email=old.contact_email,
                organisation=old.contact_organisation,
            ),
            configuration_item=old.configuration_item,
            location=old.location,
            owner=old.owner if old.owner.is_active else None,
        )
        at = timezone.now()
        IncidentLink.objects.create(
            from_incident=new, to_incident=old, kind=LinkKind.FOLLOWS, created_by=by, created_at=at
        )
        events.record(
            incident=new,
            kind=EventKind.LINKED,
            actor=by,
            at=at,
            from_status=new.status,
            data={"kind": LinkKind.FOLLOWS, "to": old.number},
        )
    return new
