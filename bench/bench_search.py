"""The navigation's search with BENCH_INCIDENTS incidents (default 1,000,000) that carry
Chinese and English text (search_data.add_search_text): p95 server time per kind of query,
next to a trivial view in the same run (goal: p95 <= 100 ms)."""

import os
from urllib.parse import quote

from common import generate_incidents, incident_count, report, setup_django
from search_data import RARE_WORD, add_search_text, page_timer

TOTAL = int(os.environ.get("BENCH_INCIDENTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "40"))

QUERIES = [
    ("full number", "INC-2026-0500000"),
    ("short number", "500000"),
    ("two Chinese characters, common (网络)", "网络"),
    ("two Chinese characters, rarer (蓝屏)", "蓝屏"),
    ("three Chinese characters (打印机)", "打印机"),
    ("English word (timeout)", "timeout"),
    ("English, two letters (pn)", "pn"),
    (f"rare word ({RARE_WORD})", RARE_WORD),
    ("rare word in comments only (交换机端口)", "交换机端口"),
    ("caller's phone", "13800123456"),
    ("caller's name (王芳)", "王芳"),
    ("nothing matches (量子纠缠)", "量子纠缠"),
]


def main() -> None:
    setup_django()
    added = generate_incidents(TOTAL)
    text_added = add_search_text()
    print(
        f"database: {incident_count():,} incidents ({added:,} generated now"
        f"{', text added now' if text_added else ''})"
    )
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    client, measure = page_timer(REPEAT)
    rows = []
    client.force_login(users.get(username="desk1"))
    base, base50, *_ = measure("/bench/trivial")
    rows.append(("trivial view (baseline)", f"{base:.1f} ms", f"p95 (p50 {base50:.1f} ms)"))
    for who in ("desk1", "net1"):
        client.force_login(users.get(username=who))
        for label, text in QUERIES:
            url = "/incidents/search/?q=" + quote(text)
            p, p50, status, queries, response = measure(url)
            shown = response.content.decode().count("data-incident=") if status == 200 else "-"
            rows.append(
                (
                    f"{who}: {label}",
                    f"{p:.1f} ms",
                    f"p95 (p50 {p50:.1f} ms), {p / base:.1f}x trivial; HTTP {status}, "
                    f"{shown} rows, {queries} queries",
                )
            )
    print(f"search, {REPEAT} requests each (goal: p95 <= 100 ms)")
    report(rows)


if __name__ == "__main__":
    main()
