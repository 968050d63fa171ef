"""The KPI endpoints of the API (``/api/v1/reports/kpis/``)."""
