"""Incident creation through the API under gunicorn with concurrent clients, next to a bare
DRF endpoint inserting one row, in the same run (DESIGN §8: at least half its throughput).

Both go through the same stack (token authentication, per-token throttling, JSON); the
incident one also routes, prioritises, starts the SLA clocks, writes the history, the
segments and the notification outbox. Clients are threads with keep-alive connections.
Creation is measured with an ``Idempotency-Key`` on every request (what integrations should
send: the key's row and the stored answer are part of the cost) and without one.

The series run in interleaved rounds (bare, with key, without key; BENCH_ROUNDS times) so
that a machine whose speed drifts during the run (shared CPUs) does not favour one of them;
each ratio is reported over the whole run and as the median of the rounds.

    BENCH_CLIENTS=8 BENCH_SECONDS=15 BENCH_ROUNDS=3 python bench/bench_api_create.py

gunicorn runs with the product's ``gunicorn.conf.py`` (two workers per core plus one);
BENCH_WORKERS sets another number of workers (as WEB_CONCURRENCY does in production).
"""

import http.client
import json
import os
import runpy
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from common import BENCH_DATABASE, PG, ROOT, report, setup_django

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
if os.environ.get("BENCH_WORKERS"):
    os.environ["WEB_CONCURRENCY"] = os.environ["BENCH_WORKERS"]
WORKERS = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "server_settings",
        "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}",
        "DATABASE_URL": f"{PG}/{BENCH_DATABASE}",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The throttle runs (its Redis counter is part of the cost) but never refuses.
        "API_THROTTLE_RATE": "100000000/min",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "itsm.wsgi:application",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def load(
    port: int, path: str, body_for, token: str, seconds: float, *, idempotency: bool
) -> tuple[float, list]:
    """Requests per second over ``seconds`` with CLIENTS keep-alive clients; latencies (ms)."""
    stop = time.monotonic() + seconds
    counts, latencies, errors = [0] * CLIENTS, [], []
    lock = threading.Lock()

    def client(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            if idempotency:
                headers["Idempotency-Key"] = uuid.uuid4().hex
            t0 = time.perf_counter()
            conn.request("POST", path, body=json.dumps(body_for()), headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - t0) * 1000)
            if response.status != 201:
                errors.append(response.status)
                break
            counts[i] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"{path} answered {errors[:5]}")
    return sum(counts) / elapsed, latencies


def main() -> None:
    setup_django()
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from incidents.models import Incident, IncidentCounter
    from sla import demo as sla_demo

    sla_demo.seed()  # policies and calendars: the incidents get their clocks
    agent = get_user_model().objects.get(username="desk1")
    token = Token.objects.get_or_create(user=agent)[0].key
    before = Incident.objects.count()

    port = free_port()
    server = start_gunicorn(port)
    try:

        def bare_body():
            return {}

        def incident_body():
            return {
                "title": "Bench incident",
                "description": "Created by bench/bench_api_create.py",
                "category": "network-lan",
                "impact": 2,
                "urgency": 2,
                "requester": "user1",
                "contact": {"phone": "8888"},
            }

        series = {
            "bare": ("/bench/bare/", bare_body, False),
            "key": ("/api/v1/incidents/", incident_body, True),
            "nokey": ("/api/v1/incidents/", incident_body, False),
        }
        # Warm up (connections, calendars, imports in every worker).
        for path, body_for, idempotency in series.values():
            load(port, path, body_for, token, 2, idempotency=idempotency)
        rates = {name: [] for name in series}
        latencies = {name: [] for name in series}
        for _round in range(ROUNDS):
            for name, (path, body_for, idempotency) in series.items():
                rate, lat = load(
                    port, path, body_for, token, SECONDS / ROUNDS, idempotency=idempotency
                )
                rates[name].append(rate)
                latencies[name].extend(lat)
    finally:
        server.terminate()
        server.wait(timeout=30)
    IncidentCounter.objects.exclude(name="incident").delete()
    created = Incident.objects.count() - before

    def p95(samples):
        return statistics.quantiles(samples, n=20)[-1]

    def mean(name):
        return statistics.fmean(rates[name])

    def ratio(name):
        per_round = [c / b for c, b in zip(rates[name], rates["bare"], strict=True)]
        return mean(name) / mean("bare"), statistics.median(per_round)

    print(
        f"API creation under gunicorn ({WORKERS} sync workers), {CLIENTS} keep-alive clients, "
        f"{ROUNDS} interleaved rounds of {SECONDS / ROUNDS:g} s per series; "
        f"{created:,} incidents created (goal: ratio >= 0.5)"
    )
    rows = [("bare DRF one-row INSERT", f"{mean('bare'):.0f}/s", "baseline")]
    for name, label in (
        ("key", "POST /api/v1/incidents/ + Idempotency-Key"),
        ("nokey", "POST /api/v1/incidents/ without key"),
    ):
        overall, median = ratio(name)
        rows.append(
            (
                label,
                f"{mean(name):.0f}/s",
                f"ratio {overall:.2f} (rounds' median {median:.2f}); "
                f"p95 {p95(latencies[name]):.1f} ms",
            )
        )
    rows[0] = (*rows[0][:2], f"baseline; p95 {p95(latencies['bare']):.1f} ms")
    report(rows)


if __name__ == "__main__":
    main()
