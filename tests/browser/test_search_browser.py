"""Finding incidents in a real browser: the navigation's box opens an incident by its
number (full and short), lists the matches of a two-character Chinese word, and a saved view
of the all-incidents list brings its filters back."""

import re

import pytest

from incidents.services import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def search_for(page, text):
    page.fill("#nav-search", text)
    page.press("#nav-search", "Enter")
    page.wait_for_load_state()


def test_search_by_number_and_by_a_two_character_word(page, login, world):
    network = world.incident(title="三楼网络中断", contact=Contact(name="王芳"))
    printer = world.incident(title="打印机卡纸", description="二楼打印室")
    login("w_agent")
    page.wait_for_selector("#current-user")

    # The full number, from any page, opens the incident.
    search_for(page, network.number)
    page.wait_for_url(f"**/incidents/{network.number}/")
    # So does the short form.
    search_for(page, str(int(printer.number.rsplit("-", 1)[1])))
    page.wait_for_url(f"**/incidents/{printer.number}/")

    # Two Chinese characters list the incidents that contain them.
    search_for(page, "网络")
    page.wait_for_url(re.compile(r"/incidents/search/\?q="))
    rows = page.locator("#search-table tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-incident") == network.number
    assert page.locator("#nav-search").input_value() == "网络"
    search_for(page, "打印")
    assert page.locator("#search-table tbody tr").first.get_attribute("data-incident") == (
        printer.number
    )
    # The caller's name finds it too.
    search_for(page, "王芳")
    assert page.locator(f'#search-table tr[data-incident="{network.number}"]').is_visible()


def test_a_saved_view_brings_its_filters_back(page, login, world):
    urgent = world.incident(title="核心交换机宕机", impact=1, urgency=1)
    world.incident(title="鼠标失灵", impact=3, urgency=3)
    login("w_im")
    page.wait_for_selector("#current-user")
    page.goto("/incidents/all/")
    assert page.locator("#all-table tbody tr").count() == 2

    page.select_option("#id_priority", ["P1"])
    page.click("#all-filters button[type=submit]")
    page.wait_for_url(re.compile(r"priority=P1"))
    assert page.locator("#all-table tbody tr").count() == 1

    page.fill("#view-name", "紧急事件")
    page.check("#view-shared")
    page.click("#view-save-form button[type=submit]")
    page.wait_for_selector('[data-saved-view="紧急事件"]')

    # Back to everything, then the view again.
    page.click('[data-view="all"]')
    page.wait_for_url("**/incidents/all/")
    assert page.locator("#all-table tbody tr").count() == 2
    page.click('[data-saved-view="紧急事件"] a')
    page.wait_for_url(re.compile(r"priority=P1"))
    assert page.locator("#all-table tbody tr").count() == 1
    assert page.locator("#all-table tbody tr").first.get_attribute("data-incident") == (
        urgent.number
    )
    assert page.locator("#id_priority option:checked").all_inner_texts() == ["P1 紧急"]

    # Shared: the desk manager sees it too.
    page.context.clear_cookies()
    login("w_deskmgr")
    page.wait_for_selector("#current-user")
    page.goto("/incidents/all/")
    assert page.locator('[data-saved-view="紧急事件"]').is_visible()
