"""The report pages with BENCH_INCIDENTS incidents (default 1,000,000) over the last 12
months: the director's overview, the section and desk views, a drill-down's first page and a
month's XLSX export, as p95 server time and SQL queries, next to a trivial view in the same
run (goal: overview p95 <= 300 ms; the export in constant memory)."""

import os
import statistics
import sys
import tracemalloc
from datetime import timedelta

import common
from common import generate_incidents, incident_count, p95, report, setup_django, timed

TOTAL = int(os.environ.get("BENCH_INCIDENTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))


def _generate() -> int:
    """kpi's generator (segments, clocks, events) when it exists, else the incidents alone."""
    generator = getattr(common, "generate_report_data", None)
    if generator is not None:
        return generator(TOTAL)
    return generate_incidents(TOTAL)


def _queries(client, url) -> int:
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import override_settings

    with override_settings(DEBUG=True):
        settings.DEBUG = True
        reset_queries()
        client.get(url)
        count = len(connection.queries)
    settings.DEBUG = False
    return count


def _export_peak(client, url) -> tuple[float, int, float]:
    """Seconds, bytes and the Python heap's peak (MiB) of one streamed export."""
    import time

    tracemalloc.start()
    t0 = time.perf_counter()
    response = client.get(url)
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - t0
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, size, peak / 2**20


def main() -> None:
    setup_django()
    added = _generate()
    print(f"database: {incident_count():,} incidents ({added:,} generated now)")
    from django.contrib.auth import get_user_model
    from django.http import HttpResponse
    from django.test import Client, override_settings
    from django.urls import path, reverse
    from django.utils import timezone

    import itsm.urls

    User = get_user_model()
    today = timezone.localdate()
    year = f"period=custom&from={today - timedelta(days=364)}&to={today}"
    month = f"period=custom&from={today.replace(day=1) - timedelta(days=1):%Y-%m}-01"
    month += f"&to={today.replace(day=1) - timedelta(days=1)}"

    class BenchUrls:
        urlpatterns = [
            path("bench/trivial", lambda request: HttpResponse("ok")),
            *itsm.urls.urlpatterns,
        ]

    sys.modules["report_pages_baseline_urls"] = BenchUrls
    rows = []
    with override_settings(ROOT_URLCONF="report_pages_baseline_urls", DEBUG=False):
        client = Client()
        client.force_login(User.objects.get(username="director"))
        base = timed(lambda: client.get("/bench/trivial"), repeat=REPEAT)
        rows.append(("trivial view (baseline)", f"{p95(base):.1f} ms", "p95"))
        pages = [
            ("overview, 12 months", "director", f"{reverse('reports:dashboard')}?{year}"),
            ("overview, this month", "director", reverse("reports:dashboard")),
            ("section view, 12 months", "netlead", f"{reverse('reports:section')}?{year}"),
            ("desk view, 12 months", "deskmgr", f"{reverse('reports:desk')}?{year}"),
            (
                "drill-down, first page",
                "director",
                f"{reverse('reports:incidents', args=['volume'])}?{year}",
            ),
        ]
        for label, username, url in pages:
            client.force_login(User.objects.get(username=username))
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{label} answered {response.status_code}")
            samples = timed(lambda url=url: client.get(url), repeat=REPEAT)
            ratio = p95(samples) / p95(base)
            rows.append(
                (
                    label,
                    f"{p95(samples):.1f} ms",
                    f"p95 (p50 {statistics.median(samples):.1f} ms), {ratio:.1f}x trivial; "
                    f"{_queries(client, url)} queries",
                )
            )
        client.force_login(User.objects.get(username="director"))
        export = f"{reverse('reports:incidents-export', args=['volume', 'xlsx'])}?{month}"
        seconds, size, peak = _export_peak(client, export)
        rows.append(
            (
                "last month's incidents, XLSX",
                f"{seconds:.1f} s",
                f"{size / 2**20:.1f} MiB file, Python heap peak {peak:.1f} MiB",
            )
        )
    print(f"report pages, {REPEAT} requests each (goal: overview p95 <= 300 ms)")
    report(rows)


if __name__ == "__main__":
    main()
