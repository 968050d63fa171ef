"""A PostgreSQL sequence for incident numbers: unique under concurrency, never reused.

SQLite (the embedded mode) has no sequences; there the IncidentCounter row is used instead.
"""

from django.db import migrations


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS incidents_incident_number_seq")


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS incidents_incident_number_seq")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(create_sequence, drop_sequence)]
