"""The incident list endpoint with BENCH_INCIDENTS incidents (default 1,000,000): p95 server
time and SQL queries of the first page and of the polling queries, next to a trivial DRF
endpoint in the same run (DESIGN §8).

    BENCH_INCIDENTS=1000000 BENCH_REPEAT=60 python bench/bench_api_list.py
"""

import os
import sys
from pathlib import Path

from common import generate_incidents, incident_count, p95, report, setup_django, timed

TOTAL = int(os.environ.get("BENCH_INCIDENTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "60"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    os.environ.setdefault("API_THROTTLE_RATE", "")
    setup_django()
    added = generate_incidents(TOTAL)
    print(f"database: {incident_count():,} incidents ({added:,} generated now)")
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client, override_settings
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    User = get_user_model()
    tokens = {
        name: Token.objects.get_or_create(user=User.objects.get(username=name))[0].key
        for name in ("desk1", "net1", "monitor")
    }
    recent = (timezone.now() - timedelta(hours=1)).isoformat()
    cases = [
        ("trivial DRF endpoint (baseline)", "desk1", "/bench/trivial/"),
        ("agent: first page (50)", "desk1", "/api/v1/incidents/"),
        ("agent: first page (200)", "desk1", "/api/v1/incidents/?page_size=200"),
        ("agent: open P1/P2", "desk1", "/api/v1/incidents/?status=new&status=assigned"
         "&priority=P1&priority=P2"),
        ("agent: network section", "desk1", "/api/v1/incidents/?department=network"),
        ("agent: poll updated_after 1 h", "desk1", f"/api/v1/incidents/?updated_after={recent}"),
        ("technician: first page", "net1", "/api/v1/incidents/"),
        ("system: first page", "monitor", "/api/v1/incidents/"),
    ]  # fmt: skip
    rows = []
    with override_settings(ROOT_URLCONF="baseline_urls", DEBUG=False):
        client = Client()
        base = None
        for name, user, url in cases:
            url = url.replace("+", "%2B")
            headers = {"HTTP_AUTHORIZATION": f"Token {tokens[user]}"}
            response = client.get(url, **headers)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}: {response.content[:200]}")
            samples = timed(
                lambda url=url, headers=headers: client.get(url, **headers), repeat=REPEAT
            )
            with override_settings(DEBUG=True):
                settings.DEBUG = True
                reset_queries()
                client.get(url, **headers)
                queries = len(connection.queries)
            note = f"p95, {queries} queries"
            if base is None:
                base = p95(samples)
            else:
                note += f", {p95(samples) / base:.1f}x trivial"
            # The next page through the cursor, too.
            nxt = response.json().get("next") if name != cases[0][0] else None
            rows.append((name, f"{p95(samples):.1f} ms", note))
            if nxt:
                samples = timed(
                    lambda nxt=nxt, headers=headers: client.get(nxt, **headers), repeat=REPEAT
                )
                rows.append(("  … its next page (cursor)", f"{p95(samples):.1f} ms", "p95"))
    print(f"GET /api/v1/incidents/, {REPEAT} requests each, in-process (server time)")
    report(rows)


if __name__ == "__main__":
    main()
