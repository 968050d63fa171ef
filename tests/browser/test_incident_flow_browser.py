"""An incident's whole life in a real browser: logged at the desk, dispatched, claimed,
resolved by a technician, confirmed by the requester in the portal."""

import re

import pytest

from incidents.models import Incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def status_of(page):
    return page.locator("#incident-status [data-status]").get_attribute("data-status")


def sign_out(page):
    page.context.clear_cookies()


def test_incident_from_desk_to_confirmation(page, login, world):
    # The agent logs a phone call in the console.
    login("w_agent")
    page.wait_for_selector("#current-user")
    page.goto("/desk/console/")
    page.fill("#id_title", "三楼网络中断")
    page.fill("#id_description", "三楼交换机无法访问")
    page.select_option("#id_category", str(world.category.pk))
    page.select_option("#id_impact", "2")
    page.select_option("#id_urgency", "2")
    page.fill("#id_requester", "w_user")
    page.fill("#id_contact_phone", "010-8888")
    page.click("#log-submit")
    page.wait_for_url(re.compile(r"/incidents/INC-\d{4}-\d{6}/$"))
    number = page.locator("#incident-header").get_attribute("data-number")
    assert status_of(page) == "new"
    assert page.locator(".alert-success").is_visible()

    # Back in the console it waits for dispatch, routed to the network section; dispatch it.
    page.goto("/desk/console/")
    row = page.locator(f'#desk-queue tr[data-incident="{number}"]')
    assert row.is_visible()
    assert row.locator("select[name=department]").input_value() == str(world.network.pk)
    row.locator(f'[data-dispatch="{number}"]').click()
    page.wait_for_selector(f'#desk-queue tr[data-incident="{number}"]', state="detached")
    page.goto(f"/incidents/{number}/")
    assert status_of(page) == "assigned"
    assert world.network.name_zh in page.locator('[data-field="department"]').inner_text()

    # A technician of the network section claims it from the queue…
    sign_out(page)
    login("w_net1")
    page.wait_for_selector("#current-user")
    page.goto("/incidents/queue/")
    page.locator(f'[data-claim="{number}"]').click()
    page.wait_for_url(f"**/incidents/{number}/")
    page.wait_for_selector('#incident-status [data-status="in_progress"]')

    # …and resolves it: a bad submission first shows the errors in place, then the real one.
    page.locator("#action-resolve > summary").click()
    page.select_option("#id_resolve_code", str(world.code.pk))
    page.click('[data-submit="resolve"]')
    page.wait_for_selector('#action-resolve [data-field-error="resolution"]')
    assert status_of(page) == "in_progress"
    page.fill("#id_resolve_resolution", "更换了交换机端口")
    page.click('[data-submit="resolve"]')
    page.wait_for_selector('#incident-status [data-status="resolved"]')

    # The requester confirms the resolution in the portal, with a rating.
    sign_out(page)
    login("w_user")
    page.wait_for_selector("#current-user")
    page.goto("/desk/portal/")
    row = page.locator(f'#my-requests tr[data-incident="{number}"]')
    assert row.locator("[data-status]").get_attribute("data-status") == "resolved"
    row.get_by_role("link", name=number).click()
    page.wait_for_url(f"**/incidents/{number}/")
    assert page.locator("#incident-resolution").is_visible()
    page.locator("#action-close > summary").click()
    page.select_option("#id_close_satisfaction", "5")
    page.click('[data-submit="close"]')
    page.wait_for_selector('#incident-status [data-status="closed"]')

    page.goto("/desk/portal/")
    row = page.locator(f'#my-requests tr[data-incident="{number}"]')
    assert row.locator("[data-status]").get_attribute("data-status") == "closed"

    incident = Incident.objects.get(number=number)
    assert incident.status == "closed"
    assert incident.close_method == "requester"
    assert incident.satisfaction == 5
    assert incident.resolved_by.username == "w_net1"
