"""/healthz answers 200 when the database and broker answer, 503 naming what is wrong."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs a request through the real settings in a fresh process, so that the database and
# broker addresses can be pointed at closed ports without touching the test database.
PROBE = (
    "import django, json; django.setup(); from django.test import Client; "
    "r = Client().get('/healthz'); print(json.dumps({'status': r.status_code, "
    "'body': json.loads(r.content)}))"
)


def _healthz(tmp_path, **env):
    full = dict(os.environ)
    full.update(
        {
            "DJANGO_SETTINGS_MODULE": "itsm.settings_test",
            "ITSM_VAR_DIR": str(tmp_path),
            "HEALTHZ_BROKER_TIMEOUT": "1",
            "ALLOWED_HOSTS": "testserver",
            # The maintenance database always exists; the check only runs SELECT 1.
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        }
    )
    full.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthz_503_when_database_unreachable(tmp_path):
    out = _healthz(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:1/itsm")
    assert out["status"] == 503
    assert out["body"]["status"] == "unavailable"
    assert out["body"]["checks"]["broker"] == "ok"
    assert "OperationalError" in out["body"]["checks"]["database"]


def test_healthz_503_when_broker_unreachable(tmp_path):
    out = _healthz(tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    assert out["status"] == 503
    assert out["body"]["checks"]["database"] == "ok"
    assert out["body"]["checks"]["broker"] != "ok"
    assert "Error" in out["body"]["checks"]["broker"]


def test_healthz_ok_on_embedded_defaults(tmp_path):
    env = {"DEBUG": "1"}
    full = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    full.update(env)
    full.update(
        {
            "DJANGO_SETTINGS_MODULE": "itsm.settings",
            "ITSM_VAR_DIR": str(tmp_path),
            "ALLOWED_HOSTS": "testserver",
        }
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=full,
        check=True,
        timeout=300,
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=full, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {
        "status": 200,
        "body": {"status": "ok", "checks": {"database": "ok", "broker": "ok"}},
    }


@pytest.mark.django_db
def test_healthz_reports_a_calendar_that_ran_out_and_stays_up(client, time_machine):
    from datetime import date

    from sla.models import BusinessCalendar

    BusinessCalendar.objects.create(code="standard", name_zh="标准", valid_until=date(2026, 12, 31))
    BusinessCalendar.objects.create(code="future", name_zh="未来", valid_until=date(2027, 12, 31))
    BusinessCalendar.objects.create(code="p1", name_zh="7×24", always_open=True)
    time_machine.move_to("2026-12-31T23:00:00+08:00", tick=False)
    assert "details" not in client.get("/healthz").json()  # the last day is still known
    time_machine.move_to("2027-01-01T00:30:00+08:00", tick=False)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok"},
        "details": {"calendars": {"standard": "ran out on 2026-12-31"}},
    }


@pytest.mark.django_db
def test_a_broken_detail_is_reported_and_does_not_fail_liveness(client, monkeypatch):
    from itsm import health

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(health._DETAILS, "broken", broken)
    monkeypatch.setitem(health._DETAILS, "quiet", dict)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["details"] == {"broken": "RuntimeError: boom"}
