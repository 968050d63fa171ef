"""Demo organisation: the customs-style IT division of DESIGN §1 and a few users per role; and
the registry of every app's demo data, which ``manage.py seed_demo`` loads."""

from django.contrib.auth import get_user_model
from django.db import transaction

from itsm import services
from itsm.models import Department, DepartmentKind, Membership
from itsm.roles import Role

User = get_user_model()

# Dotted paths of the modules whose ``seed()`` builds an app's demo data, in registration
# order: the apps' ``ready()`` order, which is INSTALLED_APPS and so the dependency order.
_SEEDERS: list[str] = []


def demo_seeder_register(module: str) -> None:
    """Have ``seed_demo`` call ``<module>.seed()`` (idempotent); apps call it from their
    ``AppConfig.ready()``. The module is imported only when the demo data is loaded."""
    if module not in _SEEDERS:
        _SEEDERS.append(module)


def demo_seeders() -> list[str]:
    """The registered demo modules, in the order their data is loaded."""
    return list(_SEEDERS)


DEMO_PASSWORD = "Demo@2026"

# code, Chinese name, English name, kind, parent code
DEPARTMENTS = [
    ("itd", "科技处", "IT Division", DepartmentKind.ADMINISTRATIVE, None),
    ("servicedesk", "客服部/服务台", "Service Desk", DepartmentKind.SERVICE_DESK, "itd"),
    ("ops", "运行科", "Operations Section", DepartmentKind.TECHNICAL, "itd"),
    ("network", "网络科", "Network Section", DepartmentKind.TECHNICAL, "itd"),
    ("systems", "系统科", "Systems Section", DepartmentKind.TECHNICAL, "itd"),
    ("security", "安全科", "Security Section", DepartmentKind.TECHNICAL, "itd"),
    ("comms", "通信科", "Communications Section", DepartmentKind.TECHNICAL, "itd"),
    ("equipment", "设备科", "Equipment Section", DepartmentKind.TECHNICAL, "itd"),
    ("dev1", "开发一科", "Development Section 1", DepartmentKind.DEVELOPMENT, "itd"),
    ("dev2", "开发二科", "Development Section 2", DepartmentKind.DEVELOPMENT, "itd"),
    ("eport", "电子口岸开发部", "E-Port Development (vendor)", DepartmentKind.VENDOR, None),
    ("general", "综合科", "General Affairs Section", DepartmentKind.ADMINISTRATIVE, "itd"),
    ("branch", "分关技术科", "Branch Technical Section", DepartmentKind.BRANCH, "itd"),
]

# username, last name (surname), first name, role, section code (None: no section)
USERS = [
    ("admin", "管", "理员", Role.ADMINISTRATOR, None),
    ("desk1", "王", "芳", Role.AGENT, "servicedesk"),
    ("desk2", "李", "娜", Role.AGENT, "servicedesk"),
    ("deskmgr", "张", "伟", Role.DESK_MANAGER, "servicedesk"),
    ("ops1", "刘", "洋", Role.TECHNICIAN, "ops"),
    ("opslead", "陈", "杰", Role.SECTION_LEAD, "ops"),
    ("net1", "杨", "磊", Role.TECHNICIAN, "network"),
    ("net2", "黄", "勇", Role.TECHNICIAN, "network"),
    ("netlead", "赵", "军", Role.SECTION_LEAD, "network"),
    ("sys1", "吴", "静", Role.TECHNICIAN, "systems"),
    ("syslead", "周", "涛", Role.SECTION_LEAD, "systems"),
    ("sec1", "徐", "明", Role.TECHNICIAN, "security"),
    ("seclead", "孙", "超", Role.SECTION_LEAD, "security"),
    ("comm1", "马", "丽", Role.TECHNICIAN, "comms"),
    ("commlead", "朱", "强", Role.SECTION_LEAD, "comms"),
    ("equip1", "胡", "平", Role.TECHNICIAN, "equipment"),
    ("equiplead", "郭", "辉", Role.SECTION_LEAD, "equipment"),
    ("dev1a", "何", "斌", Role.TECHNICIAN, "dev1"),
    ("dev1lead", "高", "鹏", Role.SECTION_LEAD, "dev1"),
    ("dev2a", "林", "华", Role.TECHNICIAN, "dev2"),
    ("dev2lead", "罗", "刚", Role.SECTION_LEAD, "dev2"),
    ("vendor1", "郑", "凯", Role.VENDOR, "eport"),
    ("vendorlead", "梁", "建", Role.SECTION_LEAD, "eport"),
    ("branch1", "谢", "东", Role.TECHNICIAN, "branch"),
    ("branchlead", "宋", "亮", Role.SECTION_LEAD, "branch"),
    ("im", "唐", "敏", Role.INCIDENT_MANAGER, "servicedesk"),
    ("director", "韩", "峰", Role.DIRECTOR, None),
    ("user1", "冯", "雪", Role.REQUESTER, None),
    ("user2", "董", "琳", Role.REQUESTER, None),
    ("monitor", "监控", "系统", Role.SYSTEM, None),
]


@transaction.atomic
def seed() -> dict[str, int]:
    """Create the demo sections and users; running it again changes nothing."""
    created = {"departments": 0, "users": 0, "memberships": 0}
    by_code: dict[str, Department] = {}
    for code, zh, en, kind, parent in DEPARTMENTS:
        dept, was_created = Department.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "kind": kind,
                "parent": by_code.get(parent) if parent else None,
            },
        )
        by_code[code] = dept
        created["departments"] += was_created

    for username, last, first, role, section in USERS:
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={
                "last_name": last,
                "first_name": first,
                "email": f"{username}@itsm.example.cn",
                "is_staff": role == Role.ADMINISTRATOR,
                "is_superuser": role == Role.ADMINISTRATOR,
            },
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created["users"] += 1
        if section is None:
            services.user_grant_role(user=user, role=role)
        elif not Membership.objects.filter(user=user, department=by_code[section]).exists():
            services.membership_set(user=user, department=by_code[section], role=role)
            created["memberships"] += 1
    return created
