"""servicedesk app."""
