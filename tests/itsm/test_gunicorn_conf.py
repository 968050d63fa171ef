"""gunicorn.conf.py: the web service's workers, bind address and access log."""

import os
import runpy
from pathlib import Path

CONF = str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py")


def load(monkeypatch, **env):
    for name in ("WEB_CONCURRENCY", "GUNICORN_BIND", "GUNICORN_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(CONF)


def test_two_workers_per_core_plus_one_by_default(monkeypatch):
    conf = load(monkeypatch)
    assert conf["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert conf["bind"] == "0.0.0.0:8000"
    assert conf["accesslog"] == "-"


def test_environment_overrides(monkeypatch):
    conf = load(
        monkeypatch, WEB_CONCURRENCY="2", GUNICORN_BIND="127.0.0.1:9000", GUNICORN_ACCESS_LOG=""
    )
    assert conf["workers"] == 2
    assert conf["bind"] == "127.0.0.1:9000"
    assert conf["accesslog"] is None
    # Compose passes an empty WEB_CONCURRENCY when none is set: the default applies.
    assert load(monkeypatch, WEB_CONCURRENCY="")["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
