"""Write the incident state diagram (Mermaid) generated from the model's transitions."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from incidents.models import Incident
from incidents.services import METHOD_TO_ACTION

HEADER = """# Incident state diagram

Generated from the django-fsm transitions of `incidents.models.Incident` by
`python manage.py incident_state_diagram`; a test fails when this file is out of date.
An arrow from a state to itself is an action that keeps the state (escalation).

```mermaid
stateDiagram-v2
"""


def render() -> str:
    field = Incident._meta.get_field("status")
    edges = set()
    for transition in field.get_all_transitions(Incident):
        action = METHOD_TO_ACTION.get(transition.name, transition.name)
        target = transition.target if transition.target is not None else transition.source
        edges.add((transition.source, target, action))
    lines = ["    [*] --> new"]
    for source, target, action in sorted(edges):
        lines.append(f"    {source} --> {target}: {action}")
    lines += ["    closed --> [*]", "    cancelled --> [*]"]
    return HEADER + "\n".join(lines) + "\n```\n"


class Command(BaseCommand):
    help = "Write docs/state-diagram.md from the incident transitions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "docs" / "state-diagram.md")
        )

    def handle(self, *args, output, **options):
        Path(output).write_text(render(), encoding="utf-8")
        self.stdout.write(f"wrote {output}")
