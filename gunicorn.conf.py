"""gunicorn settings of the web service: the image's command, docker-compose.yml and the API
benchmarks all run gunicorn with this file (docs/operations.md)."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# gunicorn's advised starting point: two sync workers per core plus one, so that a worker
# waiting on PostgreSQL or Redis leaves its core to another. WEB_CONCURRENCY sets it
# explicitly (do so in a container limited to fewer cores than the host has).
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * len(os.sched_getaffinity(0)) + 1)

# One line per request on standard output; GUNICORN_ACCESS_LOG="" turns it off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
