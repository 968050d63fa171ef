"""Errors the incident services raise; the views and the API map them to answers."""

from django.core.exceptions import PermissionDenied


class TransitionNotAllowed(Exception):
    """The action is not possible in the incident's current state (HTTP 409)."""

    def __init__(self, action: str, status: str, allowed: list[str], message: str = ""):
        self.action = action
        self.status = status
        self.allowed = allowed
        super().__init__(message or f"'{action}' is not allowed while the incident is {status}")


class ActionForbidden(PermissionDenied):
    """The caller may not take this action on this incident (HTTP 403)."""


class StaleIncident(Exception):
    """The caller's copy of the incident is out of date (HTTP 412)."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(f"the incident has changed (now version {current_version})")
