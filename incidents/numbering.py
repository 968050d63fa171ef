"""Incident numbers: INC-<year>-<at least 6 digits>, from a database sequence."""

from django.db import connection
from django.db.models import F

from incidents.models import IncidentCounter

SEQUENCE = "incidents_incident_number_seq"


def next_number_value() -> int:
    """The next value of the number sequence; never the same twice, even across rollbacks
    on PostgreSQL (sequences are not transactional)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [SEQUENCE])
            return cursor.fetchone()[0]
    # SQLite serialises writers, so an UPDATE then a read inside the caller's transaction
    # is safe there.
    IncidentCounter.objects.get_or_create(name="incident")
    IncidentCounter.objects.filter(name="incident").update(value=F("value") + 1)
    return IncidentCounter.objects.get(name="incident").value


def format_number(year: int, value: int) -> str:
    return f"INC-{year}-{value:06d}"
