"""The people reads of the shared core: role holders, section leads, members on duty."""

import pytest

from itsm import selectors, services
from itsm.models import Department
from itsm.roles import Role

pytestmark = pytest.mark.django_db


def test_users_with_role_are_active_holders_once(make_user):
    im = make_user(Role.INCIDENT_MANAGER)
    director = make_user(Role.DIRECTOR)
    make_user(Role.INCIDENT_MANAGER, is_active=False)
    assert selectors.users_with_role(Role.INCIDENT_MANAGER) == [im]
    assert set(selectors.users_with_role(Role.INCIDENT_MANAGER, Role.DIRECTOR)) == {im, director}


def test_section_leads_include_the_designated_lead(make_user):
    lead = make_user(Role.SECTION_LEAD, section="network")
    network = Department.objects.get(code="network")
    tech = make_user(Role.TECHNICIAN, section="network")
    assert selectors.section_leads(network) == [lead]
    Department.objects.filter(pk=network.pk).update(lead=tech)
    network.refresh_from_db()
    assert selectors.section_leads(network) == [lead, tech]
    assert selectors.section_leads(None) == []


def test_members_on_duty_work_the_section(make_user):
    first = make_user(Role.TECHNICIAN, section="network")
    second = make_user(Role.SECTION_LEAD, section="network")
    network = Department.objects.get(code="network")
    off = make_user(Role.TECHNICIAN, section="network")
    services.membership_set(user=off, department=network, role=Role.TECHNICIAN, on_duty=False)
    make_user(Role.TECHNICIAN, section="network", is_active=False)
    assert set(selectors.section_members_on_duty(network)) == {first, second}
    assert selectors.on_duty_member_ids(network) == sorted([first.pk, second.pk])
    assert selectors.section_members_on_duty(None) == []
