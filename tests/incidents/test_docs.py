"""The generated state diagram in docs/ matches the transitions in the code."""

from pathlib import Path

from incidents.management.commands.incident_state_diagram import render

ROOT = Path(__file__).resolve().parents[2]


def test_state_diagram_is_up_to_date():
    committed = (ROOT / "docs" / "state-diagram.md").read_text(encoding="utf-8")
    assert committed == render(), "run: python manage.py incident_state_diagram"
