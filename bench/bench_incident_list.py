"""The all-incidents list with BENCH_INCIDENTS incidents (default 1,000,000): first pages
filtered and sorted by the nearest deadline, and the CSV export, next to a trivial view in
the same run (goal: p95 <= 50 ms for a first page, constant query count)."""

import os
import time

from common import generate_incidents, incident_count, report, setup_django
from search_data import add_search_text, page_timer

TOTAL = int(os.environ.get("BENCH_INCIDENTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "40"))

PAGES = [
    ("default (newest first)", ""),
    ("sorted by deadline", "sort=deadline"),
    ("in progress, by deadline", "status=in_progress&sort=deadline"),
    (
        "P1+P2 new/assigned, by deadline",
        "priority=P1&priority=P2&status=new&status=assigned&sort=deadline",
    ),
    ("one section, open, by deadline", "department=network&status=assigned&sort=deadline"),
    ("breached, by deadline", "breached=true&sort=deadline"),
    ("created this month, by deadline", "created_after=2026-12-01&sort=deadline"),
    ("text 打印机, by deadline", "q=%E6%89%93%E5%8D%B0%E6%9C%BA&sort=deadline"),
    ("100 rows, by deadline", "sort=deadline&page_size=100"),
]


def main() -> None:
    setup_django()
    added = generate_incidents(TOTAL)
    add_search_text()
    print(f"database: {incident_count():,} incidents ({added:,} generated now)")
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    client, measure = page_timer(REPEAT)
    rows = []
    client.force_login(users.get(username="im"))
    base, base50, *_ = measure("/bench/trivial")
    rows.append(("trivial view (baseline)", f"{base:.1f} ms", f"p95 (p50 {base50:.1f} ms)"))
    for label, query in PAGES:
        p, p50, status, queries, response = measure(f"/incidents/all/?{query}")
        if status != 200:
            raise SystemExit(f"{label}: HTTP {status}")
        shown = response.content.decode().count("data-incident=")
        rows.append(
            (
                f"list: {label}",
                f"{p:.1f} ms",
                f"p95 (p50 {p50:.1f} ms), {p / base:.1f}x trivial; {shown} rows, {queries} queries",
            )
        )
    t0 = time.perf_counter()
    response = client.get("/incidents/all/export.csv?sort=deadline")
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    rows.append(
        (
            "CSV export, sorted by deadline",
            f"{(time.perf_counter() - t0) * 1000:.0f} ms",
            f"{lines - 1:,} rows (the bound)",
        )
    )
    print(f"all-incidents list, {REPEAT} requests each (goal: p95 <= 50 ms)")
    report(rows)


if __name__ == "__main__":
    main()
