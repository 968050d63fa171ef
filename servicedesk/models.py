"""Service desk intake: console, portal, email and monitoring intake (DESIGN §5)."""
