"""The shared core names no app above it: the apps register their notification kinds, their
places in the navigation and their demo data from their ``AppConfig.ready()``."""

import ast
from pathlib import Path

from incidents import notify
from itsm import demo, navigation
from itsm.demo import demo_seeders
from itsm.navigation import nav_entries
from itsm.notification_kinds import notification_kinds

ITSM = Path(__file__).resolve().parents[2] / "itsm"
UPPER_APPS = {"sla", "incidents", "servicedesk", "reports"}


def test_the_kinds_come_from_the_apps_in_their_order():
    # sla (its own kind) is installed before incidents (the incident and SLA clock kinds),
    # reports (the monthly service report) after them.
    assert [k.code for k in notification_kinds()] == [
        "sla.calendar_data_ending",
        *(c for c, _ in notify.NOTIFICATION_KINDS),
        "reports.monthly_report",
    ]


def test_each_app_contributes_its_places_in_menu_order():
    assert [e.key for e in nav_entries()] == [
        "home",
        "portal",  # servicedesk
        "console",  # servicedesk
        "desk-team",  # servicedesk
        "queue",  # incidents
        "all_incidents",  # incidents
        "disputes",  # incidents
        "dashboards",  # reports
        "service_report",  # reports
        "directory",
        "api",
        "admin",
        "inbox",
    ]


def test_demo_data_loads_in_dependency_order():
    assert demo_seeders() == ["itsm.demo", "sla.demo", "incidents.demo"]


def test_registering_again_changes_nothing(monkeypatch):
    monkeypatch.setattr(navigation, "_ENTRIES", dict(navigation._ENTRIES))
    monkeypatch.setattr(demo, "_SEEDERS", list(demo._SEEDERS))
    before = (nav_entries(), demo_seeders())
    for entry in nav_entries():
        navigation.nav_entry_register(entry)
    for module in demo_seeders():
        demo.demo_seeder_register(module)
    assert (nav_entries(), demo_seeders()) == before


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_shared_core_imports_no_app_above_it():
    # The root URLconfs and the settings name the apps, as Django needs.
    allowed = {ITSM / "settings.py", ITSM / "urls.py", ITSM / "api" / "urls.py"}
    offending = {
        str(path.relative_to(ITSM.parent)): sorted(upper)
        for path in ITSM.rglob("*.py")
        if path not in allowed and "migrations" not in path.parts
        if (upper := {n for n in _imported(path) if n.split(".")[0] in UPPER_APPS})
    }
    assert offending == {}
