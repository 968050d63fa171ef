"""A real Celery worker for tests, and helpers to wait for what it does.

The worker runs ``celery -A itsm worker`` as a subprocess with the test settings, on the
database pytest-django created and on the test Redis database, so tests that use it must be
``@pytest.mark.django_db(transaction=True)`` (the worker sees committed rows only) and
``@pytest.mark.celery``. Its emails go to files in ``email_dir`` (see settings_test.py).
"""

import contextlib
import ctypes
import email
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
_MESSAGE_SEPARATOR = "\n" + "-" * 79 + "\n"  # what Django's file-based email backend writes


def wait_until(
    predicate: Callable[[], object],
    *,
    timeout: float = 20.0,
    interval: float = 0.1,
    message: str = "the condition",
):
    """Poll ``predicate`` until it returns something truthy (returned), or fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {message}")
        time.sleep(interval)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the worker gets SIGTERM if the test run dies without stopping it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class CeleryWorker:
    """One ``celery worker`` subprocess (solo pool) for the tests."""

    def __init__(self, *, database_url: str, broker_url: str, workdir: Path):
        from itsm.celery import app

        self.app = app
        self.database_url = database_url
        self.broker_url = broker_url
        self.queue = app.conf.task_default_queue
        self.nodename = f"pytest-{uuid.uuid4().hex[:8]}@localhost"
        self.email_dir = workdir / "emails"
        self.email_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "worker.log"
        self.process: subprocess.Popen | None = None

    @classmethod
    def for_test_database(cls, workdir: Path) -> "CeleryWorker":
        """A worker on the database pytest-django set up (read at call time, not guessed)."""
        from django.conf import settings
        from django.db import connection

        name = connection.settings_dict["NAME"]
        if not str(name).startswith("test_"):
            raise RuntimeError(f"refusing to start a test worker on database {name!r}")
        url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
        return cls(database_url=url, broker_url=settings.CELERY_BROKER_URL, workdir=workdir)

    def start(self, *, timeout: float = 60.0) -> None:
        # Messages left by an earlier run must not reach this worker.
        self.app.control.purge()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "itsm.settings_test",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.broker_url,
            "ITSM_TEST_EMAIL_DIR": str(self.email_dir),
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("CELERY_BROKER_URL", "CELERY_BROKER_WRITE_URL", "CELERY_TASK_ALWAYS_EAGER"):
            env.pop(name, None)
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "itsm",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "-Q",
            self.queue,
            "-n",
            self.nodename,
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with self.log_path.open("ab") as log:
            # preexec_fn only calls prctl(2), which is safe between fork and exec.
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        try:
            wait_until(self._answers_ping, timeout=timeout, interval=0.2, message="the worker")
        except BaseException:
            self.stop()
            raise

    def _answers_ping(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"the Celery worker exited with {self.process.returncode}:\n{self.log_tail()}"
            )
        return bool(self.app.control.ping(destination=[self.nodename], timeout=0.5))

    def stop(self, *, timeout: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # warm shutdown: the current task finishes
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def emails(self) -> list[Message]:
        """Every email the worker has sent so far (this session)."""
        messages = []
        for path in sorted(self.email_dir.iterdir()):
            for chunk in path.read_text(errors="replace").split(_MESSAGE_SEPARATOR):
                if chunk.strip():
                    messages.append(email.message_from_string(chunk))
        return messages


@contextlib.contextmanager
def broker_unreachable(app):
    """Point the app's publishing at a closed port, as if Redis were down, then restore it."""

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url = saved
        reset_pools()
