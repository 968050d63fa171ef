"""Benchmark the SLA tick (DESIGN §8): with 1,000,000 open clocks and none due (goal ≤ 50 ms),
and with 10,000 due at once (goal ≤ 2 s), next to baselines measured in the same run.

Run from the repository root:  .venv/bin/python bench/bench_sla_tick.py
Smaller quick run:             BENCH_CLOCKS=100000 .venv/bin/python bench/bench_sla_tick.py

It uses the benchmark database and incident generator of bench/common.py (``itsm_bench`` on
the local PostgreSQL, created, migrated and seeded if missing; the same incidents as the
other benchmarks), then adds one running resolution clock per incident with
``INSERT … SELECT``, whose next check lies in the coming week. The clocks are attached
whatever the incident's status: the tick reads clocks, not incidents, so this is the cost of
1,000,000 open clocks. For the "due" runs a set of
clocks is made due (their 75 % threshold crossed), the tick is timed, and the clocks are put
back.

Environment: BENCH_CLOCKS (1,000,000), BENCH_DUE (10,000), BENCH_HANDLER_DUE (10,000: due
clocks handled with the incidents' real handler, escalation and outbox, rolled back after).
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import generate_incidents, report, setup_django, timed  # noqa: E402

CLOCKS = int(os.environ.get("BENCH_CLOCKS", 1_000_000))
DUE = int(os.environ.get("BENCH_DUE", 10_000))
HANDLER_DUE = int(os.environ.get("BENCH_HANDLER_DUE", 10_000))
CHUNK = 200_000


def clock_count() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM sla_slaclock WHERE state = 'running'")
        return cur.fetchone()[0]


def generate_clocks(total: int) -> int:
    """One running resolution clock per incident until there are ``total`` running clocks;
    next checks spread over the coming week."""
    from django.db import connection

    from sla.models import SlaPolicy

    policy = SlaPolicy.objects.select_related("calendar").get(code="p3")
    missing = total - clock_count()
    if missing <= 0:
        return 0
    added = 0
    with connection.cursor() as cur:
        while added < missing:
            n = min(CHUNK, missing - added)
            cur.execute(
                """
                INSERT INTO sla_slaclock (
                    incident_id, segment_id, target, policy_id, ola_target_id, calendar_id,
                    target_duration, started_at, anchor_at, anchor_consumed, deadline,
                    paused_at, paused_business, stopped_at, state, breached_at,
                    next_check_at, fired, calendar_gap, last_error, revision, updated_at
                )
                SELECT i.id, NULL, 'resolution', %(policy)s, NULL, %(calendar)s,
                    interval '24 hours', now(), now(), interval '0', now() + interval '4 days',
                    NULL, interval '0', NULL, 'running', NULL,
                    now() + interval '1 hour' + (i.id %% 10080) * interval '1 minute',
                    '[]'::jsonb, false, '', 1, now()
                FROM incidents_incident i
                WHERE NOT EXISTS (
                    SELECT 1 FROM sla_slaclock c
                    WHERE c.incident_id = i.id AND c.segment_id IS NULL
                      AND c.target = 'resolution'
                )
                ORDER BY i.id
                LIMIT %(n)s
                """,
                {"policy": policy.pk, "calendar": policy.calendar_id, "n": n},
            )
            if cur.rowcount == 0:
                break
            added += cur.rowcount
            print(f"  … {added:,} clocks", flush=True)
        cur.execute("ANALYZE sla_slaclock")
    return added


def make_due(ids: list[int]) -> None:
    """The clocks' 75 % threshold is crossed (20 h of 24 used) and their check is due."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            UPDATE sla_slaclock SET anchor_consumed = interval '20 hours', anchor_at = now(),
                next_check_at = now() - interval '1 minute', fired = '[]'::jsonb,
                state = 'running', breached_at = NULL
            WHERE id = ANY(%s)
            """,
            [ids],
        )


def put_back(ids: list[int]) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            UPDATE sla_slaclock SET anchor_consumed = interval '0', anchor_at = now(),
                next_check_at = now() + interval '1 hour' + (incident_id %% 10080)
                    * interval '1 minute',
                fired = '[]'::jsonb, state = 'running', breached_at = NULL
            WHERE id = ANY(%s)
            """,
            [ids],
        )


