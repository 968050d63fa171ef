"""Incidents: the incident, its state machine and principles (DESIGN §2)."""
