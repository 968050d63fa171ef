"""Sub-resources: comments, work logs, attachments (upload, limits, download), events, SLA."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents import services
from incidents.models import Attachment, Comment, WorkLog

pytestmark = pytest.mark.django_db


def url(incident, sub):
    return f"/api/v1/incidents/{incident.number}/{sub}/"


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- comments ---


def test_comments_requesters_never_see_internal_ones(world, api):
    incident = world.assigned()
    staff = api(world.tech)
    response = staff.post(url(incident, "comments"), {"body": "内部备注"}, format="json")
    assert response.status_code == 201
    assert response.json()["is_public"] is False
    staff.post(url(incident, "comments"), {"body": "请重启电脑", "is_public": True}, format="json")
    assert [c["body"] for c in results(staff.get(url(incident, "comments")))] == [
        "内部备注",
        "请重启电脑",
    ]
    requester = api(world.requester)
    assert [c["body"] for c in results(requester.get(url(incident, "comments")))] == ["请重启电脑"]
    # A requester's own comment is public whatever they ask.
    response = requester.post(
        url(incident, "comments"), {"body": "已重启", "is_public": False}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["is_public"] is True
    assert response.json()["author"] == "w_user"


def test_comment_is_sanitised_and_validated(world, api):
    incident = world.incident()
    client = api(world.agent)
    response = client.post(
        url(incident, "comments"), {"body": "<img src=x onerror=alert(1)>好"}, format="json"
    )
    assert response.status_code == 201
    assert "onerror" not in response.json()["body"]
    for body in ({}, {"body": ""}, {"body": "<script></script>"}):
        response = client.post(url(incident, "comments"), body, format="json")
        assert response.status_code == 400
        assert "body" in response.json()


def test_comment_on_closed_incident_is_409_and_hidden_is_404(world, api):
    closed = world.closed()
    response = api(world.agent).post(url(closed, "comments"), {"body": "x"}, format="json")
    assert response.status_code == 409
    hidden = world.incident(requester=world.other_requester)
    client = api(world.requester)
    assert client.get(url(hidden, "comments")).status_code == 404
    assert client.post(url(hidden, "comments"), {"body": "x"}, format="json").status_code == 404
    assert Comment.objects.filter(incident=hidden).count() == 0


def test_requester_comment_resumes_incident_waiting_for_them(world, api):
    incident = world.suspended()
    api(world.requester).post(url(incident, "comments"), {"body": "截图已发"}, format="json")
    assert api(world.agent).get(f"/api/v1/incidents/{incident.number}/").json()["status"] == (
        "in_progress"
    )


# --- work logs ---


def test_worklogs(world, api):
    incident = world.in_progress()
    client = api(world.tech)
    response = client.post(
        url(incident, "worklogs"), {"minutes": 45, "note": "现场"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["minutes"] == 45
    assert [w["minutes"] for w in results(client.get(url(incident, "worklogs")))] == [45]
    for body in ({"minutes": 0}, {"minutes": 2000}, {"minutes": "x"}, {}):
        assert client.post(url(incident, "worklogs"), body, format="json").status_code == 400
    assert WorkLog.objects.count() == 1


def test_worklogs_are_for_staff(world, api):
    incident = world.in_progress()
    requester = api(world.requester)
    assert requester.get(url(incident, "worklogs")).status_code == 403
    assert (
        requester.post(url(incident, "worklogs"), {"minutes": 5}, format="json").status_code == 403
    )


# --- attachments ---


def upload(client, incident, name="log.txt", content=b"hello", content_type="text/plain", **data):
    file = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(url(incident, "attachments"), {"file": file, **data}, format="multipart")


def test_attachment_upload_list_and_download(world, api):
    incident = world.assigned()
    client = api(world.tech)
    response = upload(client, incident, is_public="false")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["original_name"] == "log.txt"
    assert body["size"] == 5
    assert body["is_public"] is False
    download = client.get(body["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"hello"
    assert "attachment" in download["Content-Disposition"]
    # The requester sees neither the internal file nor its download.
    requester = api(world.requester)
    assert results(requester.get(url(incident, "attachments"))) == []
    assert requester.get(body["download"]).status_code == 404
    public = upload(
        requester, incident, name="screen.png", content=b"\x89PNG", content_type="image/png"
    )
    assert public.status_code == 201
    assert [a["original_name"] for a in results(requester.get(url(incident, "attachments")))] == [
        "screen.png"
    ]


def test_attachment_limits_are_enforced_by_the_service(world, api, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    incident = world.assigned()
    client = api(world.tech)
    too_big = upload(client, incident, content=b"x" * 11)
    assert too_big.status_code == 400
    assert "file" in too_big.json()
    bad_type = upload(client, incident, name="x.exe", content_type="application/x-msdownload")
    assert bad_type.status_code == 400
    assert "file" in bad_type.json()
    missing = client.post(url(incident, "attachments"), {}, format="multipart")
    assert missing.status_code == 400
    assert Attachment.objects.count() == 0


def test_attachment_download_of_another_incident_is_404(world, api):
    a = world.assigned()
    b = world.assigned()
    client = api(world.tech)
    attachment_id = upload(client, a).json()["id"]
    response = client.get(f"{url(b, 'attachments')}{attachment_id}/download/")
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["tech", "director"])
def test_who_does_not_answer_for_it_comments_internally_only(world, api, who):
    """A section that handed the incident on (and a director) keep reading it and may add
    internal notes, but not write to the requester: 400 on is_public, nothing written."""
    incident = services.incident_assign(
        incident=world.in_progress(), by=world.lead, department=world.systems, reason="系统问题"
    )
    client = api(getattr(world, who))
    response = client.post(
        url(incident, "comments"), {"body": "请重启", "is_public": True}, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["is_public"]
    assert not Comment.objects.exists()
    response = client.post(url(incident, "comments"), {"body": "交换机已查过"}, format="json")
    assert response.status_code == 201
    assert response.json()["is_public"] is False
    response = api(world.sys_tech).post(
        url(incident, "comments"), {"body": "请重启", "is_public": True}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["is_public"] is True


@pytest.mark.parametrize("who", ["tech", "director"])
def test_who_does_not_answer_for_it_attaches_internally_only(world, api, who):
    """Files follow the comments' rule: a section that handed the incident on (and a
    director) attach internal files by default, and asking for a public one is 400."""
    from incidents.models import Attachment

    incident = services.incident_assign(
        incident=world.in_progress(), by=world.lead, department=world.systems, reason="系统问题"
    )
    client = api(getattr(world, who))
    response = upload(client, incident, is_public="true")
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["is_public"]
    assert not Attachment.objects.exists()
    response = upload(client, incident)
    assert response.status_code == 201, response.content
    assert response.json()["is_public"] is False
    # The section that holds it now shows its files to the requester by default.
    response = upload(api(world.sys_tech), incident, name="fix.txt")
    assert response.status_code == 201
    assert response.json()["is_public"] is True


# --- history and clocks ---


def test_events_are_the_history(world, api):
    incident = world.resolved()
    kinds = [e["kind"] for e in results(api(world.agent).get(url(incident, "events")))]
    assert kinds[0] == "created"
    assert kinds[-1] == "resolved"
    assert "accepted" in kinds


def test_events_hide_internal_comments_from_requesters(world, api):
    incident = world.assigned()
    services.comment_add(incident=incident, by=world.tech, body="内部")
    staff = [e["kind"] for e in results(api(world.agent).get(url(incident, "events")))]
    mine = [e["kind"] for e in results(api(world.requester).get(url(incident, "events")))]
    assert "commented" in staff
    assert "commented" not in mine


def test_events_follow_the_pages_rule_for_requesters(world, api, settings, tmp_path):
    """A requester's history has no event of an internal file, no reason they may not read
    and nobody's username; staff read all of it."""
    settings.MEDIA_ROOT = tmp_path
    incident = world.in_progress()
    for name, public in (("config.txt", False), ("screen.txt", True)):
        file = SimpleUploadedFile(name, b"x", content_type="text/plain")
        services.attachment_add(
            incident=incident, by=world.tech, uploaded_file=file, is_public=public
        )
    services.incident_escalate(incident=incident, by=world.lead, reason="科长要求加急")

    mine = results(api(world.requester).get(url(incident, "events")))
    assert [e["data"]["name"] for e in mine if e["kind"] == "attached"] == ["screen.txt"]
    assert "config.txt" not in str(mine)
    assert all(e["notified"] == [] for e in mine)
    escalated = next(e for e in mine if e["kind"] == "escalated")
    assert escalated["reason"] == ""
    assert escalated["data"] == {}
    assert "科长要求加急" not in str(mine)

    staff = results(api(world.agent).get(url(incident, "events")))
    assert [e["data"]["name"] for e in staff if e["kind"] == "attached"] == [
        "config.txt",
        "screen.txt",
    ]
    escalated = next(e for e in staff if e["kind"] == "escalated")
    assert escalated["reason"] == "科长要求加急"
    assert escalated["notified"]
    assert escalated["data"]["level"] == 1


def test_sla_clocks_with_business_time(world, api, sla_data):
    incident = services.incident_accept(incident=world.assigned(), by=world.tech)
    staff = api(world.agent).get(url(incident, "sla"))
    assert staff.status_code == 200
    clocks = staff.json()
    targets = [c["target"] for c in clocks]
    assert targets[:2] == ["response", "resolution"]
    assert any(t.startswith("ola") for t in targets)
    resolution = clocks[1]
    assert resolution["state"] == "running"
    assert resolution["remaining_seconds"] > 0
    assert resolution["calendar"]
    # Requesters see the SLA clocks, not the sections' OLA clocks.
    mine = api(world.requester).get(url(incident, "sla")).json()
    assert all(not c["target"].startswith("ola") for c in mine)
    assert api(world.other_requester).get(url(incident, "sla")).status_code == 404
