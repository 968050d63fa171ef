"""Each role sees its own places in the navigation and not the others'."""

import re

import pytest

from itsm.navigation import _resolvable, nav_entries
from itsm.roles import Role

pytestmark = pytest.mark.django_db

EXPECTED = {
    Role.REQUESTER: {"home", "portal", "inbox"},
    Role.AGENT: {"home", "all_incidents", "console", "directory", "inbox"},
    Role.DESK_MANAGER: {
        "home",
        "all_incidents",
        "console",
        "dashboards",
        "service_report",
        "directory",
        "inbox",
    },
    Role.TECHNICIAN: {"home", "queue", "directory", "inbox"},
    Role.SECTION_LEAD: {"home", "queue", "dashboards", "directory", "inbox"},
    Role.VENDOR: {"home", "queue", "inbox"},
    Role.INCIDENT_MANAGER: {
        "home",
        "all_incidents",
        "console",
        "disputes",
        "dashboards",
        "service_report",
        "directory",
        "inbox",
    },
    Role.DIRECTOR: {"home", "all_incidents", "dashboards", "service_report", "directory", "inbox"},
    # An external system's account reads the API; it has no inbox.
    Role.SYSTEM: {"home", "api"},
    Role.ADMINISTRATOR: {"home", "directory", "api", "admin", "inbox"},
}
# Places whose pages exist in this build (later work adds the others).
BUILT = {e.key for e in nav_entries() if _resolvable(e.url_name)}


def test_every_role_has_an_expectation():
    assert set(EXPECTED) == set(Role.values)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_sees_its_places_only(client_for, role):
    client = client_for(role)
    response = client.get("/")
    assert response.status_code == 200
    shown = set(re.findall(r'data-nav="([a-z_]+)"', response.content.decode()))
    assert shown == EXPECTED[role] & BUILT
    for other in set().union(*EXPECTED.values()) - EXPECTED[role]:
        assert f'data-nav="{other}"' not in response.content.decode()


@pytest.mark.parametrize("role", [Role.REQUESTER, Role.VENDOR, Role.SYSTEM])
def test_directory_refused_to_outsiders(client_for, role):
    assert client_for(role).get("/sections/").status_code == 403


def test_directory_lists_sections_for_staff(client_for):
    client = client_for(Role.AGENT, section="servicedesk")
    response = client.get("/sections/")
    assert response.status_code == 200
    assert "servicedesk" in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
