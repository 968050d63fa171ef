"""Reports: KPI definitions, roll-ups, dashboards and exports (DESIGN §4)."""
