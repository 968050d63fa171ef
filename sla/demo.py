"""Demo SLA data: the standard Chinese working calendar, 24×7, a policy per priority with
the escalation thresholds of DESIGN §2.2, and OLAs for the demo sections; idempotent."""

from datetime import time, timedelta

from django.db import transaction

from sla import services
from sla.choices import EscalationLevel, ThresholdTarget
from sla.models import BusinessCalendar, OlaTarget, SlaPolicy, SlaThreshold, WorkingPeriod

STANDARD_DAY = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))

# code, zh, en, priority, calendar code, response, resolution, update interval
POLICIES = [
    ("p1", "P1 紧急", "P1 critical", "P1", "24x7", 15, 4 * 60, 30),
    ("p2", "P2 高", "P2 high", "P2", "standard", 30, 8 * 60, None),
    ("p3", "P3 中", "P3 medium", "P3", "standard", 2 * 60, 24 * 60, None),
    ("p4", "P4 低", "P4 low", "P4", "standard", 4 * 60, 40 * 60, None),
    ("default", "默认", "Default", "", "standard", 2 * 60, 24 * 60, None),
]

# percent, level, assignee, lead, incident manager, director
THRESHOLDS = [
    (75, EscalationLevel.SECTION_LEAD, True, True, False, False),
    (100, EscalationLevel.INCIDENT_MANAGER, True, True, True, False),
    (150, EscalationLevel.DIRECTOR, False, False, True, True),
]

# section code -> (accept within, resolve or hand on within), minutes of business time;
# the desk only dispatches (no acceptance), the vendor gets longer.
OLAS = {
    "servicedesk": (None, 30),
    "ops": (30, 8 * 60),
    "network": (30, 8 * 60),
    "systems": (30, 8 * 60),
    "security": (30, 8 * 60),
    "comms": (30, 8 * 60),
    "equipment": (60, 16 * 60),
    "dev1": (60, 16 * 60),
    "dev2": (60, 16 * 60),
    "eport": (2 * 60, 24 * 60),
    "branch": (30, 8 * 60),
}


def _minutes(value):
    return None if value is None else timedelta(minutes=value)


@transaction.atomic
def seed() -> dict:
    """Create what is missing of the demo's SLA data; returns the counts created. Kept whole:
    it reads top to bottom as the list of what the demo holds, one block per kind of row."""
    from itsm.models import Department

    counts = {"calendars": 0, "calendar days": 0, "policies": 0, "thresholds": 0, "OLAs": 0}
    standard, created = BusinessCalendar.objects.get_or_create(
        code="standard",
        defaults={"name_zh": "标准工作日历", "name_en": "Standard working calendar"},
    )
    if created:
        counts["calendars"] += 1
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=standard, weekday=weekday, start=start, end=end)
            for weekday in range(5)
            for start, end in STANDARD_DAY
        )
    loaded = services.calendar_load_china(calendar=standard)
    counts["calendar days"] += loaded.created
    _, created = BusinessCalendar.objects.get_or_create(
        code="24x7",
        defaults={"name_zh": "7×24 小时", "name_en": "24×7", "always_open": True},
    )
    counts["calendars"] += created
    calendars = {c.code: c for c in BusinessCalendar.objects.all()}

    for code, zh, en, priority, cal, response, resolution, update in POLICIES:
        policy, created = SlaPolicy.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "priority": priority,
                "is_default": not priority,
                "calendar": calendars[cal],
                "response_target": _minutes(response),
                "resolution_target": _minutes(resolution),
                "update_interval": _minutes(update),
            },
        )
        counts["policies"] += created
        for target in ThresholdTarget.values:
            for percent, level, assignee, lead, manager, director in THRESHOLDS:
                _, created = SlaThreshold.objects.get_or_create(
                    policy=policy,
                    target=target,
                    percent=percent,
                    defaults={
                        "escalation_level": level,
                        "notify_assignee": assignee,
                        "notify_lead": lead,
                        "notify_incident_manager": manager,
                        "notify_director": director,
                    },
                )
                counts["thresholds"] += created

    for department in Department.objects.filter(code__in=OLAS):
        accept, resolve = OLAS[department.code]
        _, created = OlaTarget.objects.get_or_create(
            department=department,
            defaults={
                "accept_within": _minutes(accept),
                "resolve_within": _minutes(resolve),
                "calendar": standard,
            },
        )
        counts["OLAs"] += created
    return counts
