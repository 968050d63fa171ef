"""Fixtures of the SLA tests: the demo SLA data, a fresh calendar cache, fixed time."""

from datetime import datetime

import pytest

from sla.businesstime import SHANGHAI


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    from sla.calendars import clear_cache

    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def sla_demo(db):
    """The demo calendars, policies (P1 on 24×7 … P4), thresholds and section OLAs."""
    from sla import demo

    return demo.seed()


def sh(*args) -> datetime:
    """An instant in Asia/Shanghai."""
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock(time_machine):
    """Time stands still at Monday 2026-11-23 09:00 (Shanghai) until the test moves it."""
    time_machine.move_to(sh(2026, 11, 23, 9, 0), tick=False)

    def move(*args):
        time_machine.move_to(sh(*args), tick=False)

    return move
