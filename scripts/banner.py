"""Print where `make run` serves and the demo accounts.

``banner.py HOST PORT`` prints at once. ``banner.py --wait HOST PORT`` (Procfile.dev's
``banner`` process) first waits until the server answers ``/healthz`` and a worker answers a
ping, so the banner is the last thing in the terminal, then stays idle (honcho stops every
process when one exits).
"""

import os
import signal
import sys
import time
import urllib.error
import urllib.request

import django

sys.path.insert(0, ".")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
django.setup()

from django.conf import settings  # noqa: E402

from itsm.demo import DEMO_PASSWORD, USERS  # noqa: E402

WAIT_SECONDS = 180


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own server
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _wait_for_server(host: str, port: str) -> bool:
    probe = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - not binding
    url = f"http://{probe}:{port}/healthz"
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if _answers(url):
            return True
        time.sleep(0.5)
    return False


def _wait_for_worker() -> None:
    """Until a worker answers a ping (a broker without remote control: a few seconds)."""
    from itsm.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if app.control.ping(timeout=1.0):
                return
        except Exception:  # noqa: BLE001 - a transport without broadcast (the file broker)
            time.sleep(3)
            return
    return


def banner(host: str, port: str) -> str:
    lines = [
        "",
        f"  ITSM is running at http://{host}:{port}/  (health: http://{host}:{port}/healthz)",
        f"  Demo accounts (password for all: {DEMO_PASSWORD}):",
    ]
    lines += [f"    {u:<11} {role:<17} {section or ''}" for u, _l, _f, role, section in USERS]
    if "filebased" in settings.EMAIL_BACKEND:
        lines.append(f"  Emails are written to {settings.EMAIL_FILE_PATH}/ (one file each).")
    lines += ["  Stop with Ctrl-C.", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    wait = argv[:1] == ["--wait"]
    host, port = (argv[1:] if wait else argv)[:2]
    if wait:
        if _wait_for_server(host, port):
            _wait_for_worker()
        else:
            print(f"  The server did not answer http://{host}:{port}/healthz in time.")
        time.sleep(1)  # let the server's log line of the last probe go first
    print(banner(host, port), flush=True)
    if wait:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
