"""seed_demo builds the demo organisation and is idempotent."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from itsm.demo import DEMO_PASSWORD
from itsm.models import Department, Membership
from itsm.roles import Role, user_roles

pytestmark = pytest.mark.django_db
User = get_user_model()


def _snapshot():
    return {
        "departments": list(Department.objects.order_by("code").values()),
        "users": list(
            User.objects.order_by("username").values(
                "username", "password", "first_name", "last_name", "email", "is_staff"
            )
        ),
        "memberships": list(
            Membership.objects.order_by("user__username", "department__code").values(
                "user__username", "department__code", "role", "is_primary", "on_duty"
            )
        ),
        "groups": sorted(User.groups.through.objects.values_list("user__username", "group__name")),
    }


def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=None)
    first = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == first


def test_seed_demo_builds_the_customs_organisation():
    call_command("seed_demo")
    names = set(Department.objects.values_list("name_zh", flat=True))
    for expected in (
        "客服部/服务台",
        "运行科",
        "网络科",
        "系统科",
        "安全科",
        "通信科",
        "设备科",
        "开发一科",
        "开发二科",
        "电子口岸开发部",
        "综合科",
        "分关技术科",
    ):
        assert expected in names
    assert Department.objects.get(code="eport").kind == "vendor"
    assert Department.objects.get(code="network").lead.username == "netlead"


def test_seed_demo_has_users_for_every_role_with_the_documented_password():
    call_command("seed_demo")
    seen = set()
    for user in User.objects.all():
        seen |= user_roles(user)
        assert user.check_password(DEMO_PASSWORD)
    assert seen == set(Role.values)
