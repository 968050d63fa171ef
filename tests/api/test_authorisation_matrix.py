"""Every role × every incident endpoint × an incident inside and outside what the role sees.

The same visibility as the browser (``incidents_visible_to``): outside it, every endpoint
answers 404 and the list leaves the incident out; inside it, reads answer 200 and writes
answer what the rules say for the role.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents import services

pytestmark = pytest.mark.django_db

# (endpoint, method, sub-path, body)
ENDPOINTS = [
    ("retrieve", "get", "", None),
    ("actions", "get", "actions/", None),
    ("comments", "get", "comments/", None),
    ("attachments", "get", "attachments/", None),
    ("download", "get", "attachments/{attachment}/download/", None),
    ("events", "get", "events/", None),
    ("sla", "get", "sla/", None),
    ("worklogs", "get", "worklogs/", None),
    ("patch", "patch", "", {"title": "改过的标题"}),
    ("comment", "post", "comments/", {"body": "看一下"}),
    ("worklog", "post", "worklogs/", {"minutes": 10}),
    ("attach", "post", "attachments/", "FILE"),
    ("escalate", "post", "escalate/", {"reason": "升级"}),
]

READS = {
    "retrieve": 200,
    "actions": 200,
    "comments": 200,
    "attachments": 200,
    "download": 200,
    "events": 200,
    "sla": 200,
    "worklogs": 200,
}
STAFF_WRITES = {"patch": 200, "comment": 201, "worklog": 201, "attach": 201, "escalate": 200}
ONLY_COMMENTS = {"patch": 403, "comment": 201, "worklog": 403, "attach": 201, "escalate": 403}

# role → (the incident inside its view, expected answers there; None: it sees everything)
MATRIX = {
    "agent": ("network", READS | STAFF_WRITES),
    "desk_manager": ("network", READS | STAFF_WRITES),
    "incident_manager": ("network", READS | STAFF_WRITES),
    "director": ("network", READS | ONLY_COMMENTS),
    "admin": ("network", READS | ONLY_COMMENTS),
    "tech": ("network", READS | STAFF_WRITES),
    "lead": ("network", READS | STAFF_WRITES),
    "sys_tech": ("systems", READS | STAFF_WRITES | {"escalate": 403}),
    "vendor": ("vendor", READS | STAFF_WRITES | {"escalate": 403}),
    "requester": ("own", READS | ONLY_COMMENTS | {"worklogs": 403}),
    "system": ("system", READS | ONLY_COMMENTS),
}
SEES_EVERYTHING = {"agent", "desk_manager", "incident_manager", "director", "admin"}


def build(world, kind):
    if kind == "network":
        incident = world.assigned()
        incident = services.incident_assign(
            incident=incident, by=world.agent, department=world.network, assignee=world.tech
        )
    elif kind == "systems":
        incident = services.incident_assign(
            incident=world.incident(), by=world.agent, department=world.systems
        )
    elif kind == "vendor":
        incident = services.incident_assign(
            incident=world.incident(), by=world.agent, department=world.vendor_section
        )
    elif kind == "system":
        incident = world.incident(requester=world.system)
    elif kind == "own":
        incident = world.incident()
    else:  # outside of everyone but the desk and managers
        incident = world.incident(requester=world.other_requester)
    attachment = services.attachment_add(
        incident=incident,
        by=world.agent,
        uploaded_file=SimpleUploadedFile("a.txt", b"abc", content_type="text/plain"),
    )
    return incident, attachment


def call(client, incident, attachment, method, sub, body):
    path = f"/api/v1/incidents/{incident.number}/" + sub.format(attachment=attachment.pk)
    if body == "FILE":
        body = {"file": SimpleUploadedFile("b.txt", b"xyz", content_type="text/plain")}
        return client.post(path, body, format="multipart")
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body, format="json")


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_authorisation_matrix(world, api, role):
    user = getattr(world, role)
    kind, expected = MATRIX[role]
    inside, inside_file = build(world, kind)
    outside, outside_file = build(world, "outside")
    client = api(user)
    mismatches = []
    for name, method, sub, body in ENDPOINTS:
        got = call(client, inside, inside_file, method, sub, body).status_code
        if got != expected[name]:
            mismatches.append(f"inside {name}: {got} != {expected[name]}")
        want_outside = expected[name] if role in SEES_EVERYTHING else 404
        got = call(client, outside, outside_file, method, sub, body).status_code
        if got != want_outside:
            mismatches.append(f"outside {name}: {got} != {want_outside}")
    listed = {row["number"] for row in client.get("/api/v1/incidents/").json()["results"]}
    if inside.number not in listed:
        mismatches.append("inside missing from the list")
    if (outside.number in listed) != (role in SEES_EVERYTHING):
        mismatches.append("outside wrongly listed or missing")
    assert not mismatches, mismatches


def test_matrix_covers_every_role(world):
    from itsm.roles import Role

    held = {
        Role.AGENT: "agent",
        Role.DESK_MANAGER: "desk_manager",
        Role.INCIDENT_MANAGER: "incident_manager",
        Role.DIRECTOR: "director",
        Role.ADMINISTRATOR: "admin",
        Role.TECHNICIAN: "tech",
        Role.SECTION_LEAD: "lead",
        Role.VENDOR: "vendor",
        Role.REQUESTER: "requester",
        Role.SYSTEM: "system",
    }
    assert set(held) == set(Role.values)
    assert set(held.values()) <= set(MATRIX)


def test_anonymous_gets_401_everywhere(world, api):
    incident, attachment = build(world, "network")
    client = api()
    for _name, method, sub, body in ENDPOINTS:
        assert call(client, incident, attachment, method, sub, body).status_code == 401
