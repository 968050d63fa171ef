"""Text search on PostgreSQL (incidents/search.py, docs/search.md): the pg_trgm extension,
two SQL functions (the incident's searchable text, a text's character bigrams) and four GIN
indexes. Nothing on other databases: there the search scans.

The indexes are built CONCURRENTLY (the migration is not atomic) so that a live table stays
writable while they are built. Creating the extension needs a role allowed to (a superuser,
or the database owner on PostgreSQL 13+ as pg_trgm is a trusted extension); see README.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION incidents_search_text(
    title text, description text, contact_name text, contact_phone text
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT title || ' ' || description || ' ' || contact_name || ' ' || contact_phone
$$;
CREATE OR REPLACE FUNCTION incidents_bigrams(value text)
RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT b), '{}')
    FROM (
        SELECT substr(lower(value), i, 2) AS b
        FROM generate_series(1, char_length(value) - 1) AS i
    ) AS s
    WHERE b !~ '\s'
$$;
"""

DOCUMENT = "incidents_search_text(title, description, contact_name, contact_phone)"

INDEXES = {
    "inc_search_trgm": f"incidents_incident USING gin ({DOCUMENT} gin_trgm_ops)",
    "inc_search_bigram": f"incidents_incident USING gin (incidents_bigrams({DOCUMENT}))",
    "comment_search_trgm": "incidents_comment USING gin (body gin_trgm_ops)",
    "comment_search_bigram": "incidents_comment USING gin (incidents_bigrams(body))",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS)
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS incidents_bigrams(text)")
    schema_editor.execute("DROP FUNCTION IF EXISTS incidents_search_text(text, text, text, text)")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("incidents", "0007_saved_views_and_deadline_index")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create, drop, elidable=False),
    ]
