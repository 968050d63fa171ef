"""Several incidents at once from a queue: the same action on each, each in its own
transaction through the one entry point (``incident_act``), so that one refusal undoes
nothing done to the others."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError

from incidents.exceptions import StaleIncident, TransitionNotAllowed
from incidents.models import Incident
from incidents.services.dispatch import incident_act

# What a queue may do to several incidents at once.
BULK_ACTIONS = ("accept", "assign")


@dataclass
class BulkOutcome:
    """One row's result: the incident as it is now (None when the user may not see it) and
    the refusal, if any (the service's exception, for the caller to word)."""

    number: str
    incident: Incident | None
    error: Exception | None = None

    @property
    def done(self) -> bool:
        return self.error is None


def incidents_bulk_act(
    *,
    by,
    action: str,
    items: list[tuple[str, int | None]],
    arguments: Callable[[Incident], dict] | None = None,
) -> list[BulkOutcome]:
    """Take ``action`` on each ``(number, version seen)`` of ``items``, in order; a number the
    user may not see is refused as not found. ``arguments`` gives the action's own arguments
    for each incident (an assignment stays within the row's own section)."""
    if action not in BULK_ACTIONS:
        raise ValueError(f"not a bulk action: {action!r}")
    found = Incident.objects.visible_to(by).in_bulk(
        [number for number, _version in items], field_name="number"
    )
    outcomes = []
    for number, version in items:
        incident = found.get(number)
        if incident is None:
            outcomes.append(BulkOutcome(number, None, Incident.DoesNotExist(number)))
            continue
        outcomes.append(_one(incident, by, action, version, arguments))
    return outcomes


def _one(incident, by, action, version, arguments) -> BulkOutcome:
    kwargs = arguments(incident) if arguments is not None else {}
    try:
        incident = incident_act(
            incident=incident, by=by, action=action, expected_version=version, **kwargs
        )
    except (StaleIncident, TransitionNotAllowed, PermissionDenied, ValidationError) as exc:
        return BulkOutcome(incident.number, incident, exc)
    return BulkOutcome(incident.number, incident)
