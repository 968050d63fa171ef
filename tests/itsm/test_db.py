"""itsm.db.insert_linked: new rows that refer to each other, in one statement."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import AssignmentSegment, Incident, IncidentEvent
from itsm import db
from itsm.db import NewRows, insert_linked

pytestmark = pytest.mark.django_db

AT = timezone.now().replace(microsecond=123456)


def unsaved(world, number):
    """An incident with a segment and three events, none saved; every kind of value."""
    incident = Incident(
        number=number,
        title="网络中断 <b>",
        description="三楼",
        category=world.category,
        impact=2,
        urgency=1,
        priority="P2",
        requester=world.requester,
        owner=world.agent,
        created_by=world.agent,
        department=world.desk,
        routed_department=world.network,
        contact_name="张三",
        created_at=AT,
        updated_at=AT,
        assigned_at=AT,
        next_deadline_at=AT + timedelta(hours=4),
    )
    segment = AssignmentSegment(
        incident=incident, department=world.desk, started_at=AT, ola_accept_due_at=AT
    )
    events = [
        IncidentEvent(
            incident=incident,
            kind=kind,
            actor=world.agent,
            at=AT + timedelta(seconds=i),
            to_status="new",
            data={"n": i, "名": ["二", None]},
            notified=["w_agent"],
        )
        for i, kind in enumerate(("created", "updated", "commented"))
    ]
    return incident, segment, events


def groups(incident, segment, events):
    new_incident = NewRows([incident])
    return [
        new_incident,
        NewRows([segment], {"incident_id": new_incident}),
        NewRows(events, {"incident_id": new_incident}),
    ]


def columns(model, pk, *skip):
    row = model.objects.filter(pk=pk).values().get()
    for name in ("id", *skip):
        row.pop(name)
    return row


def test_rows_are_written_as_the_orm_writes_them(world):
    orm = unsaved(world, "INC-TEST-000001")
    incident, segment, events = orm
    incident.save()
    segment.incident = incident
    segment.save()
    for event in events:
        event.incident = incident
        event.save()
    linked = unsaved(world, "INC-TEST-000002")
    with CaptureQueriesContext(connection) as ctx:
        insert_linked(*groups(*linked))
    assert len(ctx.captured_queries) == 1

    assert columns(Incident, linked[0].pk, "number") == columns(Incident, orm[0].pk, "number")
    assert columns(AssignmentSegment, linked[1].pk, "incident_id") == columns(
        AssignmentSegment, orm[1].pk, "incident_id"
    )
    for mine, theirs in zip(linked[2], orm[2], strict=True):
        assert columns(IncidentEvent, mine.pk, "incident_id") == columns(
            IncidentEvent, theirs.pk, "incident_id"
        )


def test_keys_links_and_state_are_set_on_the_objects(world):
    incident, segment, events = unsaved(world, "INC-TEST-000003")
    insert_linked(*groups(incident, segment, events))
    assert incident.pk
    assert not incident._state.adding
    assert incident._state.db == "default"
    assert segment.incident_id == incident.pk
    # Each object got the key of its own row (several rows in one group).
    for event in events:
        stored = IncidentEvent.objects.get(pk=event.pk)
        assert (stored.kind, stored.at, stored.incident_id) == (event.kind, event.at, incident.pk)
    # The parent stays cached: no query to reach it.
    with CaptureQueriesContext(connection) as ctx:
        assert segment.incident is incident
        assert events[1].incident is incident
    assert ctx.captured_queries == []
    # A saved row updates through the ORM as usual.
    incident.title = "改过"
    incident.save(update_fields=["title"])
    assert Incident.objects.get(pk=incident.pk).title == "改过"


def test_the_statement_text_is_built_once_per_shape(world):
    db._statement.cache_clear()
    insert_linked(*groups(*unsaved(world, "INC-TEST-000004")))
    insert_linked(*groups(*unsaved(world, "INC-TEST-000005")))
    info = db._statement.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    incident, segment, events = unsaved(world, "INC-TEST-000006")
    insert_linked(*groups(incident, segment, events[:1]))  # another shape: one event
    assert db._statement.cache_info().misses == 2
    assert Incident.objects.count() == 3


def test_empty_groups_are_skipped(world):
    incident, segment, _events = unsaved(world, "INC-TEST-000007")
    insert_linked(*groups(incident, segment, []))
    assert AssignmentSegment.objects.get().incident_id == incident.pk
    assert not IncidentEvent.objects.exists()
    insert_linked()  # nothing at all: nothing to do


def test_bad_groups_are_refused_before_writing(world):
    incident, segment, events = unsaved(world, "INC-TEST-000008")
    new_incident = NewRows([incident])
    with pytest.raises(ValueError, match="earlier group"):  # the parent comes after
        insert_linked(NewRows([segment], {"incident_id": new_incident}), new_incident)
    new_events = NewRows(events)
    with pytest.raises(ValueError, match="one new row"):  # a parent of several rows
        insert_linked(new_incident, new_events, NewRows([segment], {"incident_id": new_events}))
    with pytest.raises(ValueError, match="one model"):
        insert_linked(NewRows([incident, segment]))
    assert not Incident.objects.exists()


def test_a_failing_row_writes_nothing(world):
    incident, segment, events = unsaved(world, "INC-TEST-000009")
    events[1].notified = None  # NOT NULL
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_linked(*groups(incident, segment, events))
    assert not Incident.objects.exists()
    assert not IncidentEvent.objects.exists()


def test_other_databases_write_group_by_group(world, monkeypatch):
    """SQLite (``make run``) has no data-modifying WITH: the groups go one by one."""
    monkeypatch.setattr(connection, "vendor", "sqlite")
    incident, segment, events = unsaved(world, "INC-TEST-000010")
    with CaptureQueriesContext(connection) as ctx:
        insert_linked(*groups(incident, segment, events))
    assert len(ctx.captured_queries) == 3
    assert segment.incident_id == incident.pk
    assert sorted(IncidentEvent.objects.values_list("pk", flat=True)) == [e.pk for e in events]
    assert {e.incident_id for e in IncidentEvent.objects.all()} == {incident.pk}
