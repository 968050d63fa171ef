"""Roles exist as groups with their capabilities after migrate."""

import pytest
from django.contrib.auth.models import Group

from itsm.roles import Role, has_role, user_roles

pytestmark = pytest.mark.django_db

EXPECTED = {
    Role.REQUESTER: {"use_portal"},
    Role.AGENT: {"use_desk_console", "use_api"},
    Role.DESK_MANAGER: {"use_desk_console", "view_dashboards", "use_api"},
    Role.TECHNICIAN: {"use_section_queue", "use_api"},
    Role.SECTION_LEAD: {"use_section_queue", "view_dashboards", "use_api"},
    Role.VENDOR: {"use_section_queue"},
    Role.INCIDENT_MANAGER: {
        "use_desk_console",
        "use_section_queue",
        "view_dashboards",
        "manage_incident_process",
        "use_api",
    },
    Role.DIRECTOR: {"view_dashboards"},
    Role.SYSTEM: {"use_api"},
}


def test_every_role_is_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.parametrize(("role", "capabilities"), EXPECTED.items())
def test_role_capabilities(role, capabilities):
    group = Group.objects.get(name=role)
    codenames = set(
        group.permissions.filter(content_type__app_label="itsm").values_list("codename", flat=True)
    )
    assert codenames == capabilities


def test_administrator_can_manage_sections_and_users():
    group = Group.objects.get(name=Role.ADMINISTRATOR)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"add_department", "change_membership", "add_user", "change_group"} <= codenames


@pytest.mark.parametrize("role", EXPECTED)
def test_user_of_role_has_its_perms(make_user, role):
    user = make_user(role)
    assert user_roles(user) == {role}
    assert has_role(user, role)
    for cap in EXPECTED[role]:
        assert user.has_perm(f"itsm.{cap}")


def test_membership_as_lead_sets_the_section_lead(make_user):
    lead = make_user(Role.SECTION_LEAD, section="network")
    assert lead.memberships.get().department.lead == lead
