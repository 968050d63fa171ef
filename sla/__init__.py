"""sla app."""
