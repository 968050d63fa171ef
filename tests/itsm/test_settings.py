"""Settings come from the environment and fall back to the embedded defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), "
    "'host': settings.DATABASES['default'].get('HOST', ''), "
    "'broker': settings.CELERY_BROKER_URL, 'tz': settings.TIME_ZONE, "
    "'lang': settings.LANGUAGE_CODE, 'debug': settings.DEBUG, "
    "'email': settings.EMAIL_BACKEND, 'hosts': settings.ALLOWED_HOSTS}))"
)

BASE_ENV_DROP = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "TIME_ZONE",
    "LANGUAGE_CODE",
    "EMAIL_URL",
    "ALLOWED_HOSTS",
)


def _settings(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in BASE_ENV_DROP}
    clean.update({"DJANGO_SETTINGS_MODULE": "itsm.settings", "ITSM_VAR_DIR": str(tmp_path / "var")})
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result


def test_embedded_defaults_use_sqlite_and_filesystem_broker(tmp_path):
    result = _settings(tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr
    cfg = json.loads(result.stdout)
    assert cfg["engine"] == "django.db.backends.sqlite3"
    assert cfg["name"].startswith(str(tmp_path / "var"))
    assert cfg["broker"] == "filesystem://"
    assert (tmp_path / "var" / "broker" / "out").is_dir()
    assert cfg["tz"] == "Asia/Shanghai"
    assert cfg["lang"] == "zh-hans"


def test_database_and_redis_urls_are_used_when_given(tmp_path):
    result = _settings(
        tmp_path,
        DEBUG="0",
        SECRET_KEY="a-real-secret-for-this-test",
        DATABASE_URL="postgres://itsm:pw@db.example:5432/itsmdb",
        REDIS_URL="redis://cache.example:6379/2",
        TIME_ZONE="Asia/Urumqi",
        LANGUAGE_CODE="en",
        EMAIL_URL="smtp://mailer.example:25",
        ALLOWED_HOSTS="itsm.example,localhost",
    )
    assert result.returncode == 0, result.stderr
    cfg = json.loads(result.stdout)
    assert cfg["engine"] == "django.db.backends.postgresql"
    assert cfg["name"] == "itsmdb"
    assert cfg["host"] == "db.example"
    assert cfg["broker"] == "redis://cache.example:6379/2"
    assert cfg["tz"] == "Asia/Urumqi"
    assert cfg["lang"] == "en"
    assert cfg["debug"] is False
    assert cfg["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert cfg["hosts"] == ["itsm.example", "localhost"]


def _run(tmp_path, code, **env):
    clean = {k: v for k, v in os.environ.items() if k not in BASE_ENV_DROP}
    clean.update({"DJANGO_SETTINGS_MODULE": "itsm.settings", "ITSM_VAR_DIR": str(tmp_path / "var")})
    clean.update(env)
    return subprocess.run(
        [sys.executable, *code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_the_default_secret_key(tmp_path):
    result = _run(tmp_path, ["-c", "import itsm.wsgi"], DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_worker_and_beat_refuse_the_default_secret_key(tmp_path):
    code = (
        "import django; django.setup(); from celery.signals import worker_init, beat_init; "
        "import itsm.celery; {signal}.send(sender=None)"
    )
    for signal in ("worker_init", "beat_init"):
        result = _run(tmp_path, ["-c", code.format(signal=signal)], DEBUG="0")
        assert result.returncode != 0, signal
        assert "SECRET_KEY must be set" in result.stderr


def test_deploy_check_reports_the_default_secret_key(tmp_path):
    result = _run(tmp_path, ["manage.py", "check", "--deploy"], DEBUG="0")
    assert result.returncode != 0
    assert "itsm.E001" in result.stderr


def test_production_serves_with_a_real_secret_key(tmp_path):
    result = _run(tmp_path, ["-c", "import itsm.wsgi"], DEBUG="0", SECRET_KEY="a-real-secret")
    assert result.returncode == 0, result.stderr


def test_management_commands_run_without_any_environment(tmp_path):
    result = _run(tmp_path, ["manage.py", "makemigrations", "--check", "--dry-run"])
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


@pytest.mark.parametrize("debug", ["1", "true"])
def test_debug_accepts_the_default_secret_key(tmp_path, debug):
    result = _settings(tmp_path, DEBUG=debug)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is True
