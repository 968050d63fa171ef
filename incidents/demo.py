"""Demo configuration (categories, routing, codes, reasons, section policies) and a few
hundred incidents in every state, made through the real services."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from incidents import services
from incidents.choices import AssignMode, Nature, Source
from incidents.models import (
    Category,
    DelayReason,
    Incident,
    ResolutionCode,
    RoutingRule,
    SectionPolicy,
    SuspendReason,
)
from itsm.models import Department

User = get_user_model()

# code, Chinese, English, parent code, default section code
CATEGORIES = [
    ("network", "网络", "Network", None, "network"),
    ("network-lan", "局域网", "LAN", "network", "network"),
    ("network-wan", "广域网/专线", "WAN and leased lines", "network", "network"),
    ("network-wifi", "无线网络", "Wi-Fi", "network", "network"),
    ("system", "系统", "Systems", None, "systems"),
    ("system-server", "服务器", "Servers", "system", "systems"),
    ("system-db", "数据库", "Databases", "system", "systems"),
    ("system-storage", "存储与备份", "Storage and backup", "system", "systems"),
    ("desktop", "桌面", "Desktop", None, "ops"),
    ("desktop-pc", "计算机故障", "PC fault", "desktop", "ops"),
    ("desktop-printer", "打印机", "Printers", "desktop", "equipment"),
    ("desktop-account", "账号与密码", "Accounts and passwords", "desktop", "ops"),
    ("application", "应用", "Applications", None, "dev1"),
    ("application-customs", "通关作业系统", "Customs clearance system", "application", "dev1"),
    ("application-office", "办公系统", "Office automation", "application", "dev2"),
    ("application-eport", "电子口岸", "E-Port", "application", "eport"),
    ("comms", "通信", "Communications", None, "comms"),
    ("comms-phone", "电话", "Telephones", "comms", "comms"),
    ("comms-video", "视频会议", "Video conferencing", "comms", "comms"),
    ("equipment", "设备", "Equipment", None, "equipment"),
    ("equipment-inspection", "查验设备", "Inspection equipment", "equipment", "equipment"),
    ("security", "安全", "Security", None, "security"),
    ("security-virus", "病毒与恶意软件", "Viruses and malware", "security", "security"),
    ("security-access", "访问控制", "Access control", "security", "security"),
]

# category code, location, configuration item, section code
ROUTING = [
    ("network-lan", "分关", "", "branch"),
    ("desktop-pc", "分关", "", "branch"),
    ("desktop-printer", "分关", "", "branch"),
    ("system-db", "", "H2010-DB", "dev1"),
]

SUSPEND_REASONS = [
    # code, zh, en, stops clock, awaits requester, max duration
    ("awaiting_info", "等待用户提供信息", "Awaiting information", True, True, timedelta(days=3)),
    ("requester_away", "用户不在", "Requester unavailable", True, True, timedelta(days=2)),
    ("maintenance", "约定维护窗口", "Agreed maintenance window", True, False, timedelta(days=7)),
    ("awaiting_vendor", "等待厂商", "Awaiting vendor", False, False, timedelta(days=5)),
    ("awaiting_parts", "等待备件", "Awaiting parts", False, False, timedelta(days=10)),
]

RESOLUTION_CODES = [
    ("fixed", "已修复", "Fixed"),
    ("workaround", "临时解决", "Workaround provided"),
    ("config", "配置调整", "Configuration changed"),
    ("replaced", "更换硬件", "Hardware replaced"),
    ("user_error", "用户操作问题", "User error, explained"),
    ("answered", "咨询已答复", "Question answered"),
    ("fulfilled", "请求已完成", "Request fulfilled"),
    ("auto_recovered", "自动恢复", "Recovered automatically"),
    ("no_fault", "未发现故障", "No fault found"),
]

DELAY_REASONS = [
    ("awaiting_parts", "等待备件", "Awaiting parts"),
    ("awaiting_vendor", "等待厂商", "Awaiting vendor"),
    ("complex", "问题复杂", "Complex diagnosis"),
    ("workload", "工作量饱和", "Section overloaded"),
    ("wrong_routing", "派单错误", "Routed to the wrong section"),
]

SAMPLE_TITLES = [
    ("network-lan", "三楼办公区网络中断"),
    ("network-wan", "分关专线时断时续"),
    ("network-wifi", "会议室无线无法连接"),
    ("system-server", "报关服务器响应缓慢"),
    ("system-db", "数据库连接数告警"),
    ("desktop-pc", "电脑无法开机"),
    ("desktop-printer", "打印机卡纸"),
    ("desktop-account", "忘记系统密码"),
    ("application-customs", "通关系统提交报错"),
    ("application-office", "办公系统附件无法上传"),
    ("application-eport", "电子口岸登录失败"),
    ("comms-phone", "座机无拨号音"),
    ("comms-video", "视频会议无声音"),
    ("equipment-inspection", "查验设备图像异常"),
    ("security-virus", "终端发现病毒告警"),
    ("security-access", "门禁卡无法使用"),
]

DEMO_INCIDENTS = 240


@transaction.atomic
def seed_configuration() -> dict[str, int]:
    created = {"categories": 0, "routing_rules": 0, "codes": 0, "section_policies": 0}
    sections = {d.code: d for d in Department.objects.all()}
    by_code: dict[str, Category] = {}
    for order, (code, zh, en, parent, section) in enumerate(CATEGORIES):
        category, was_created = Category.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "parent": by_code.get(parent) if parent else None,
                "default_department": sections.get(section),
                "sort_order": order,
            },
        )
        by_code[code] = category
        created["categories"] += was_created
    for category, location, item, section in ROUTING:
        if section not in sections:
            continue
        _, was_created = RoutingRule.objects.get_or_create(
            category=by_code[category],
            location=location,
            configuration_item=item,
            defaults={"department": sections[section]},
        )
        created["routing_rules"] += was_created
    for code, zh, en, stops, awaits, maximum in SUSPEND_REASONS:
        _, was_created = SuspendReason.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "stops_clock": stops,
                "awaits_requester": awaits,
                "max_duration": maximum,
            },
        )
        created["codes"] += was_created
    for model, rows in ((ResolutionCode, RESOLUTION_CODES), (DelayReason, DELAY_REASONS)):
        for code, zh, en in rows:
            _, was_created = model.objects.get_or_create(
                code=code, defaults={"name_zh": zh, "name_en": en}
            )
            created["codes"] += was_created
    modes = {"ops": AssignMode.ROUND_ROBIN, "equipment": AssignMode.LEAST_OPEN}
    for code, department in sections.items():
        if department.kind in ("administrative",):
            continue
        _, was_created = SectionPolicy.objects.get_or_create(
            department=department,
            defaults={"assign_mode": modes.get(code, AssignMode.MANUAL)},
        )
        created["section_policies"] += was_created
    return created


def _members(section_code: str, roles=("technician", "section_lead", "vendor")):
    return list(
        User.objects.filter(
            memberships__department__code=section_code, memberships__role__in=roles
        ).order_by("username")
    )


def seed_incidents(count: int = DEMO_INCIDENTS) -> int:
    """A few hundred incidents spread over every state; skipped when incidents exist. Kept
    whole: one loop that walks each incident through the real services to its state."""
    if Incident.objects.exists():
        return 0
    rng = random.Random(20261121)  # noqa: S311 - demo data, not security
    agents = list(User.objects.filter(groups__name="agent").order_by("username"))
    requesters = list(User.objects.filter(groups__name="requester").order_by("username"))
    im = User.objects.filter(groups__name="incident_manager").order_by("username").first()
    categories = {c.code: c for c in Category.objects.all()}
    code = ResolutionCode.objects.get(code="fixed")
    reasons = list(SuspendReason.objects.order_by("code"))
    states = ["new", "assigned", "in_progress", "suspended", "resolved", "closed", "cancelled"]
    made = 0
    for i in range(count):
        category_code, title = SAMPLE_TITLES[i % len(SAMPLE_TITLES)]
        agent = agents[i % len(agents)] if agents else im
        incident = services.incident_create(
            by=agent,
            title=title,
            description=f"{title}（演示数据 #{i + 1}）",
            nature=rng.choice(
                [Nature.FAULT] * 6 + [Nature.REQUEST, Nature.INQUIRY, Nature.COMPLAINT]
            ),
            source=rng.choice([Source.PHONE] * 4 + [Source.WEB, Source.EMAIL, Source.WALK_IN]),
            category=categories.get(category_code),
            impact=rng.choice([1, 2, 2, 3, 3, 3]),
            urgency=rng.choice([1, 2, 2, 3, 3, 3]),
            requester=requesters[i % len(requesters)] if requesters else None,
        )
        made += 1
        target = states[i % len(states)]
        if target == "new":
            continue
        if target == "cancelled":
            services.incident_cancel(incident=incident, by=agent, reason="重复登记")
            continue
        section = incident.routed_department
        if section is None:
            continue
        workers = _members(section.code)
        incident = services.incident_assign(incident=incident, by=agent, department=section)
        if target == "assigned" or not workers:
            continue
        worker = incident.assignee or workers[i % len(workers)]
        if incident.assignee and incident.assignee != worker:
            continue
        incident = services.incident_accept(incident=incident, by=worker)
        if target == "in_progress":
            continue
        if target == "suspended":
            reason = reasons[i % len(reasons)]
            services.incident_suspend(
                incident=incident,
                by=worker,
                reason=reason,
                resume_at=timezone.now() + min(reason.max_duration, timedelta(days=1)),
            )
            continue
        incident = services.incident_resolve(
            incident=incident, by=worker, code=code, resolution="已处理并验证恢复正常。"
        )
        if target == "closed":
            by = incident.requester or agent
            services.incident_close(incident=incident, by=by, satisfaction=rng.choice([3, 4, 5, 5]))
    return made


def seed() -> dict[str, int]:
    created = seed_configuration()
    created["incidents"] = seed_incidents()
    return created
