"""incidents app."""
