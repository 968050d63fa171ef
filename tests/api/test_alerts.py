"""Monitoring intake: our shape and Alertmanager's, dedup, auto-resolve, rules, concurrency."""

import threading

import pytest
from django.db import connection

from incidents import services
from incidents.models import Incident, ResolutionCode
from servicedesk.models import Alert, AlertOutcome, AlertRule
from tests.incidents.factories import CategoryFactory

URL = "/api/v1/alerts/"


def firing(**kwargs):
    body = {
        "title": "db01 磁盘使用率 95%",
        "fingerprint": "db01-disk",
        "service": "customs-db",
        "severity": "warning",
        "instance": "db01",
    }
    body.update(kwargs)
    return body


def result(response):
    assert response.status_code in (200, 201), response.content
    [only] = response.json()["results"]
    return only


def alertmanager(status, *alerts):
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HostDown"}',
        "status": status,
        "receiver": "itsm",
        "groupLabels": {"alertname": "HostDown"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "truncatedAlerts": 0,
        "alerts": list(alerts),
    }


def am_alert(status, instance, fingerprint, severity="critical"):
    return {
        "status": status,
        "labels": {
            "alertname": "HostDown",
            "instance": instance,
            "service": "lan",
            "severity": severity,
        },
        "annotations": {"summary": f"{instance} 离线", "description": "ping 超时"},
        "startsAt": "2026-03-02T01:10:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": fingerprint,
    }


@pytest.mark.django_db
def test_firing_opens_an_incident_then_repeats_are_counted(world, api):
    client = api(world.system)
    response = client.post(URL, firing(), format="json")
    assert response.status_code == 201
    first = result(response)
    assert first["action"] == "created"
    incident = Incident.objects.get(number=first["incident"])
    assert incident.source == "monitoring"
    assert incident.requester == world.system
    assert incident.configuration_item == "db01"
    assert incident.priority == "P4"  # warning → impact 2, urgency 3
    for n in (2, 3):
        repeat = client.post(URL, firing(), format="json")
        assert repeat.status_code == 200
        assert result(repeat) | {"occurrences": n} == {
            "fingerprint": "db01-disk",
            "status": "firing",
            "action": "updated",
            "incident": incident.number,
            "occurrences": n,
        }
    assert Incident.objects.count() == 1
    assert Alert.objects.get().occurrences == 3
    # The system sees the incident it raised.
    assert client.get(f"/api/v1/incidents/{incident.number}/").status_code == 200


@pytest.mark.django_db
def test_resolved_alert_resolves_its_incident_automatically(world, api):
    client = api(world.system)
    number = result(client.post(URL, firing(), format="json"))["incident"]
    response = client.post(URL, {"status": "resolved", "fingerprint": "db01-disk"}, format="json")
    assert response.status_code == 200
    outcome = result(response)
    assert outcome["action"] == "resolved"
    incident = Incident.objects.get(number=number)
    assert incident.status == "resolved"
    assert incident.resolution_code.code == "auto_recovered"
    assert incident.resolved_by == world.system
    alert = Alert.objects.get()
    assert alert.outcome == AlertOutcome.AUTO_RESOLVED
    assert alert.resolved_at is not None
    # The next firing of the same fingerprint is a new problem: a new incident.
    again = result(client.post(URL, firing(), format="json"))
    assert again["action"] == "created"
    assert again["incident"] != number


@pytest.mark.django_db
@pytest.mark.parametrize("takeover", ["assign", "assign_and_accept"])
def test_not_auto_resolved_when_a_person_took_it_over(world, api, takeover):
    client = api(world.system)
    number = result(client.post(URL, firing(), format="json"))["incident"]
    incident = services.incident_assign(
        incident=Incident.objects.get(number=number), by=world.agent, department=world.network
    )
    if takeover == "assign_and_accept":
        services.incident_accept(incident=incident, by=world.tech)
    outcome = result(
        client.post(URL, {"status": "resolved", "fingerprint": "db01-disk"}, format="json")
    )
    assert outcome["action"] == "cleared"
    incident = Incident.objects.get(number=number)
    assert incident.status in ("assigned", "in_progress")
    assert incident.comments.filter(author=world.system, is_public=True).exists()
    assert Alert.objects.get().outcome == AlertOutcome.TAKEN_OVER


@pytest.mark.django_db
def test_repeat_after_the_incident_ended_opens_a_new_one(world, api):
    client = api(world.system)
    number = result(client.post(URL, firing(), format="json"))["incident"]
    services.incident_cancel(
        incident=Incident.objects.get(number=number), by=world.agent, reason="误报"
    )
    again = result(client.post(URL, firing(), format="json"))
    assert again["action"] == "created"
    assert Alert.objects.get(incident__number=number).outcome == AlertOutcome.INCIDENT_ENDED


