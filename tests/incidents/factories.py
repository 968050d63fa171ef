"""Factories for incident configuration, and incidents made through the real services."""

from datetime import timedelta

import factory

from incidents import services
from incidents.models import (
    Category,
    DelayReason,
    ResolutionCode,
    RoutingRule,
    SectionPolicy,
    SuspendReason,
)
from itsm.models import DepartmentKind
from itsm.roles import Role
from tests.itsm.factories import DepartmentFactory, make_user


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat{n}")
    name_zh = factory.LazyAttribute(lambda o: f"类别{o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Category {o.code}")


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    category = factory.SubFactory(CategoryFactory)
    department = factory.SubFactory(DepartmentFactory)


class SuspendReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SuspendReason
        django_get_or_create = ("code",)

    code = "awaiting_info"
    name_zh = "等待用户提供信息"
    name_en = "Awaiting information from the requester"
    stops_clock = True
    awaits_requester = True
    max_duration = timedelta(days=3)


class ResolutionCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResolutionCode
        django_get_or_create = ("code",)

    code = "fixed"
    name_zh = "已修复"
    name_en = "Fixed"


class DelayReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DelayReason
        django_get_or_create = ("code",)

    code = "awaiting_parts"
    name_zh = "等待备件"
    name_en = "Awaiting parts"


class SectionPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SectionPolicy
        django_get_or_create = ("department",)

    department = factory.SubFactory(DepartmentFactory)


class World:
    """A small organisation: the desk, two technical sections, a vendor, and one person of
    each role, with a category routed to the network section."""

    def __init__(self):
        self.desk = DepartmentFactory(code="servicedesk", kind=DepartmentKind.SERVICE_DESK)
        self.network = DepartmentFactory(code="network", kind=DepartmentKind.TECHNICAL)
        self.systems = DepartmentFactory(code="systems", kind=DepartmentKind.TECHNICAL)
        self.vendor_section = DepartmentFactory(code="eport", kind=DepartmentKind.VENDOR)
        self.agent = make_user(Role.AGENT, section=self.desk, username="w_agent")
        self.desk_manager = make_user(Role.DESK_MANAGER, section=self.desk, username="w_deskmgr")
        self.incident_manager = make_user(Role.INCIDENT_MANAGER, section=self.desk, username="w_im")
        self.tech = make_user(Role.TECHNICIAN, section=self.network, username="w_net1")
        self.tech2 = make_user(Role.TECHNICIAN, section=self.network, username="w_net2")
        self.lead = make_user(Role.SECTION_LEAD, section=self.network, username="w_netlead")
        self.sys_tech = make_user(Role.TECHNICIAN, section=self.systems, username="w_sys1")
        self.sys_lead = make_user(Role.SECTION_LEAD, section=self.systems, username="w_syslead")
        self.vendor = make_user(Role.VENDOR, section=self.vendor_section, username="w_vendor")
        self.director = make_user(Role.DIRECTOR, username="w_director")
        self.requester = make_user(Role.REQUESTER, username="w_user")
        self.other_requester = make_user(Role.REQUESTER, username="w_user2")
        self.system = make_user(Role.SYSTEM, username="w_monitor")
        self.admin = make_user(Role.ADMINISTRATOR, username="w_admin")
        self.category = CategoryFactory(code="network-lan", default_department=self.network)
        self.code = ResolutionCodeFactory()
        self.reason = SuspendReasonFactory()
        self.vendor_reason = SuspendReasonFactory(
            code="awaiting_vendor",
            name_zh="等待厂商",
            name_en="Awaiting vendor",
            stops_clock=False,
            awaits_requester=False,
        )

    def incident(self, **kwargs):
        """A new incident logged by the agent for the requester (through the service)."""
        defaults = {
            "by": self.agent,
            "title": "网络中断",
            "description": "三楼交换机无法访问",
            "category": self.category,
            "requester": self.requester,
            "impact": 2,
            "urgency": 2,
        }
        defaults.update(kwargs)
        return services.incident_create(**defaults)

    def assigned(self, **kwargs):
        inc = self.incident(**kwargs)
        return services.incident_assign(incident=inc, by=self.agent, department=self.network)

    def in_progress(self, **kwargs):
        inc = self.assigned(**kwargs)
        return services.incident_accept(incident=inc, by=self.tech)

    def suspended(self, **kwargs):
        from django.utils import timezone

        inc = self.in_progress(**kwargs)
        return services.incident_suspend(
            incident=inc,
            by=self.tech,
            reason=self.reason,
            resume_at=timezone.now() + timedelta(hours=4),
        )

    def resolved(self, **kwargs):
        inc = self.in_progress(**kwargs)
        return services.incident_resolve(
            incident=inc, by=self.tech, code=self.code, resolution="更换了网线"
        )

    def closed(self, **kwargs):
        inc = self.resolved(**kwargs)
        return services.incident_close(incident=inc, by=self.requester, satisfaction=5)

    def cancelled(self, **kwargs):
        inc = self.incident(**kwargs)
        return services.incident_cancel(incident=inc, by=self.agent, reason="重复登记")
