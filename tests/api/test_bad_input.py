"""Bad input answers 400 with a clear message and writes nothing (issue 15): text PostgreSQL
cannot store, JSON nested too deep, and the like, in the API and the browser alike."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Comment, Incident, IncidentEvent
from itsm.api.parsers import MAX_JSON_DEPTH, json_depth_exceeds
from itsm.textguard import text_problem

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"
NUL = "\x00"
SURROGATE = "\ud800"


def raw_json(client, method, url, text: str, **extra):
    """Send the JSON text as it is (json.dumps would escape a lone surrogate already)."""
    return getattr(client, method)(
        url, data=text.encode("utf-8", "surrogatepass"), content_type="application/json", **extra
    )


def test_text_problem():
    assert text_problem("电脑 😀 ok") is None
    assert "\\u0000" in text_problem("a\x00b")
    assert "\\ud800" in text_problem("a\ud800")


# --- text that cannot be stored ---


def test_nul_in_the_incident_number_of_the_path_is_400(world, api):
    incident = world.incident()
    client = api(world.agent)
    for url in (
        f"{LIST}{incident.number}%00/",
        f"{LIST}{incident.number}%00/actions/",
        f"{LIST}{incident.number}%00/comments/",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "\\u0000" in response.json()["number"][0]


@pytest.mark.parametrize("bad", [NUL, SURROGATE])
@pytest.mark.parametrize("field", ["requester", "title", "description", "category"])
def test_bad_text_in_a_json_field_is_400_naming_it(world, api, bad, field):
    payload = {"title": "网络中断", field: f"w_user{bad}"}
    text = json.dumps(payload, ensure_ascii=True)
    response = raw_json(api(world.agent), "post", LIST, text)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Incident.objects.exists()


@pytest.mark.parametrize("bad", [r"\u0000", r"\ud800"])
def test_bad_text_in_an_action_or_a_nested_field_is_400(world, api, bad):
    incident = world.incident()
    client = api(world.agent)
    response = raw_json(
        client, "post", f"{LIST}{incident.number}/assign/", f'{{"assignee": "w_tech{bad}"}}'
    )
    assert response.status_code == 400
    assert "assignee" in response.json()
    response = raw_json(
        client, "patch", f"{LIST}{incident.number}/", f'{{"contact": {{"name": "张{bad}"}}}}'
    )
    assert response.status_code == 400
    assert "name" in response.json()["contact"]
    assert Incident.objects.get(pk=incident.pk).version == incident.version
    assert not IncidentEvent.objects.filter(incident=incident).exclude(kind="created").exists()


def test_bad_text_in_a_query_parameter_or_stored_header_is_400(world, api):
    client = api(world.agent)
    response = client.get(LIST, {"assignee": f"w_tech{NUL}"})
    assert response.status_code == 400
    assert "assignee" in response.json()
    response = client.get(f"{LIST}?q=%ED%A0%80")  # not UTF-8: read as U+FFFD, harmless
    assert response.status_code != 500
    response = client.post(LIST, {"title": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=f"key{NUL}")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Incident.objects.exists()


def test_bad_text_in_a_multipart_field_is_400(world, api):
    incident = world.incident()
    upload = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    response = api(world.agent).post(
        f"{LIST}{incident.number}/attachments/",
        {"file": upload, "is_public": f"true{NUL}"},
        format="multipart",
    )
    assert response.status_code == 400
    assert "\\u0000" in response.json()["is_public"][0]
    assert not incident.attachments.exists()


def test_bad_text_in_the_browser_is_400(client, world):
    incident = world.in_progress()
    client.force_login(world.tech)
    response = client.get(f"/incidents/{incident.number}%00/")
    assert response.status_code == 400
    assert "\\u0000" in response.content.decode()
    response = client.post(
        f"/incidents/{incident.number}/actions/comment/",
        {"version": incident.version, "body": f"备注{NUL}"},
    )
    assert response.status_code == 400
    assert not Comment.objects.filter(incident=incident).exists()
    response = client.get("/incidents/queue/", {"q": f"x{NUL}"})
    assert response.status_code == 400


# --- nesting ---


def test_json_depth_scan():
    assert not json_depth_exceeds(b"[" * 32 + b"]" * 32, 32)
    assert json_depth_exceeds(b"[" * 33 + b"]" * 33, 32)
    # Brackets inside strings do not count, escaped quotes included.
    assert not json_depth_exceeds(b'{"a": "' + b"[" * 100 + b'\\"["}', 32)
    assert json_depth_exceeds(b'{"a": "\\\\"' + b", " + b"[" * 40, 32)


def test_deeply_nested_json_is_400_before_parsing(world, api):
    text = "[" * 1000 + "]" * 1000
    response = raw_json(api(world.agent), "post", LIST, text)
    assert response.status_code == 400
    assert str(MAX_JSON_DEPTH) in response.json()["detail"]
    nested = '{"title": "x", "contact": ' + '{"a": ' * 40 + "1" + "}" * 41
    response = raw_json(api(world.agent), "post", LIST, nested)
    assert response.status_code == 400
    assert not Incident.objects.exists()


# --- text limits ---


@pytest.mark.parametrize(("field", "limit"), [("title", 200), ("description", 10_000)])
def test_create_text_beyond_its_limit_is_400(world, api, field, limit):
    client = api(world.agent)
    payload = {"title": "网络中断", field: "长" * (limit + 1)}
    response = client.post(LIST, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Incident.objects.exists()
    payload[field] = "长" * limit
    assert client.post(LIST, payload, format="json").status_code == 201


def test_texts_of_edits_records_and_actions_have_limits(world, api):
    incident = world.in_progress()
    client = api(world.tech)
    url = f"{LIST}{incident.number}/"
    cases = [
        ("patch", url, {"description": "x" * 10_001}, "description"),
        ("post", f"{url}comments/", {"body": "x" * 10_001}, "body"),
        ("post", f"{url}worklogs/", {"minutes": 5, "note": "x" * 1_001}, "note"),
        (
            "post",
            f"{url}resolve/",
            {"resolution_code": "fixed", "resolution": "x" * 10_001},
            "resolution",
        ),
        ("post", f"{url}return/", {"reason": "x" * 1_001}, "reason"),
    ]
    for method, target, payload, field in cases:
        response = getattr(client, method)(target, payload, format="json")
        assert response.status_code == 400, (target, response.content)
        assert field in response.json(), target
    after = Incident.objects.get(pk=incident.pk)
    assert (after.version, after.status) == (incident.version, incident.status)
    assert not incident.comments.exists()
    assert not incident.worklogs.exists()


def test_the_schema_gives_the_limits(client):
    schema = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert schema["IncidentCreateRequest"]["properties"]["description"]["maxLength"] == 10_000
    assert schema["CommentCreateRequest"]["properties"]["body"]["maxLength"] == 10_000


def test_browser_forms_have_the_same_limits(client, world):
    incident = world.in_progress()
    client.force_login(world.tech)
    response = client.post(
        f"/incidents/{incident.number}/actions/comment/",
        {"version": incident.version, "body": "x" * 10_001},
    )
    assert response.status_code == 400
    assert not Comment.objects.filter(incident=incident).exists()
    page = client.get(f"/incidents/{incident.number}/").content.decode()
    assert 'maxlength="10000"' in page
