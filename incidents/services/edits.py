"""Edits of an incident's fields and the incident manager's priority override."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import events, rules
from incidents.choices import (
    EventKind,
    Priority,
)
from incidents.exceptions import ActionForbidden, TransitionNotAllowed
from incidents.models import (
    Incident,
)
from incidents.routing import compute_priority
from incidents.services.base import (
    CLEAN_EXCLUDE,
    clocks_moved,
    lock_incident,
    require,
    save_incident,
)
from incidents.services.intake import major_declare
from incidents.services.segments import segment_ola_set
from itsm.text import sanitize
from sla import services as sla

EDITABLE_FIELDS = (
    "title",
    "description",
    "nature",
    "category",
    "configuration_item",
    "location",
    "impact",
    "urgency",
    "contact_name",
    "contact_phone",
    "contact_email",
    "contact_organisation",
)

# Field validation skips the status (protected), the number (generated) and relations,


def incident_update(
    *, incident, by, changes: dict, expected_version: int | None = None
) -> Incident:
    """Edit the editable fields; impact/urgency re-compute the priority unless overridden."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    require({name: [_("This field cannot be changed.")] for name in unknown})
    at = timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident, expected_version=expected_version)
        if incident.is_final:
            raise TransitionNotAllowed(
                "update", incident.status, [], _("Closed and cancelled incidents are read-only.")
            )
        if not rules.may_edit(incident, by):
            raise ActionForbidden(_("You may not edit this incident."))
        # After the state and the right: an empty edit answers as a real one would, then 400.
        if not changes:
            raise ValidationError(_("Nothing to change: give at least one field."))
        diff = {}
        for name, value in changes.items():
            if name == "description":
                value = sanitize(value)
            if name == "title":
                value = (value or "").strip()
            old = getattr(incident, name)
            if old != value:
                setattr(incident, name, value)
                diff[name] = [_jsonable(old), _jsonable(value)]
        if not diff:
            return incident
        category = changes.get("category")
        if "category" in diff and category is not None and not category.active:
            raise ValidationError({"category": [_("This category is not active.")]})
        try:
            incident.full_clean(
                exclude=CLEAN_EXCLUDE,
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        fields = set(diff)
        if {"impact", "urgency"} & fields and not incident.priority_overridden:
            new_priority = compute_priority(incident.impact, incident.urgency)
            if new_priority != incident.priority:
                diff["priority"] = [incident.priority, new_priority]
                incident.priority = new_priority
                fields.add("priority")
        # The SLA policy is chosen by priority, nature, category and organisation.
        if {"priority", "nature", "category", "contact_organisation"} & fields:
            clocks_moved(incident, sla.clocks_replanned(incident=incident, at=at), fields)
        save_incident(incident, at, fields)
        events.changed(incident=incident, actor=by, at=at, changes=diff)
        if incident.priority == Priority.P1 and not incident.is_major:
            major_declare(incident, by=by, at=at)
    return incident


def _jsonable(value):
    if hasattr(value, "code"):
        return value.code
    if hasattr(value, "pk"):
        return value.pk
    return value


def incident_override_priority(
    *, incident, by, priority: str, reason: str, expected_version: int | None = None
) -> Incident:
    """Only the incident manager may override the computed priority, with a reason."""
    require(
        {
            "priority": [_("Unknown priority.")] if priority not in Priority.values else None,
            "reason": [_("A reason is required to override the priority.")]
            if not (reason or "").strip()
            else None,
        }
    )
    at = timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident, expected_version=expected_version)
        if incident.is_final:
            raise TransitionNotAllowed(
                "override_priority", incident.status, [], _("The incident is closed.")
            )
        if not rules.is_incident_manager(by):
            raise ActionForbidden(_("Only the incident manager may override the priority."))
        old = incident.priority
        incident.priority = priority
        incident.priority_overridden = True
        fields = {"priority", "priority_overridden"}
        clocks_moved(incident, sla.clocks_replanned(incident=incident, at=at), fields)
        save_incident(incident, at, fields)
        events.changed(
            incident=incident,
            actor=by,
            at=at,
            changes={"priority": [old, priority]},
            kind=EventKind.PRIORITY_CHANGED,
            reason=reason.strip(),
        )
        if priority == Priority.P1 and not incident.is_major:
            major_declare(incident, by=by, at=at)
    return incident


def incident_clocks_replan(*, incident_id: int, replan) -> None:
    """Re-plan one incident's clocks for ``sla.services.clocks_replan`` (a calendar or policy
    edit, through ``sla_handlers.on_replan``): lock the incident first, as every incident
    service does, let ``replan(incident)`` move its clocks, and write what it returns: the
    nearest deadline (the queue sort key) and the segments' OLA due times."""
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:
        return
    moved = replan(incident)
    segment_ola_set(moved)
    if moved.deadline != incident.next_deadline_at:
        Incident.objects.filter(pk=incident_id).update(next_deadline_at=moved.deadline)
