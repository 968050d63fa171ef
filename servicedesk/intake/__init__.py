"""Intake channels: each turns what its channel received into incidents through the incident
services, with the contact built by ``servicedesk.services.contact_for``.

``alerts`` is the monitoring intake; email and other channels get a module here beside it.
The desk console and the portal are the interactive channels (``servicedesk.services``).
"""
