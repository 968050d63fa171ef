"""Print where `make run` serves and the demo accounts."""

import os
import sys

import django

sys.path.insert(0, ".")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
django.setup()

from itsm.demo import DEMO_PASSWORD, USERS  # noqa: E402

host, port = sys.argv[1], sys.argv[2]
print(f"\n  ITSM is starting at http://{host}:{port}/  (health: http://{host}:{port}/healthz)")
print(f"  Demo accounts (password for all: {DEMO_PASSWORD}):")
for username, _last, _first, role, section in USERS:
    print(f"    {username:<11} {role:<17} {section or ''}")
print("  Stop with Ctrl-C.\n")
