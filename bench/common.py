"""Shared set-up of the benchmarks: a separate PostgreSQL database and a fast generator.

Every benchmark runs against its own database (``BENCH_DATABASE``, default ``itsm_bench``)
on the local PostgreSQL, migrated and seeded with the demo organisation, so that the test
and development databases are never touched. ``generate_incidents`` fills it to size with
server-side ``INSERT … SELECT generate_series`` (about a minute for 1,000,000 rows).
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "itsm_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def setup_django() -> None:
    """Point Django at the bench database (created if missing), migrate and seed it."""
    import psycopg2

    conn = psycopg2.connect(f"{PG}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    conn.close()
    os.environ["DATABASE_URL"] = f"{PG}/{BENCH_DATABASE}"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings

    # Pages are rendered without collectstatic: plain static URLs, no manifest.
    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from incidents import demo as incidents_demo
    from itsm import demo as itsm_demo
    from sla import demo as sla_demo

    itsm_demo.seed()
    # Calendars, policies and OLAs: creation benchmarks then include the SLA clocks.
    sla_demo.seed()
    incidents_demo.seed_configuration()
    # As itsm/wsgi.py does in a server process.
    from itsm.startup import settle_heap

    settle_heap()


def incident_count() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM incidents_incident")
        return cur.fetchone()[0]


def generate_incidents(total: int, *, open_share: float = 0.1) -> int:
    """Bring the number of incidents up to ``total``; returns how many were added.

    Rows are made in SQL: a mix of natures, sources, priorities and sections, ``open_share``
    of them open (spread over new/assigned/in_progress/suspended) with a next deadline, the
    rest closed or cancelled, created over the last 12 months.
    """
    from django.db import connection

    from itsm.models import Department

    have = incident_count()
    missing = total - have
    if missing <= 0:
        return 0
    sections = list(
        Department.objects.exclude(kind="administrative")
        .order_by("id")
        .values_list("id", flat=True)
    )
    from django.contrib.auth import get_user_model

    users = list(get_user_model().objects.order_by("id").values_list("id", flat=True))
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM incidents_incident")
        start = cur.fetchone()[0] + 1
        users_sql = "ARRAY[" + ",".join(str(u) for u in users) + "]::bigint[]"
        sections_sql = "ARRAY[" + ",".join(str(d) for d in sections) + "]::bigint[]"
        template = f"""
        INSERT INTO incidents_incident (
            number, nature, source, configuration_item, location, contact_name, contact_phone,
            contact_email, contact_organisation, title, description, impact, urgency, priority,
            priority_overridden, status, owner_id, department_id, assignee_id, support_level,
            escalation_level, is_major, in_dispute, resume_reminded, resolution, knowledge_ref,
            first_contact_resolution, close_method, satisfaction_comment, handover_count,
            bounce_count, reopen_count, created_at, updated_at, closed_at, resolved_at,
            accepted_at, assigned_at, next_deadline_at, accept_overdue_notified, version,
            requester_id
        )
        SELECT
            'INC-2026-' || lpad(g::text, 7, '0'),
            (ARRAY['fault','fault','fault','request','inquiry','complaint'])[1 + g % 6],
            (ARRAY['phone','phone','web','email','walk_in','monitoring','api'])[1 + g % 7],
            '', '', '', '', '', '',
            'Generated incident ' || g, '', 1 + g % 3, 1 + (g / 3) % 3,
            (ARRAY['P1','P2','P3','P4'])[1 + (g % 17) % 4],
            false,
            CASE WHEN r < {float(open_share)} THEN
                (ARRAY['new','assigned','in_progress','suspended'])[1 + g % 4]
                 ELSE (ARRAY['closed','closed','closed','closed','cancelled'])[1 + g % 5] END,
            ({users_sql})[1 + g % {len(users)}],
            ({sections_sql})[1 + g % {len(sections)}],
            NULL, 'L2', 0, false, false, false, '', '', false, '', '',
            g % 3, g % 5 / 4, 0,
            now() - (g % 365) * interval '1 day' - (g % 1440) * interval '1 minute',
            now() - (g % 365) * interval '1 day',
            CASE WHEN r < {float(open_share)} THEN NULL
                 ELSE now() - (g % 365) * interval '1 day' END,
            NULL, NULL,
            now() - (g % 365) * interval '1 day',
            CASE WHEN r < {float(open_share)} THEN now() + (g % 10000) * interval '1 minute' END,
            false, 1, NULL
        FROM (
            SELECT g, ((g * 7919) % 1000) / 1000.0 AS r
            FROM generate_series({{lo}}::bigint, {{hi}}::bigint) AS g
        ) AS s
        """
        chunk = 200_000
        for lo in range(start, start + missing, chunk):
            hi = min(lo + chunk - 1, start + missing - 1)
            cur.execute(template.format(lo=int(lo), hi=int(hi)))
        cur.execute(
            "SELECT setval('incidents_incident_number_seq', "
            "greatest((SELECT max(id) FROM incidents_incident), 1) + 1)"
        )
        cur.execute("ANALYZE incidents_incident")
    return missing


def timed(fn, *, repeat: int, warmup: int = 3) -> list[float]:
    """Run ``fn`` and return the durations in milliseconds."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


def report(rows: list[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>14}  {note}")
