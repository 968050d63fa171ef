"""An SLA countdown turning amber in a real browser: the server renders it green a few
seconds before the policy's first warning threshold, and countdown.js turns it amber there
without a reload (the clock is set close to its threshold: P1 runs on the 24×7 calendar)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sla.models import SlaClock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sla_demo(transactional_db):
    from sla import demo
    from sla.calendars import clear_cache

    clear_cache()
    demo.seed()
    yield
    clear_cache()


def test_countdown_turns_amber_at_the_first_threshold(page, login, world, sla_demo):
    inc = world.assigned(impact=1, urgency=1)
    assert inc.priority == "P1"
    login("w_net1")
    page.wait_for_selector("#current-user")

    clock = SlaClock.objects.get(incident=inc, segment__isnull=True, target="response")
    # 75 % of the target is the demo policy's first threshold: put the clock 10 s before it.
    used = clock.target_duration * 3 / 4 - timedelta(seconds=10)
    now = timezone.now()
    SlaClock.objects.filter(pk=clock.pk).update(
        anchor_at=now, anchor_consumed=used, deadline=now + clock.target_duration - used
    )
    page.goto("/incidents/queue/")
    badge = page.locator(f'tr[data-incident="{inc.number}"] [data-countdown]')
    assert badge.get_attribute("data-level") == "ok"
    assert "text-bg-success" in badge.get_attribute("class")
    assert badge.inner_text() == "剩余 4 分"  # 3 min 55 s left, rounded up

    page.wait_for_selector(
        f'tr[data-incident="{inc.number}"] [data-countdown][data-level="warning"]', timeout=30_000
    )
    assert "text-bg-warning" in badge.get_attribute("class")
    assert badge.inner_text() == "剩余 4 分"  # 3 min 56 s and less, rounded up

    # The incident page shows the same clock in its panel, amber too.
    page.goto(f"/incidents/{inc.number}/")
    row = page.locator('#clocks tr[data-clock="response"]')
    assert row.locator('[data-countdown][data-level="warning"]').is_visible()
