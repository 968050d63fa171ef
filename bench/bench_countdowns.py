"""What the SLA countdowns cost the lists, at BENCH_INCIDENTS incidents (default 1,000,000)
each with a running resolution clock: the section queue's and the desk console's first
pages with their countdowns, the same pages without them (the rows' nearest deadline only,
as before the countdowns), the countdown selector alone on 25 and 100 rows, and a trivial
view, all in the same run (DESIGN §8: the queues' p95 ≤ 50 ms, constant query counts)."""

import os
import statistics
import sys

from common import generate_incidents, incident_count, p95, report, setup_django, timed

TOTAL = int(os.environ.get("BENCH_INCIDENTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "60"))


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
    from bench_sla_tick import generate_clocks

    added = generate_incidents(TOTAL)
    clocks = generate_clocks(TOTAL)
    print(f"database: {incident_count():,} incidents ({added:,} now), {clocks:,} clocks added")
    from django.contrib.auth import get_user_model
    from django.http import HttpResponse
    from django.test import Client, override_settings
    from django.urls import path

    import itsm.urls
    from incidents import selectors
    from itsm import configcache
    from sla.selectors import countdowns_for

    User = get_user_model()
    tech = User.objects.get(username="net1")
    agent = User.objects.get(username="desk1")
    rows = []

    def in_request(ids):
        # As in a request: the shared configuration generation is read once (itsm.configcache).
        configcache.begin_scope()
        try:
            countdowns_for(ids)
        finally:
            configcache.end_scope()

    for size in (25, 100):
        ids = list(selectors.section_queue(tech).values_list("id", flat=True)[:size])
        samples = timed(lambda ids=ids: in_request(ids), repeat=REPEAT)
        rows.append((f"countdowns_for, {len(ids)} rows", f"{p95(samples):.1f} ms", "p95, 1 query"))

    class BenchUrls:
        urlpatterns = [
            path("bench/trivial", lambda request: HttpResponse("ok")),
            *itsm.urls.urlpatterns,
        ]

    sys.modules["countdown_baseline_urls"] = BenchUrls
    real = selectors.with_countdowns
    with override_settings(ROOT_URLCONF="countdown_baseline_urls", DEBUG=False):
        client = Client()
        client.force_login(tech)
        base = timed(lambda: client.get("/bench/trivial"), repeat=REPEAT)
        rows.append(("trivial view (baseline)", f"{p95(base):.1f} ms", "p95"))
        for label, url, user in (
            ("section queue (all open)", "/incidents/queue/?tab=open", tech),
            ("desk console", "/desk/console/", agent),
        ):
            client.force_login(user)
            for variant in ("with countdowns", "without countdowns"):
                selectors.with_countdowns = real if variant == "with countdowns" else list
                if client.get(url).status_code != 200:
                    raise SystemExit(f"{url} did not answer 200")
                samples = timed(lambda url=url: client.get(url), repeat=REPEAT)
                rows.append(
                    (
                        f"{label}, {variant}",
                        f"{p95(samples):.1f} ms",
                        f"p95 (p50 {statistics.median(samples):.1f} ms), "
                        f"{p95(samples) / p95(base):.1f}x trivial; "
                        f"{_queries(client, url)} queries",
                    )
                )
            selectors.with_countdowns = real
    print(f"SLA countdowns on the lists, {REPEAT} requests each (goal: queue p95 <= 50 ms)")
    report(rows)


if __name__ == "__main__":
    main()
