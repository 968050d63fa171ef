"""SLA and OLA: calendars, policies, clocks and the tick (DESIGN §3)."""
