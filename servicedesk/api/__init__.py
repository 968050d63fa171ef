"""The monitoring intake API: ``POST /api/v1/alerts/`` (our shape or Alertmanager's)."""
