"""SLA clock services: the narrow interface the incident services call (DESIGN §5).

``sla`` never imports ``incidents``: each function takes the incident (or segment) object
the caller has locked and returns the nearest running deadline of that incident, which the
caller keeps on the incident for queue sorting. Until SLA policies and calendars exist
(the SLA issue), no clock is planned and every function returns None.
"""

from datetime import datetime


def clocks_started(*, incident, at: datetime) -> datetime | None:
    """The incident was logged: start its response and resolution clocks."""
    return None


def clocks_response_met(*, incident, at: datetime) -> datetime | None:
    """Someone accepted the incident: the response clock stops (met or breached)."""
    return None


def clocks_paused(*, incident, at: datetime) -> datetime | None:
    """Suspended with a reason that stops the clock."""
    return None


def clocks_resumed(*, incident, at: datetime) -> datetime | None:
    """Work resumed: paused clocks run again, deadlines moved by the paused business time."""
    return None


def clocks_resolution_stopped(*, incident, at: datetime) -> datetime | None:
    """Resolved: the resolution clock stops."""
    return None


def clocks_resolution_restarted(*, incident, at: datetime) -> datetime | None:
    """Reopened: the resolution clock runs again from where it stopped."""
    return None


def clocks_ended(*, incident, at: datetime) -> datetime | None:
    """Closed or cancelled: every clock of the incident ends."""
    return None


def clocks_replanned(*, incident, at: datetime) -> datetime | None:
    """Priority changed: running clocks follow the policy of the new priority."""
    return None


def ola_segment_started(*, segment, at: datetime) -> None:
    """The incident arrived at a section: its OLA targets start."""


def ola_segment_accepted(*, segment, at: datetime) -> None:
    """The section accepted the incident: the OLA acceptance target stops."""


def ola_segment_ended(*, segment, at: datetime) -> None:
    """The incident left the section: the OLA resolve-or-hand-on target stops."""
