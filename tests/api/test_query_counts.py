"""The list endpoint's SQL does not grow with the number of incidents (3 vs 30)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import services

pytestmark = pytest.mark.django_db


def make(world, n):
    for i in range(n):
        incident = world.incident(title=f"事件{i}")
        if i % 3 == 0:
            incident = services.incident_assign(
                incident=incident, by=world.agent, department=world.network
            )
        if i % 3 == 1:
            services.comment_add(incident=incident, by=world.agent, body="x")


def count(client, path):
    client.get(path)  # warm: the per-process configuration and roles caches are loaded
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("who", ["agent", "tech", "requester"])
def test_list_queries_constant(world, api, sla_data, who):
    client = api(getattr(world, who))
    path = "/api/v1/incidents/?page_size=50"
    make(world, 3)
    few, rows_few = count(client, path)
    make(world, 27)
    many, rows_many = count(client, path)
    assert rows_many > rows_few
    assert few == many, (few, many)
    # token, roles, (memberships), incidents, SLA clocks, and one query per kind of related
    # object shown (people, sections, categories, codes): a handful whatever the page size
    assert many <= 10


def test_list_with_filters_queries_constant(world, api, sla_data):
    client = api(world.agent)
    path = "/api/v1/incidents/?status=new&status=assigned&category=network-lan&breached=false"
    make(world, 3)
    few, _ = count(client, path)
    make(world, 27)
    many, _ = count(client, path)
    assert few == many


def test_sub_resource_lists_constant(world, api):
    incident = world.assigned()
    client = api(world.agent)
    for i in range(3):
        services.comment_add(incident=incident, by=world.tech, body=f"c{i}")
    few = {
        sub: count(client, f"/api/v1/incidents/{incident.number}/{sub}/")[0]
        for sub in ("comments", "events")
    }
    for i in range(20):
        services.comment_add(incident=incident, by=world.lead, body=f"d{i}")
    many = {
        sub: count(client, f"/api/v1/incidents/{incident.number}/{sub}/")[0]
        for sub in ("comments", "events")
    }
    assert few == many


def test_create_reads_only_what_the_request_names(world, api, sla_data):
    """Logging an incident through the API writes its rows and reads nothing the process has
    cached (sections, categories, routing, policies, calendars, roles): the SQL is the
    token, the requester, the number, one statement for the incident's rows and the
    idempotency key."""
    client = api(world.agent)
    body = {
        "title": "Switch down",
        "category": "network-lan",
        "impact": 2,
        "urgency": 2,
        "requester": world.requester.username,
    }
    client.post("/api/v1/incidents/", body, format="json")  # warm the per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            "/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="count-me"
        )
    assert response.status_code == 201, response.json()
    assert response.json()["sla"]["resolution_due_at"] is not None
    statements = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
    selects = [q["sql"] for q in ctx.captured_queries if q["sql"].upper().startswith("SELECT")]
    # token (+ user), requester, next number: nothing else is read
    assert len(selects) == 3, selects
    # the incident, its segment, its clocks and its history event in one statement...
    linked = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("WITH")]
    assert len(linked) == 1, statements
    for table in (
        "incidents_incident",
        "incidents_assignmentsegment",
        "sla_slaclock",
        "incidents_incidentevent",
    ):
        assert f'INSERT INTO "{table}"' in linked[0]
    # ...and the idempotency key, written once with its answer
    assert statements.count("INSERT") == 1, statements
    # no second write of the incident, nor of the key
    assert statements.count("UPDATE") == 0, statements
