"""Idempotency-Key on every POST: replays, reuse with another body, errors, concurrency."""

import threading
import uuid

import pytest
from django.db import connection

from incidents.models import Comment, Incident
from itsm.api.idempotency import purge_idempotency_keys
from itsm.models import IdempotencyKey

LIST = "/api/v1/incidents/"


def key():
    return str(uuid.uuid4())


@pytest.mark.django_db
def test_retry_returns_the_first_answer_and_creates_nothing(world, api):
    client = api(world.agent)
    k = key()
    first = client.post(LIST, {"title": "网络中断"}, format="json", HTTP_IDEMPOTENCY_KEY=k)
    assert first.status_code == 201
    again = client.post(LIST, {"title": "网络中断"}, format="json", HTTP_IDEMPOTENCY_KEY=k)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["ETag"] == first["ETag"]
    assert again["Idempotent-Replayed"] == "true"
    assert Incident.objects.count() == 1
    # Key order in the body does not matter: the body is compared parsed.
    body = {"title": "x", "impact": 2}
    k2 = key()
    client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY=k2)
    reordered = client.post(
        LIST, dict(reversed(list(body.items()))), format="json", HTTP_IDEMPOTENCY_KEY=k2
    )
    assert reordered["Idempotent-Replayed"] == "true"
    assert Incident.objects.count() == 2


@pytest.mark.django_db
def test_same_key_other_body_or_path_is_422(world, api):
    client = api(world.agent)
    k = key()
    client.post(LIST, {"title": "一"}, format="json", HTTP_IDEMPOTENCY_KEY=k)
    response = client.post(LIST, {"title": "二"}, format="json", HTTP_IDEMPOTENCY_KEY=k)
    assert response.status_code == 422
    assert "detail" in response.json()
    incident = Incident.objects.get()
    other_path = client.post(
        f"{LIST}{incident.number}/comments/", {"body": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=k
    )
    assert other_path.status_code == 422
    assert Incident.objects.count() == 1
    assert Comment.objects.count() == 0


@pytest.mark.django_db
def test_keys_belong_to_one_user(world, api):
    k = key()
    assert (
        api(world.agent)
        .post(LIST, {"title": "a"}, format="json", HTTP_IDEMPOTENCY_KEY=k)
        .status_code
        == 201
    )
    assert (
        api(world.desk_manager)
        .post(LIST, {"title": "b"}, format="json", HTTP_IDEMPOTENCY_KEY=k)
        .status_code
        == 201
    )
    assert Incident.objects.count() == 2


@pytest.mark.django_db
def test_errors_are_not_stored_so_the_key_can_be_retried(world, api):
    client = api(world.agent)
    k = key()
    bad = client.post(LIST, {"title": ""}, format="json", HTTP_IDEMPOTENCY_KEY=k)
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    good = client.post(LIST, {"title": "修正后"}, format="json", HTTP_IDEMPOTENCY_KEY=k)
    assert good.status_code == 201


@pytest.mark.django_db
def test_idempotent_actions_and_uploads(world, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    incident = world.incident()
    client = api(world.agent)
    k = key()
    body = {"department": "network"}
    url = f"{LIST}{incident.number}/assign/"
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=k)
    assert first.status_code == 200
    # Without the key the same request would now hand over (409/400); with it, the replay.
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=k)
    assert again.status_code == 200
    assert again.json()["version"] == first.json()["version"]
    files_url = f"{LIST}{incident.number}/attachments/"
    k2 = key()
    for _ in range(2):
        upload = SimpleUploadedFile("a.txt", b"abc", content_type="text/plain")
        response = client.post(
            files_url, {"file": upload}, format="multipart", HTTP_IDEMPOTENCY_KEY=k2
        )
        assert response.status_code == 201
    assert incident.attachments.count() == 1
    other = SimpleUploadedFile("a.txt", b"abd", content_type="text/plain")
    response = client.post(files_url, {"file": other}, format="multipart", HTTP_IDEMPOTENCY_KEY=k2)
    assert response.status_code == 422


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["", "x" * 256, "naïve", "has space"])
def test_malformed_key_is_400(world, api, bad):
    response = api(world.agent).post(LIST, {"title": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=bad)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_old_keys_are_purged_and_then_reusable(world, api):
    from datetime import timedelta

    from django.utils import timezone

    client = api(world.agent)
    k = key()
    client.post(LIST, {"title": "a"}, format="json", HTTP_IDEMPOTENCY_KEY=k)
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(days=2))
    # Expired: the key works again for a new request.
    assert (
        client.post(LIST, {"title": "b"}, format="json", HTTP_IDEMPOTENCY_KEY=k).status_code == 201
    )
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert purge_idempotency_keys() == 1
    assert Incident.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_requests_make_one_incident(world, api):
    """Both threads send the same key and body at the same moment: one incident, and both
    get the same answer (the second waits on the key's row, then replays)."""
    k = key()
    barrier = threading.Barrier(4)
    answers = []
    errors = []

    def send():
        try:
            client = api(world.agent)
            barrier.wait(timeout=10)
            response = client.post(LIST, {"title": "并发"}, format="json", HTTP_IDEMPOTENCY_KEY=k)
            answers.append((response.status_code, response.json()["number"]))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert len(answers) == 4
    assert {status for status, _ in answers} == {201}
    assert len({number for _, number in answers}) == 1
    assert Incident.objects.count() == 1


def _concurrently(n, send):
    barrier = threading.Barrier(n)
    answers, errors = [], []

    def run(i):
        try:
            barrier.wait(timeout=10)
            answers.append(send(i))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert len(answers) == n
    return answers


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_actions_act_once(world, api):
    """The second waits for the incident's row, finds it handed over (which would refuse the
    action) and answers the first one's stored answer instead of the refusal."""
    incident = world.incident()
    k = key()
    url = f"{LIST}{incident.number}/assign/"

    def send(_i):
        response = api(world.agent).post(
            url, {"department": "network"}, format="json", HTTP_IDEMPOTENCY_KEY=k
        )
        return response.status_code, response.json().get("version")

    answers = _concurrently(3, send)
    assert {status for status, _ in answers} == {200}, answers
    assert len({version for _, version in answers}) == 1
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.department.code == "network"
    assert incident.events.filter(kind="assigned").count() == 1
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_key_two_bodies_at_once_makes_one_incident_and_a_422(world, api):
    k = key()

    def send(i):
        response = api(world.agent).post(
            LIST, {"title": f"标题{i}"}, format="json", HTTP_IDEMPOTENCY_KEY=k
        )
        return response.status_code

    assert sorted(_concurrently(2, send)) == [201, 422]
    assert Incident.objects.count() == 1
    stored = IdempotencyKey.objects.get()
    assert stored.status_code == 201
    assert stored.response_body["title"] == Incident.objects.get().title
