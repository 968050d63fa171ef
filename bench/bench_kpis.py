"""The KPI endpoint over 12 months with BENCH_INCIDENTS incidents (default 1,000,000):
p95 server time and SQL queries, next to a trivial view in the same run (DESIGN §8: ≤ 300 ms).

The generic generator (``common.generate_incidents``) makes incidents only; the KPIs read
more, so ``complete_for_kpis`` adds in SQL what the services would have recorded: the
resolution and acceptance times, ratings, first-contact flags and reopens, a stopped
response and resolution clock per incident (business time used, met or breached), a stay
with a section per incident with its stopped OLA clock and outcome, and escalation events.
"""

import os
import statistics
import sys

from common import generate_incidents, incident_count, p95, report, setup_django, timed

TOTAL = int(os.environ.get("BENCH_INCIDENTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))


def complete_for_kpis() -> None:
    """Fill in what the KPIs read, once (skipped when the clocks are there already)."""
    from django.db import connection

    from sla.models import BusinessCalendar

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM sla_slaclock")
        if cur.fetchone()[0] >= incident_count():
            return
        calendar = BusinessCalendar.objects.order_by("id").values_list("id", flat=True).first()
        print("completing the generated incidents for the KPIs …", flush=True)
        cur.execute(
            """
            UPDATE incidents_incident SET
                accepted_at = CASE WHEN status <> 'new' AND status <> 'cancelled'
                    THEN created_at + (1 + id % 90) * interval '1 minute' END,
                resolved_at = CASE WHEN status = 'closed' THEN closed_at END,
                resolved_by_id = CASE WHEN status = 'closed' THEN owner_id END,
                assignee_id = CASE WHEN status IN ('in_progress', 'suspended') THEN owner_id END,
                satisfaction = CASE WHEN status = 'closed' AND id % 3 = 0 THEN 1 + id % 5 END,
                first_contact_resolution = (status = 'closed' AND id % 4 = 0),
                reopen_count = CASE WHEN id % 20 = 0 THEN 1 ELSE 0 END,
                is_major = (priority = 'P1' AND id % 50 = 0)
            """
        )
        for target, minutes in (("response", 60), ("resolution", 480)):
            end = "accepted_at" if target == "response" else "resolved_at"
            cur.execute(
                f"""
                INSERT INTO sla_slaclock (
                    target, target_duration, started_at, anchor_at, anchor_consumed, deadline,
                    paused_business, stopped_at, state, fired, calendar_gap, last_error,
                    revision, updated_at, calendar_id, incident_id)
                SELECT %s, %s * interval '1 minute', created_at, coalesce({end}, created_at),
                    (id %% (2 * %s)) * interval '1 minute',
                    created_at + %s * interval '1 minute', interval '0', {end},
                    CASE WHEN {end} IS NULL THEN 'running'
                         WHEN id %% (2 * %s) > %s THEN 'breached' ELSE 'met' END,
                    '[]', false, '', 1, now(), %s, id
                FROM incidents_incident WHERE status <> 'cancelled'
                """,
                [target, minutes, minutes, minutes, minutes, minutes, calendar],
            )
        cur.execute(
            """
            INSERT INTO incidents_assignmentsegment (
                started_at, accepted_at, ended_at, end_reason, handover_reason, ola_met,
                delay_note, assignee_id, department_id, incident_id)
            SELECT created_at, accepted_at, resolved_at,
                CASE WHEN resolved_at IS NULL THEN '' ELSE 'resolved' END, '',
                CASE WHEN resolved_at IS NULL THEN NULL ELSE id % 7 <> 0 END,
                '', assignee_id, department_id, id
            FROM incidents_incident WHERE department_id IS NOT NULL
            """
        )
        cur.execute(
            """
            INSERT INTO sla_slaclock (
                target, target_duration, started_at, anchor_at, anchor_consumed, deadline,
                paused_business, stopped_at, state, fired, calendar_gap, last_error,
                revision, updated_at, calendar_id, incident_id, segment_id)
            SELECT 'ola_resolve', interval '4 hours', started_at, coalesce(ended_at, started_at),
                (id %% 300) * interval '1 minute', started_at + interval '4 hours',
                interval '0', ended_at,
                CASE WHEN ended_at IS NULL THEN 'running'
                     WHEN ola_met THEN 'met' ELSE 'breached' END,
                '[]', false, '', 1, now(), %s, incident_id, id
            FROM incidents_assignmentsegment
            """,
            [calendar],
        )
        cur.execute(
            """
            INSERT INTO incidents_incidentevent (
                kind, at, from_status, to_status, reason, data, notified, incident_id)
            SELECT 'escalated', created_at + interval '2 hours', status, status, 'bench',
                jsonb_build_object('level', 1 + id % 3), '[]', id
            FROM incidents_incident WHERE id % 40 = 0
            """
        )
        for table in ("incidents_incident", "sla_slaclock", "incidents_assignmentsegment"):
            cur.execute(f"ANALYZE {table}")


def main() -> None:
    setup_django()
    added = generate_incidents(TOTAL)
    complete_for_kpis()
    print(f"database: {incident_count():,} incidents ({added:,} generated now)")
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.http import HttpResponse
    from django.test import Client, override_settings
    from django.urls import path
    from django.utils import timezone

    User = get_user_model()
    director = User.objects.get(username="director")
    today = timezone.localdate()
    year = f"from={today - timedelta(days=364)}&to={today}"

    import itsm.urls

    class BenchUrls:
        urlpatterns = [
            path("bench/trivial", lambda request: HttpResponse("ok")),
            *itsm.urls.urlpatterns,
        ]

    sys.modules["kpi_baseline_urls"] = BenchUrls
    rows = []
    with override_settings(ROOT_URLCONF="kpi_baseline_urls", DEBUG=False):
        client = Client()
        client.force_login(director)
        base = timed(lambda: client.get("/bench/trivial"), repeat=REPEAT)
        rows.append(("trivial view (baseline)", f"{p95(base):.1f} ms", "p95"))
        for label, url in (
            ("KPI endpoint, 12 months", f"/api/v1/reports/kpis/?{year}"),
            ("KPI endpoint, one month", "/api/v1/reports/kpis/?period=month"),
            ("drill-down first page, 12 months", f"/api/v1/reports/kpis/mttr/incidents/?{year}"),
        ):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            samples = timed(lambda url=url: client.get(url), repeat=REPEAT, warmup=1)
            from django.conf import settings

            with override_settings(DEBUG=True):
                settings.DEBUG = True
                reset_queries()
                client.get(url)
                queries = len(connection.queries)
            rows.append(
                (
                    label,
                    f"{p95(samples):.1f} ms",
                    f"p95 (p50 {statistics.median(samples):.1f} ms), "
                    f"{p95(samples) / p95(base):.0f}x trivial; {queries} queries",
                )
            )
    report(rows)


if __name__ == "__main__":
    main()
