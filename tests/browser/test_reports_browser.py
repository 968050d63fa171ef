"""A director reads the overview in a real browser, changes the period and drills down to
the incidents behind a figure."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_director_changes_the_period_and_drills_down(page, login, world):
    world.closed()
    world.resolved()
    world.incident()
    login("w_director")
    page.wait_for_selector("#current-user")
    page.click('[data-nav="dashboards"]')
    page.wait_for_selector("#report-tiles")
    volume = page.locator('[data-tile="volume"] [data-value]')
    assert volume.inner_text().strip() == "3"
    assert page.locator("#report-trends svg").count() == 3

    # A year before there was nothing: the page says so, and the period stays in the URL.
    page.select_option("#id_period", "custom")
    page.fill("#id_from", "2020-01-01")
    page.fill("#id_to", "2020-12-31")
    page.click("#report-filters button[type=submit]")
    page.wait_for_selector("#report-empty")
    assert "from=2020-01-01" in page.url
    assert volume.inner_text().strip() == "0"

    # Back to this month, and down to the incidents behind the volume.
    page.select_option("#id_period", "month")
    page.fill("#id_from", "")
    page.fill("#id_to", "")
    page.click("#report-filters button[type=submit]")
    page.wait_for_selector('[data-tile="volume"]')
    page.click('[data-tile="volume"]')
    page.wait_for_selector("#drilldown-table")
    assert page.locator("#drilldown-table tbody tr").count() == 3
    assert world.network.name_zh in page.locator("#drilldown-table").inner_text()
    page.click("#report-back")
    page.wait_for_selector("#report-tiles")
