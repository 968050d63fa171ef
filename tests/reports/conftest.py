"""The scripted week of the KPI tests: incidents driven through the real services at known
moments (time-machine), on a calendar with a lunch break and a holiday, so that every
figure can be worked out by hand (tests/reports/test_kpis_scenario.py does)."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from incidents import services
from incidents.choices import Nature, Source
from reports.filters import KpiFilters
from sla.businesstime import SHANGHAI
from sla.choices import DayKind
from tests.incidents.factories import CategoryFactory, DelayReasonFactory
from tests.sla.factories import OlaTargetFactory, PolicyFactory, add_day, standard_calendar

NOVEMBER = KpiFilters(date(2026, 11, 1), date(2026, 11, 30))


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    from sla.calendars import clear_cache

    clear_cache()
    yield
    clear_cache()


def _sla_setup(world):
    """Mon–Fri 08:30–12:00 and 13:30–17:30, Wednesday 2026-11-25 a holiday; response 1 h and
    resolution 8 h of business time; OLAs: the desk resolves or dispatches within 1 h, the
    sections accept within 30 min and resolve or hand on within 4 h."""
    calendar = standard_calendar("kpi-std", china=False)
    add_day(calendar, date(2026, 11, 25), DayKind.HOLIDAY, "test holiday")
    PolicyFactory(
        code="kpi-default",
        is_default=True,
        calendar=calendar,
        response_target=timedelta(hours=1),
        resolution_target=timedelta(hours=8),
    )
    OlaTargetFactory(
        department=world.desk,
        accept_within=None,
        resolve_within=timedelta(hours=1),
        calendar=calendar,
    )
    for section in (world.network, world.systems):
        OlaTargetFactory(
            department=section,
            accept_within=timedelta(minutes=30),
            resolve_within=timedelta(hours=4),
            calendar=calendar,
        )
    return calendar


@pytest.fixture
def scenario(world, time_machine):
    """The week of 2026-11-23 (see the module docstring of test_kpis_scenario.py)."""
    w = world
    calendar = _sla_setup(w)
    parent = CategoryFactory(code="kpi-net", default_department=w.network)
    child = CategoryFactory(code="kpi-net-wifi", parent=parent, default_department=w.network)
    parts = DelayReasonFactory()

    def at(*args):
        time_machine.move_to(sh(*args), tick=False)

    def resolve(inc, by):
        return services.incident_resolve(incident=inc, by=by, code=w.code, resolution="已处理")

    def dispatch(inc, section):
        return services.incident_assign(incident=inc, by=w.agent, department=section)

    # H: logged in October, still new at the desk (backlog 7–30 days; outside the period).
    at(2026, 10, 30, 10, 0)
    h = w.incident(title="H")

    # A: the desk resolves it at first contact; rated 5.
    at(2026, 11, 23, 9, 0)
    a = w.incident(title="A", nature=Nature.INQUIRY)
    at(2026, 11, 23, 9, 20)
    a = resolve(a, w.agent)
    at(2026, 11, 23, 10, 0)
    a = services.incident_close(incident=a, by=w.requester, satisfaction=5)

    # B: dispatched, accepted, resolved across the lunch break; rated 4.
    at(2026, 11, 23, 11, 0)
    b = w.incident(title="B")
    at(2026, 11, 23, 11, 10)
    b = dispatch(b, w.network)
    at(2026, 11, 23, 11, 30)
    b = services.incident_accept(incident=b, by=w.tech)
    at(2026, 11, 23, 14, 30)
    b = resolve(b, w.tech)
    at(2026, 11, 23, 15, 0)
    b = services.incident_close(incident=b, by=w.requester, satisfaction=4)

    # D: suspended with a reason that stops the clock, resolved, reopened, resolved; rated 2.
    at(2026, 11, 23, 14, 0)
    d = w.incident(title="D")
    at(2026, 11, 23, 14, 10)
    d = dispatch(d, w.network)
    at(2026, 11, 23, 14, 20)
    d = services.incident_accept(incident=d, by=w.tech)
    at(2026, 11, 23, 15, 0)
    d = services.incident_suspend(
        incident=d, by=w.tech, reason=w.reason, resume_at=sh(2026, 11, 24, 9, 30)
    )
    at(2026, 11, 24, 9, 30)
    d = services.incident_resume(incident=d, by=w.tech)
    at(2026, 11, 24, 10, 30)
    d = resolve(d, w.tech)
    at(2026, 11, 24, 11, 0)
    d = services.incident_reopen(incident=d, by=w.requester, reason="还是不行")
    at(2026, 11, 24, 14, 0)
    d = resolve(d, w.tech)
    at(2026, 11, 24, 15, 0)
    d = services.incident_close(incident=d, by=w.requester, satisfaction=2)

    # C: dispatched, handed over to systems, bounced back, escalated, resolved after the
    # holiday over the section's OLA (delay reason recorded); closed without a rating.
    at(2026, 11, 24, 9, 0)
    c = w.incident(title="C")
    at(2026, 11, 24, 9, 10)
    c = dispatch(c, w.network)
    at(2026, 11, 24, 9, 20)
    c = services.incident_accept(incident=c, by=w.tech)
    at(2026, 11, 24, 10, 0)
    c = services.incident_assign(
        incident=c, by=w.tech, department=w.systems, reason="疑似服务器问题"
    )
    at(2026, 11, 24, 10, 20)
    c = services.incident_return(incident=c, by=w.sys_tech, reason="不是系统问题")
    at(2026, 11, 24, 10, 30)
    c = services.incident_accept(incident=c, by=w.tech)
    at(2026, 11, 24, 11, 0)
    c = services.incident_escalate(incident=c, by=w.incident_manager, reason="用户投诉", level=2)
    at(2026, 11, 26, 9, 0)
    c = resolve(c, w.tech)
    # No service records a delay reason yet (the segment's field is set in the admin).
    c.segments.filter(ola_met=False).update(delay_reason=parts)
    at(2026, 11, 26, 10, 0)
    c = services.incident_close(incident=c, by=w.requester)

    # E: suspended awaiting the vendor (the clock keeps running); resolved, not closed.
    at(2026, 11, 26, 9, 0)
    e = w.incident(title="E", category=child)
    at(2026, 11, 26, 9, 10)
    e = dispatch(e, w.network)
    at(2026, 11, 26, 9, 20)
    e = services.incident_accept(incident=e, by=w.tech)
    at(2026, 11, 26, 10, 0)
    e = services.incident_suspend(
        incident=e, by=w.tech, reason=w.vendor_reason, resume_at=sh(2026, 11, 26, 11, 0)
    )
    at(2026, 11, 26, 11, 0)
    e = services.incident_resume(incident=e, by=w.tech)
    at(2026, 11, 26, 11, 30)
    e = resolve(e, w.tech)

    # F: a P1 major incident, accepted late (response breached), resolved late.
    at(2026, 11, 26, 14, 0)
    f = w.incident(title="F", impact=1, urgency=1)
    at(2026, 11, 26, 14, 10)
    f = dispatch(f, w.network)
    at(2026, 11, 26, 15, 30)
    f = services.incident_accept(incident=f, by=w.tech)
    at(2026, 11, 27, 17, 0)
    f = resolve(f, w.tech)

    # G: from the web, at systems, in progress at the end.
    at(2026, 11, 27, 10, 0)
    g = w.incident(title="G", source=Source.WEB)
    at(2026, 11, 27, 10, 10)
    g = dispatch(g, w.systems)
    at(2026, 11, 27, 10, 20)
    g = services.incident_accept(incident=g, by=w.sys_tech)

    at(2026, 11, 27, 17, 10)
    return SimpleNamespace(
        world=w,
        calendar=calendar,
        parent=parent,
        child=child,
        delay=parts,
        at=at,
        **{x.title.lower(): x for x in (a, b, c, d, e, f, g, h)},
    )
