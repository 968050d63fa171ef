"""Intake in a real browser: one-step first-contact resolution from the console with the
keyboard, and a second call linked to the first from the duplicate hint."""

import re

import pytest

from incidents.models import Incident, IncidentLink
from incidents.services import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_one_step_first_contact_resolution(page, login, world):
    login("w_agent")
    page.wait_for_selector("#current-user")
    page.goto("/desk/console/")
    # The first field has the focus: the agent types the title straight away.
    page.keyboard.type("打印机卡纸")
    assert page.input_value("#id_title") == "打印机卡纸"
    page.select_option("#id_impact", "1")
    page.select_option("#id_urgency", "2")
    page.select_option("#id_category", str(world.category.pk))
    # The priority and the routed section follow the form.
    page.wait_for_selector('#intake-proposal [data-priority="P2"]')
    assert world.network.name_zh in page.inner_text("#routed-section")
    page.fill("#id_contact_name", "张三")
    page.locator("#first-contact > summary").click()
    page.check("#id_resolved_now")
    page.select_option("#id_resolution_code", str(world.code.pk))
    page.fill("#id_resolution", "重新装纸后恢复")
    page.check("#id_close_now")
    page.focus("#id_resolution")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"/incidents/INC-\d{4}-\d{6}/$"))
    page.wait_for_selector('#incident-status [data-status="closed"]')
    inc = Incident.objects.get()
    assert inc.status == "closed"
    assert inc.first_contact_resolution
    assert inc.number in page.inner_text(".alert-success")


def test_the_duplicate_hint_links_a_second_call_to_the_first(page, login, world):
    from incidents import services

    first = services.incident_create(
        by=world.agent,
        title="三楼网络中断",
        category=world.category,
        contact=Contact(name="李四", phone="010-5555"),
    )
    login("w_agent")
    page.wait_for_selector("#current-user")
    page.goto("/desk/console/")
    page.fill("#id_contact_phone", "010-5555")
    page.fill("#id_title", "网络中断了")
    hint = page.locator(f'#duplicate-hints [data-duplicate="{first.number}"]')
    hint.wait_for()
    assert "同一来电人" in hint.inner_text()
    hint.locator(f'[data-link-duplicate="{first.number}"]').click()
    page.wait_for_url(f"**/incidents/{first.number}/")
    second = Incident.objects.exclude(pk=first.pk).get()
    assert second.status == "cancelled"
    assert IncidentLink.objects.filter(
        from_incident=second, to_incident=first, kind="duplicate_of"
    ).exists()
    assert second.number in page.inner_text("#links")
    assert second.number in page.inner_text(".alert-success")


def test_question_mark_shows_the_shortcuts(page, login, world):
    login("w_agent")
    page.wait_for_selector("#current-user")
    page.goto("/desk/console/")
    page.locator("h1").click()
    page.keyboard.press("?")
    page.wait_for_selector("#shortcuts.show")
    assert "键盘快捷键" in page.inner_text("#shortcuts")


def test_slash_focuses_the_search_box(page, login, world):
    login("w_agent")
    page.wait_for_selector("#current-user")
    page.goto("/desk/console/")
    # The navigation's search box (issue 12, search) may not be on this page yet: add one.
    page.evaluate(
        "document.querySelector('nav').insertAdjacentHTML('beforeend', "
        '\'<input id="nav-search" type="search">\')'
    )
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "nav-search"
    # Typing in a field is not a shortcut.
    page.focus("#id_title")
    page.keyboard.type("a/b")
    assert page.input_value("#id_title") == "a/b"