def due_ids(n: int, *, open_incidents: bool = False) -> list[int]:
    from django.db import connection

    where = ""
    if open_incidents:
        where = "AND i.escalation_level = 0 AND i.status IN ('assigned', 'in_progress')"
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT c.id FROM sla_slaclock c JOIN incidents_incident i ON i.id = c.incident_id
            WHERE c.state = 'running' AND c.target = 'resolution' {where}
            ORDER BY c.id LIMIT %s
            """,  # noqa: S608 -- fixed text
            [n],
        )
        return [row[0] for row in cur.fetchall()]


def baselines() -> tuple[float, float]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS bench_one (id serial, v int)")

        def select_one():
            cur.execute("SELECT 1")
            cur.fetchone()

        def insert_one():
            cur.execute("INSERT INTO bench_one (v) VALUES (1)")

        select_ms = statistics.median(timed(select_one, repeat=300))
        insert_ms = statistics.median(timed(insert_one, repeat=300))
    return select_ms, insert_ms


def main() -> None:
    setup_django()
    from django.db import connection, transaction

    from sla import demo, handlers
    from sla.services import sla_tick

    demo.seed()
    t0 = time.perf_counter()
    added_incidents = generate_incidents(CLOCKS, open_share=0.1)
    added_clocks = generate_clocks(CLOCKS)
    setup_s = time.perf_counter() - t0
    with connection.cursor() as cur:
        # A steady state, as autovacuum keeps it: no dead index entries from earlier runs.
        cur.execute("VACUUM ANALYZE sla_slaclock")
    running = clock_count()
    print(
        f"database {connection.settings_dict['NAME']}: {running:,} running clocks "
        f"(+{added_incidents:,} incidents, +{added_clocks:,} clocks in {setup_s:.0f} s)"
    )
    with connection.cursor() as cur:
        cur.execute(
            "EXPLAIN SELECT c.id FROM sla_slaclock c "
            "WHERE c.state IN ('running', 'breached') "
            "AND c.next_check_at <= now() AND NOT (c.id = ANY('{}'::bigint[])) LIMIT 500 "
            "FOR UPDATE SKIP LOCKED"
        )
        plan = [row[0].strip() for row in cur.fetchall()]
    scans = [line.split("  (")[0].lstrip("-> ") for line in plan if "Scan" in line]
    print(f"due-clock query: {' / '.join(scans)}")

    select_ms, insert_ms = baselines()

    # 1. Nothing due: the tick must cost about one indexed query, whatever the open count.
    idle = timed(lambda: sla_tick(), repeat=50, warmup=5)
    idle_p50, idle_p95 = statistics.median(idle), sorted(idle)[int(len(idle) * 0.95) - 1]

    # 2. DUE clocks due at once; the tick with a recording handler (the SLA side alone).
    seen = []
    saved = list(handlers.threshold_handlers())
    handlers._threshold_handlers[:] = [seen.append]
    ids = due_ids(DUE)
    runs = []
    try:
        for _ in range(3):
            make_due(ids)
            seen.clear()
            started = time.perf_counter()
            result = sla_tick()
            runs.append((time.perf_counter() - started) * 1000)
            if len(seen) != len(ids) or result.fired != len(ids):
                sys.exit(f"self-check failed: {len(seen)} handled, {len(ids)} due")
            put_back(ids)
    finally:
        handlers._threshold_handlers[:] = saved
    due_ms = statistics.median(runs)

    # 3. The same with the incidents' real handler (escalation, event, outbox), rolled back.
    handler_ids = due_ids(HANDLER_DUE, open_incidents=True)
    handler_ms = per_clock_ms = None
    if handler_ids:
        make_due(handler_ids)
        with transaction.atomic():
            started = time.perf_counter()
            result = sla_tick()
            handler_ms = (time.perf_counter() - started) * 1000
            transaction.set_rollback(True)
        put_back(handler_ids)
        per_clock_ms = handler_ms / max(result.fired, 1)

    print()
    print(f"SLA tick, {running:,} running clocks (median of runs; baselines in this run)")
    rows = [
        ("baseline: SELECT 1", f"{select_ms:.3f} ms", ""),
        ("baseline: one-row INSERT", f"{insert_ms:.3f} ms", ""),
        (
            "tick, none due (p50 / p95)",
            f"{idle_p50:.2f} / {idle_p95:.2f} ms",
            f"goal ≤ 50 ms: {'met' if idle_p95 <= 50 else 'NOT met'}; "
            f"{idle_p50 / select_ms:.1f}× SELECT 1",
        ),
        (
            f"tick, {len(ids):,} due (recording handler)",
            f"{due_ms:,.0f} ms",
            f"goal ≤ 2 s: {'met' if due_ms <= 2000 else 'NOT met'}; "
            f"{due_ms * 1000 / max(len(ids), 1):.0f} µs/clock = "
            f"{due_ms / max(len(ids), 1) / insert_ms:.1f}× one-row INSERT",
        ),
    ]
    if handler_ms is not None:
        per_10k = handler_ms * 10_000 / len(handler_ids)
        rows.append(
            (
                f"tick, {len(handler_ids):,} due, incidents' handler",
                f"{handler_ms:,.0f} ms",
                f"goal ≤ 2 s for 10,000: {'met' if per_10k <= 2000 else 'NOT met'}; "
                f"{per_clock_ms:.2f} ms/clock (escalation + event + outbox; "
                f"{per_clock_ms / insert_ms:.0f}× one-row INSERT)",
            )
        )
    report(rows)


if __name__ == "__main__":
    main()
