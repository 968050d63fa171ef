"""Steps every incident service shares: lock the row, check the action, save, and the
field checks; the desk section and support levels they need."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from incidents.choices import (
    FINAL_STATUSES,
    SupportLevel,
)
from incidents.exceptions import ActionForbidden, StaleIncident, TransitionNotAllowed
from incidents.models import (
    Incident,
)
from incidents.services.segments import segment_ola_set
from itsm.models import Department, DepartmentKind


def transition_action(method_name: str) -> str:
    """The action that takes a model transition: the method's name, less the underscore that a
    Python keyword needs (``Incident.return_`` is the action ``return``)."""
    return method_name.removesuffix("_")


# The transition actions, {action: model method}, read from the model's transitions.
# incidents/actions.py declares what each takes and which service runs it; it names the
# services, so they cannot read it, and a test holds its transitions equal to these.
ACTIONS = {
    transition_action(t.name): t.name
    for t in Incident._meta.get_field("status").get_all_transitions(Incident)
}
METHOD_TO_ACTION = {v: k for k, v in ACTIONS.items()}


CLEAN_EXCLUDE = [
    "status",
    "number",
    "owner",
    "created_by",
    "requester",
    "category",
    "closing_category",
    "department",
    "routed_department",
    "assignee",
    "suspend_reason",
    "resolution_code",
    "resolved_by",
]


def available_actions(incident: Incident, user) -> list[str]:
    """The actions the user may take now on the incident (state, conditions and rights)."""
    if user is None or not user.is_authenticated:
        return []
    return sorted(
        METHOD_TO_ACTION[t.name]
        for t in incident.get_available_user_status_transitions(user)
        if t.name in METHOD_TO_ACTION
    )


def lock_incident(
    incident: Incident | int | str, *, expected_version: int | None = None
) -> Incident:
    """The incident, re-read and locked for the rest of the transaction."""
    # No select_related here: a row re-read after waiting for the lock must not come with a
    # joined department row from before the wait.
    qs = Incident.objects.select_for_update()
    if isinstance(incident, Incident):
        locked = qs.get(pk=incident.pk)
    elif isinstance(incident, int):
        locked = qs.get(pk=incident)
    else:
        locked = qs.get(number=incident)
    if expected_version is not None and locked.version != expected_version:
        raise StaleIncident(locked.version)
    return locked


def ensure_allowed(incident: Incident, action: str, by) -> None:
    """Raise 409-style if the state does not allow the action, 403-style if the user may not."""
    method = getattr(incident, ACTIONS[action])
    if not can_proceed(method):
        raise TransitionNotAllowed(action, incident.status, available_actions(incident, by))
    if by is not None and not has_transition_perm(method, by):
        raise ActionForbidden(_("You may not %(action)s this incident.") % {"action": action})


def save_incident(incident: Incident, at: datetime, fields: set[str]) -> None:
    incident.version += 1
    incident.updated_at = at
    incident.save(update_fields=sorted(fields | {"version", "updated_at"}))


def require(errors: dict) -> None:
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise ValidationError(errors)


def support_level_for(department: Department) -> str:
    if department.kind == DepartmentKind.SERVICE_DESK:
        return SupportLevel.L1
    if department.kind == DepartmentKind.VENDOR:
        return SupportLevel.L3
    return SupportLevel.L2


def set_deadline(incident: Incident, deadline, fields: set[str]) -> None:
    if incident.next_deadline_at != deadline:
        incident.next_deadline_at = deadline
        fields.add("next_deadline_at")


def clocks_moved(incident: Incident, moved, fields: set[str]) -> None:
    """Keep what a clock service moved (``sla.services.ClocksMoved``): the incident's nearest
    deadline (saved by the caller with ``fields``) and its segments' OLA fields (written now,
    by the segments' writer)."""
    set_deadline(incident, moved.deadline, fields)
    segment_ola_set(moved)


def ensure_writable(incident: Incident, action: str) -> None:
    if incident.status in FINAL_STATUSES:
        raise TransitionNotAllowed(
            action, incident.status, [], _("Closed and cancelled incidents are read-only.")
        )
