"""The one entry point of the browser and the API: an action by its name."""

from incidents.models import Incident


def incident_act(
    *, incident, by, action: str, expected_version: int | None = None, **kwargs
) -> Incident:
    """Take the action named ``action`` with the keyword arguments of its service (the table
    of actions converts a form's or a serializer's input into them); ``expected_version`` is
    passed on when given."""
    # The table names the services, so it is read here, when an action is taken: imported at
    # the top, it would be half-loaded whenever it is the first of the two to be imported.
    from incidents.actions import ACTIONS

    declared = ACTIONS.get(action)
    if declared is None:
        raise ValueError(f"unknown action {action!r}")
    if expected_version is not None:
        kwargs["expected_version"] = expected_version
    return declared.service(incident=incident, by=by, **kwargs)