@pytest.mark.django_db
def test_resolved_without_firing_is_ignored(world, api):
    response = api(world.system).post(
        URL, {"status": "resolved", "fingerprint": "never"}, format="json"
    )
    assert response.status_code == 200
    assert result(response)["action"] == "ignored"


@pytest.mark.django_db
def test_alertmanager_payload(world, api):
    client = api(world.system)
    response = client.post(
        URL,
        alertmanager(
            "firing",
            am_alert("firing", "sw-3f-01", "fp1"),
            am_alert("firing", "sw-3f-02", "fp2", severity="info"),
        ),
        format="json",
    )
    assert response.status_code == 201
    results = response.json()["results"]
    assert [r["action"] for r in results] == ["created", "created"]
    one = Incident.objects.get(number=results[0]["incident"])
    assert one.title == "sw-3f-01 离线"
    assert one.priority == "P2"  # critical → impact 1, urgency 2
    assert "instance=sw-3f-01" in one.description
    # Alertmanager sends the group again with one resolved.
    response = client.post(
        URL,
        alertmanager(
            "firing",
            am_alert("resolved", "sw-3f-01", "fp1"),
            am_alert("firing", "sw-3f-02", "fp2", severity="info"),
        ),
        format="json",
    )
    assert response.status_code == 200
    assert [r["action"] for r in response.json()["results"]] == ["resolved", "updated"]
    assert Incident.objects.get(pk=one.pk).status == "resolved"


@pytest.mark.django_db
def test_alert_rules_map_labels(world, api):
    db_category = CategoryFactory(code="system-db", default_department=world.systems)
    AlertRule.objects.create(name="any db", service="customs-db", category=db_category)
    AlertRule.objects.create(
        name="critical db01",
        service="customs-db",
        severity="critical",
        instance="db0*",
        impact=1,
        urgency=1,
        configuration_item="customs-db-cluster",
    )
    client = api(world.system)
    critical = result(client.post(URL, firing(severity="critical", fingerprint="a"), format="json"))
    incident = Incident.objects.get(number=critical["incident"])
    assert incident.priority == "P1"
    assert incident.is_major
    assert incident.configuration_item == "customs-db-cluster"
    assert incident.category is None  # the more specific rule has no category
    warning = result(client.post(URL, firing(fingerprint="b"), format="json"))
    incident = Incident.objects.get(number=warning["incident"])
    assert incident.category == db_category
    assert incident.routed_department == world.systems
    assert Alert.objects.get(fingerprint="b").rule.name == "any db"


@pytest.mark.django_db
def test_fingerprint_defaults_to_a_hash_of_the_labels(world, api):
    client = api(world.system)
    body = firing()
    del body["fingerprint"]
    first = result(client.post(URL, body, format="json"))
    second = result(client.post(URL, body, format="json"))
    assert first["fingerprint"] == second["fingerprint"]
    assert second["action"] == "updated"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fingerprint": "x"}, "title"),
        ({"status": "burning", "title": "x"}, "status"),
        ({"title": "x", "labels": "not-a-dict"}, "labels"),
        ({"title": "x", "unknown": 1}, "unknown"),
        ({"alerts": []}, "alerts"),
        ({"alerts": [{"status": "firing"}]}, "alerts"),
    ],
)
def test_bad_alerts_are_400_and_change_nothing(world, api, body, field):
    response = api(world.system).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()
    assert not Alert.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["agent", "tech", "requester", "admin", "incident_manager"])
def test_only_systems_send_alerts(world, api, who):
    response = api(getattr(world, who)).post(URL, firing(), format="json")
    assert response.status_code == 403
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_inactive_recovery_code_leaves_a_comment_instead(world, api):
    client = api(world.system)
    number = result(client.post(URL, firing(), format="json"))["incident"]
    ResolutionCode.objects.update_or_create(
        code="auto_recovered", defaults={"name_zh": "自动恢复", "name_en": "x", "active": False}
    )
    outcome = result(
        client.post(URL, {"status": "resolved", "fingerprint": "db01-disk"}, format="json")
    )
    assert outcome["action"] == "cleared"
    assert Incident.objects.get(number=number).status == "new"


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_alerts_open_one_incident(world, api):
    barrier = threading.Barrier(4)
    actions, errors = [], []

    def send():
        try:
            client = api(world.system)
            barrier.wait(timeout=10)
            actions.append(result(client.post(URL, firing(), format="json"))["action"])
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
    assert sorted(actions) == ["created", "updated", "updated", "updated"]
    assert Incident.objects.count() == 1
    assert Alert.objects.get().occurrences == 4
