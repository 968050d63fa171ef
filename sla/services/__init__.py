"""SLA clock services, by capability (DESIGN §5):

- ``hooks``: what the incident services call inside their transactions (clocks planned,
  opened, met, paused, resumed, stopped, restarted, ended, re-planned; OLA segments; business
  days for the incident rules);
- ``tick``: the beat tick that fires thresholds exactly once;
- ``replan``: re-planning after calendar or policy edits;
- ``calendars``: writes on business calendars.

The arithmetic they share is ``sla.clockmath`` (no queries). ``sla`` never imports
``incidents``: it acts on incidents through the handlers registered in ``sla.handlers``.
"""

from sla.services.calendars import (
    CALENDAR_DATA_ENDING,
    ImportResult,
    LoadResult,
    calendar_data_warnings_send,
    calendar_import_year,
    calendar_load_china,
    calendar_load_days,
    calendar_touch,
)
from sla.services.hooks import (
    ClocksMoved,
    OpeningClocks,
    business_days_before,
    business_limit_exceeded,
    clocks_ended,
    clocks_opened,
    clocks_paused,
    clocks_planned,
    clocks_replanned,
    clocks_resolution_restarted,
    clocks_resolution_stopped,
    clocks_response_met,
    clocks_resumed,
    ola_segment_accepted,
    ola_segment_ended,
    ola_segment_started,
)
from sla.services.replan import Moved, clocks_replan
from sla.services.tick import TickResult, sla_tick

__all__ = [
    "CALENDAR_DATA_ENDING",
    "ClocksMoved",
    "ImportResult",
    "LoadResult",
    "Moved",
    "OpeningClocks",
    "TickResult",
    "business_days_before",
    "business_limit_exceeded",
    "calendar_data_warnings_send",
    "calendar_import_year",
    "calendar_load_china",
    "calendar_load_days",
    "calendar_touch",
    "clocks_ended",
    "clocks_opened",
    "clocks_paused",
    "clocks_planned",
    "clocks_replan",
    "clocks_replanned",
    "clocks_resolution_restarted",
    "clocks_resolution_stopped",
    "clocks_response_met",
    "clocks_resumed",
    "ola_segment_accepted",
    "ola_segment_ended",
    "ola_segment_started",
    "sla_tick",
]
