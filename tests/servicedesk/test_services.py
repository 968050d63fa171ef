"""The service desk's writes: every intake channel builds the incident's contact the same way."""

import pytest
from django.urls import reverse

from incidents.services import Contact
from servicedesk import services
from servicedesk.intake import alerts
from tests.itsm.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_contact_is_completed_from_the_requester_when_it_names_nobody():
    requester = UserFactory.build(
        username="wangfang", last_name="王", first_name="芳", email="wf@example.cn"
    )
    assert services.contact_for(requester=requester, phone="1") == Contact(
        name="王芳", phone="1", email="wf@example.cn"
    )
    # A contact with a name is the caller's own: nothing is taken from the account.
    assert services.contact_for(requester=requester, name="张三") == Contact(name="张三")
    nameless = UserFactory.build(username="monitor", last_name="", first_name="", email="")
    assert services.contact_for(requester=nameless) == Contact(name="monitor")
    assert services.contact_for(name="张三", organisation="办公室") == Contact(
        name="张三", organisation="办公室"
    )


@pytest.fixture
def contacts_built(monkeypatch):
    """Record each call of ``contact_for`` (it still builds the contact)."""
    calls = []
    real = services.contact_for

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "contact_for", spy)
    return calls


def test_the_desk_console_builds_the_contact_with_contact_for(client, world, contacts_built):
    client.force_login(world.agent)
    data = {
        "title": "打印机卡纸",
        "nature": "fault",
        "source": "phone",
        "impact": "2",
        "urgency": "3",
        "requester": world.requester.username,
        "contact_phone": "010-1234",
    }
    assert client.post(reverse("servicedesk:log"), data).status_code == 302
    assert contacts_built == [
        {
            "requester": world.requester,
            "name": "",
            "phone": "010-1234",
            "email": "",
            "organisation": "",
        }
    ]


def test_the_portal_builds_the_contact_with_contact_for(client, world, contacts_built):
    client.force_login(world.requester)
    data = {"title": "电脑无法开机", "nature": "fault", "impact": "3", "urgency": "2"}
    data["contact_phone"] = "139"
    assert client.post(reverse("servicedesk:report"), data).status_code == 302
    assert contacts_built == [{"requester": world.requester, "phone": "139"}]


def test_the_alert_intake_builds_the_contact_with_contact_for(world, contacts_built):
    result = alerts.alert_receive(
        by=world.system, alert=alerts.AlertInput(status=alerts.FIRING, title="db01 down")
    )
    assert result.action == "created"
    assert contacts_built == [{"requester": world.system}]
