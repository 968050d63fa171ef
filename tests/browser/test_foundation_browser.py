"""Sign in, see one's own places, switch language — in a real browser."""

import pytest

from itsm.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bad_password_shows_a_message_and_stays_on_login(page, login, make_user):
    make_user(Role.AGENT, username="agent_b")
    login("agent_b", "wrong")
    assert page.locator("#login-error").is_visible()
    assert "/accounts/login/" in page.url


def test_agent_signs_in_sees_own_places_and_switches_language(page, login, make_user):
    make_user(Role.AGENT, username="agent_b", first_name="芳", last_name="王")
    login("agent_b")
    page.wait_for_selector("#current-user")
    places = page.locator("#nav-places [data-nav]").evaluate_all(
        "els => els.map(e => e.dataset.nav)"
    )
    assert "home" in places
    assert "directory" in places
    assert "admin" not in places
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("button", name="退出").is_visible()

    page.select_option("#language-select", "en")
    page.wait_for_selector("html[lang=en]")
    assert page.get_by_role("button", name="Sign out").is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")
    page.goto("/sections/")
    assert "/accounts/login/" in page.url
