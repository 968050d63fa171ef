"""The monthly service report (HTML page and PDF) for last month with BENCH_INCIDENTS
incidents over 12 months (default 1,000,000): server time and SQL queries, next to a trivial
view in the same run. No budget in DESIGN §8: a report read once a month, printed once; the
figure shows what the page and the PDF cost next to the KPI endpoint (bench_kpis.py)."""

import os
import statistics
import sys

from bench_kpis import complete_for_kpis
from common import generate_incidents, incident_count, p95, report, setup_django, timed

TOTAL = int(os.environ.get("BENCH_INCIDENTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
PDF_REPEAT = int(os.environ.get("BENCH_PDF_REPEAT", "2"))


def main() -> None:
    setup_django()
    added = generate_incidents(TOTAL)
    complete_for_kpis()
    print(f"database: {incident_count():,} incidents ({added:,} generated now)")
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.http import HttpResponse
    from django.test import Client, override_settings
    from django.urls import path
    from django.utils import timezone

    from reports.monthly import previous_month

    month = f"{previous_month(timezone.localdate()):%Y-%m}"
    import itsm.urls

    class BenchUrls:
        urlpatterns = [
            path("bench/trivial", lambda request: HttpResponse("ok")),
            *itsm.urls.urlpatterns,
        ]

    sys.modules["monthly_baseline_urls"] = BenchUrls
    rows = []
    with override_settings(ROOT_URLCONF="monthly_baseline_urls", DEBUG=False):
        client = Client()
        client.force_login(get_user_model().objects.get(username="director"))
        base = timed(lambda: client.get("/bench/trivial"), repeat=20)
        rows.append(("trivial view (baseline)", f"{p95(base):.1f} ms", "p95"))
        for label, url, repeat in (
            ("monthly report page", f"/reports/monthly/?month={month}", REPEAT),
            ("monthly report PDF", f"/reports/monthly/pdf/?month={month}", PDF_REPEAT),
        ):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            samples = timed(lambda url=url: client.get(url), repeat=repeat, warmup=0)
            with override_settings(DEBUG=True):
                settings.DEBUG = True
                reset_queries()
                client.get(url)
                queries = len(connection.queries)
            rows.append(
                (
                    label,
                    f"{max(samples):.0f} ms",
                    f"max of {repeat} (median {statistics.median(samples):.0f} ms), "
                    f"{max(samples) / p95(base):.0f}x trivial; {queries} queries",
                )
            )
    report(rows)


if __name__ == "__main__":
    main()
