"""Many incidents with their SLA clocks at once, copied from one made through the services
(for the volume tests, where making 10,000 through the services would only test patience)."""

from incidents.models import Incident
from sla.models import SlaClock


def clone_incidents_with_clocks(template: Incident, count: int, *, batch: int = 2000) -> list[int]:
    """``count`` copies of the incident and of its SLA clocks (not its segments or OLA
    clocks); returns the new incidents' ids."""
    fields = [
        f.attname
        for f in Incident._meta.concrete_fields
        if not f.primary_key and f.attname != "number"
    ]
    values = {name: getattr(template, name) for name in fields}
    clocks = list(SlaClock.objects.filter(incident_id=template.pk, segment__isnull=True))
    clock_fields = [
        f.attname
        for f in SlaClock._meta.concrete_fields
        if not f.primary_key and f.attname != "incident_id"
    ]
    ids: list[int] = []
    for start in range(0, count, batch):
        made = Incident.objects.bulk_create(
            Incident(number=f"BULK-{template.pk}-{n:07d}", **values)
            for n in range(start, min(start + batch, count))
        )
        SlaClock.objects.bulk_create(
            SlaClock(incident_id=incident.pk, **{n: getattr(c, n) for n in clock_fields})
            for incident in made
            for c in clocks
        )
        ids.extend(i.pk for i in made)
    return ids
