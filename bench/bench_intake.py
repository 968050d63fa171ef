"""The live hints of the desk's log form (priority, routing, duplicate hints) with
BENCH_INCIDENTS incidents (default 1,000,000): p95 server time and SQL queries of each kind of
typing, next to a trivial view in the same run. Goal: p95 <= 50 ms, so that the hints follow
the typing; a constant number of queries."""

import os
import statistics
import sys

from common import generate_incidents, incident_count, p95, report, setup_django, timed

TOTAL = int(os.environ.get("BENCH_INCIDENTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "60"))

# What an agent may have typed: a title whose words most recent incidents share, a Chinese
# title nothing matches, a caller (account and phone), a configuration item.
TYPED = {
    "title shared by many open incidents": {"title": "Generated incident 42"},
    "Chinese title, no match": {"title": "三楼打印机卡纸", "impact": "2", "urgency": "1"},
    "caller account and phone": {"title": "邮箱", "requester": "user1", "contact_phone": "1"},
    "configuration item and category": {"configuration_item": "SW-3F-01", "category": "1"},
}


def main() -> None:
    setup_django()
    added = generate_incidents(TOTAL)
    print(f"database: {incident_count():,} incidents ({added:,} generated now)")
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.http import HttpResponse
    from django.test import Client, override_settings
    from django.urls import path, reverse

    import itsm.urls

    class BenchUrls:
        urlpatterns = [
            path("bench/trivial", lambda request: HttpResponse("ok")),
            *itsm.urls.urlpatterns,
        ]

    sys.modules["intake_baseline_urls"] = BenchUrls
    agent = get_user_model().objects.get(username="desk1")
    rows = []
    from servicedesk import selectors

    samples = timed(lambda: selectors.duplicate_hints(agent, title="三楼打印机卡纸"), repeat=REPEAT)
    rows.append(("duplicate_hints selector, Chinese title", f"{p95(samples):.1f} ms", "p95"))
    with override_settings(ROOT_URLCONF="intake_baseline_urls", DEBUG=False):
        client = Client()
        client.force_login(agent)
        base = timed(lambda: client.get("/bench/trivial"), repeat=REPEAT)
        rows.append(("trivial view (baseline)", f"{p95(base):.1f} ms", "p95"))
        url = reverse("servicedesk:log_hints")
        for name, params in TYPED.items():
            response = client.get(url, params)
            if response.status_code != 200:
                raise SystemExit(f"{name}: the hints answered {response.status_code}")
            samples = timed(lambda params=params: client.get(url, params), repeat=REPEAT)
            with override_settings(DEBUG=True):
                settings.DEBUG = True
                reset_queries()
                shown = client.get(url, params).content.decode().count("data-duplicate=")
                queries = len(connection.queries)
            rows.append(
                (
                    f"hints: {name}",
                    f"{p95(samples):.1f} ms",
                    f"p95 (p50 {statistics.median(samples):.1f} ms), "
                    f"{p95(samples) / p95(base):.1f}x trivial; {queries} queries, "
                    f"{shown} hints",
                )
            )
    print(f"log-form hints, {REPEAT} requests each (goal: p95 <= 50 ms, constant query count)")
    report(rows)


if __name__ == "__main__":
    main()
