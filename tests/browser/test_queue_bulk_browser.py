"""The section queue in a real browser: a lead assigns several incidents at once and sees
which were refused and why; the queue refreshes itself when someone else acts, keeping the
rows the user ticked; the assign form's members follow the chosen section."""

import pytest

from incidents import services
from incidents.models import Incident
from itsm.people import person_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_bulk_assigns_and_one_row_is_refused(page, login, world, settings):
    settings.LIST_REFRESH_SECONDS = 0  # the page must keep what it showed
    a, b, c = (
        world.assigned(title="一号"),
        world.assigned(title="二号"),
        world.assigned(title="三号"),
    )
    login("w_netlead")
    page.wait_for_selector("#current-user")
    page.goto("/incidents/queue/?tab=open")
    page.check("#pick-all")
    assert page.locator("#bulk-count").inner_text() == "已选 3 项"
    # Meanwhile a technician claims one of them.
    services.incident_accept(incident=b, by=world.tech2)
    page.select_option("#bulk-assignee", str(world.tech.pk))
    page.click('[data-bulk="assign"]')
    page.wait_for_selector("#bulk-results-table")
    assert page.locator('#bulk-results-table [data-result="done"]').count() == 2
    refused = page.locator('#bulk-results-table [data-result="refused"]')
    assert refused.count() == 1
    assert refused.get_attribute("data-number") == b.number
    assert "列表显示后已有其他人修改了它" in refused.inner_text()
    assert "已完成 2 个事件" in page.locator("#bulk-summary").inner_text()
    assert Incident.objects.get(pk=a.pk).assignee == world.tech
    assert Incident.objects.get(pk=c.pk).assignee == world.tech
    assert Incident.objects.get(pk=b.pk).assignee == world.tech2
    # The list below shows the rows as they are now, nothing ticked.
    row = page.locator(f'#queue-list tr[data-incident="{a.number}"]')
    assert person_name(world.tech) in row.inner_text()
    assert page.locator("#queue-list input[name=pick]:checked").count() == 0


def test_queue_refreshes_itself_and_keeps_the_ticked_rows(page, login, world, settings):
    settings.LIST_REFRESH_SECONDS = 1
    taken, kept = world.assigned(title="将被认领"), world.assigned(title="保持勾选")
    login("w_net1")
    page.wait_for_selector("#current-user")
    page.goto("/incidents/queue/")
    page.check(f"#pick-{kept.number}")
    page.evaluate("window.scrollTo(0, 0)")
    # Another technician claims one; the agent dispatches a new one to the section.
    services.incident_accept(incident=taken, by=world.tech2)
    fresh = world.assigned(title="新派来的")
    page.wait_for_selector(f'#queue-list tr[data-incident="{taken.number}"]', state="detached")
    page.wait_for_selector(f'#queue-list tr[data-incident="{fresh.number}"]')
    assert page.is_checked(f"#pick-{kept.number}")
    assert not page.is_checked(f"#pick-{fresh.number}")
    assert page.locator("#bulk-count").inner_text() == "已选 1 项"


def test_the_assign_forms_members_follow_the_section(page, login, world):
    inc = world.assigned()
    login("w_agent")
    page.wait_for_selector("#current-user")
    page.goto(f"/incidents/{inc.number}/")
    page.locator("#action-assign > summary").click()
    options = page.locator("#id_assign_assignee option")
    assert str(world.tech.pk) in [
        options.nth(i).get_attribute("value") for i in range(options.count())
    ]
    with page.expect_response("**/incidents/assignee-options/**"):
        page.select_option("#id_assign_department", str(world.systems.pk))
    page.wait_for_selector(
        f'#id_assign_assignee option[value="{world.sys_tech.pk}"]', state="attached"
    )
    values = page.locator("#id_assign_assignee option").evaluate_all("os => os.map(o => o.value)")
    assert str(world.tech.pk) not in values
    assert "未结 0 件" in page.locator("#id_assign_assignee").inner_text()
