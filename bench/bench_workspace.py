"""The workspace with its counting cards ("待派单 12") and the filtered inbox, with
BENCH_INCIDENTS incidents (default 1,000,000): p95 server time and SQL query count per role,
next to a trivial view in the same run."""

import os
import statistics
import sys

from common import generate_incidents, incident_count, p95, report, setup_django, timed

TOTAL = int(os.environ.get("BENCH_INCIDENTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "60"))
PAGES = [
    ("workspace, agent (待派单)", "desk1", "/"),
    ("workspace, technician (待受理)", "net1", "/"),
    ("workspace, incident manager", "im", "/"),
    ("workspace, requester (处理中)", "user1", "/"),
    ("inbox, filtered by kind", "desk1", "/notifications/?kind=incident.assigned"),
]


def _queries(client, url) -> int:
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import override_settings

    with override_settings(DEBUG=True):
        settings.DEBUG = True
        reset_queries()
        client.get(url)
        return len(connection.queries)


def main() -> None:
    setup_django()
    added = generate_incidents(TOTAL)
    print(f"database: {incident_count():,} incidents ({added:,} generated now)")
    from django.contrib.auth import get_user_model
    from django.http import HttpResponse
    from django.test import Client, override_settings
    from django.urls import path

    import itsm.urls

    class BenchUrls:
        urlpatterns = [
            path("bench/trivial", lambda request: HttpResponse("ok")),
            *itsm.urls.urlpatterns,
        ]

    sys.modules["workspace_baseline_urls"] = BenchUrls
    users = get_user_model().objects
    rows = []
    with override_settings(ROOT_URLCONF="workspace_baseline_urls", DEBUG=False):
        client = Client()
        client.force_login(users.get(username="desk1"))
        base = timed(lambda: client.get("/bench/trivial"), repeat=REPEAT)
        rows.append(("trivial view (baseline)", f"{p95(base):.1f} ms", "p95"))
        for label, username, url in PAGES:
            client.force_login(users.get(username=username))
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} as {username} answered {response.status_code}")
            samples = timed(lambda url=url: client.get(url), repeat=REPEAT)
            rows.append(
                (
                    label,
                    f"{p95(samples):.1f} ms",
                    f"p95 (p50 {statistics.median(samples):.1f} ms), "
                    f"{p95(samples) / p95(base):.1f}x trivial; {_queries(client, url)} queries",
                )
            )
    print(f"workspace and inbox, {REPEAT} requests each (goal: p95 <= 50 ms, constant queries)")
    report(rows)


if __name__ == "__main__":
    main()
