"""Section and desk queue first pages with BENCH_INCIDENTS incidents (default 1,000,000): the
technician's queue, the lead's (with the bulk bar's members and loads), the desk console (with
the agent's own open incidents), the desk manager's team view and the assign form's member
options; p95 server time and SQL query count, next to a trivial view in the same run."""

import os
import statistics

from common import generate_incidents, incident_count, p95, report, setup_django, timed

TOTAL = int(os.environ.get("BENCH_INCIDENTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "60"))


def main() -> None:
    setup_django()
    added = generate_incidents(TOTAL)
    print(f"database: {incident_count():,} incidents ({added:,} generated now)")
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.http import HttpResponse
    from django.test import Client, override_settings
    from django.urls import NoReverseMatch, path, reverse

    from incidents import selectors

    User = get_user_model()
    tech = User.objects.get(username="net1")
    lead = User.objects.get(username="netlead")
    agent = User.objects.get(username="desk1")
    desk_manager = User.objects.get(username="deskmgr")
    network = lead.memberships.order_by("-is_primary").first().department_id

    def selector_page():
        list(selectors.section_queue(tech)[:26])

    rows = []
    samples = timed(selector_page, repeat=REPEAT)
    rows.append(("section_queue selector, 26 rows", f"{p95(samples):.1f} ms", "p95"))

    # A trivial Django view through the same client and middleware: the baseline.
    import itsm.urls

    class BenchUrls:
        urlpatterns = [
            path("bench/trivial", lambda request: HttpResponse("ok")),
            *itsm.urls.urlpatterns,
        ]

    import sys

    sys.modules["queue_baseline_urls"] = BenchUrls
    with override_settings(ROOT_URLCONF="queue_baseline_urls", DEBUG=False):
        client = Client()
        client.force_login(tech)
        base = timed(lambda: client.get("/bench/trivial"), repeat=REPEAT)
        rows.append(("trivial view (baseline)", f"{p95(base):.1f} ms", "p95"))
        pages = []
        for label, name, query, user in (
            ("incidents:queue", "incidents:queue", "", tech),
            ("incidents:queue (lead, all open)", "incidents:queue", "?tab=open", lead),
            ("servicedesk:console", "servicedesk:console", "", agent),
            ("servicedesk:team", "servicedesk:team", "", desk_manager),
            (
                "incidents:assignee_options",
                "incidents:assignee_options",
                f"?department={network}",
                agent,
            ),
        ):
            try:
                pages.append((label, reverse(name) + query, user))
            except NoReverseMatch:
                rows.append((label, "absent", "page not built yet"))
        for name, url, user in pages:
            client.force_login(user)
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{name} answered {response.status_code}")
            samples = timed(lambda url=url: client.get(url), repeat=REPEAT)
            from django.conf import settings

            with override_settings(DEBUG=True):
                settings.DEBUG = True
                reset_queries()
                client.get(url)
                queries = len(connection.queries)
                reset_queries()
                client.get(url + ("&" if "?" in url else "?") + "page_size=100")
                queries_100 = len(connection.queries)
            ratio = p95(samples) / p95(base)
            rows.append(
                (
                    f"{name} first page",
                    f"{p95(samples):.1f} ms",
                    f"p95 (p50 {statistics.median(samples):.1f} ms), {ratio:.1f}x trivial; "
                    f"{queries} queries ({queries_100} at 100 rows)",
                )
            )
    print(f"queue pages, {REPEAT} requests each (goal: p95 <= 50 ms, constant query count)")
    report(rows)


if __name__ == "__main__":
    main()
