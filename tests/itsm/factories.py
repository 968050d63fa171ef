"""Factories for sections and people."""

import factory
from django.contrib.auth import get_user_model

from itsm import services
from itsm.models import Department, DepartmentKind
from itsm.roles import SECTION_ROLES, Role

PASSWORD = "Secret-pass-123"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"sect{n}")
    name_zh = factory.LazyAttribute(lambda o: f"{o.code}科")
    name_en = factory.LazyAttribute(lambda o: f"Section {o.code}")
    kind = DepartmentKind.TECHNICAL


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    first_name = "测"
    last_name = "试"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_user(role: str, section: str | Department | None = None, **kwargs):
    """A user holding the role; section roles get a membership (a default section if none)."""
    user = UserFactory(**kwargs)
    if role == Role.ADMINISTRATOR:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if role in SECTION_ROLES:
        if section is None:
            section = "servicedesk" if role in (Role.AGENT, Role.DESK_MANAGER) else "network"
        if isinstance(section, str):
            kind = {
                "servicedesk": DepartmentKind.SERVICE_DESK,
                "eport": DepartmentKind.VENDOR,
            }.get(section, DepartmentKind.TECHNICAL)
            if role == Role.VENDOR:
                kind = DepartmentKind.VENDOR
            section = DepartmentFactory(code=section, kind=kind)
        services.membership_set(user=user, department=section, role=role)
    else:
        services.user_grant_role(user=user, role=role)
    return user
