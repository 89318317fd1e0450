"""The error pages in a real browser: the site's layout, readable on a phone (390 px wide)
without scrolling sideways, under the pages' Content-Security-Policy (the `page` fixture fails
on anything it blocks)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_the_404_page_fits_a_phone(page):
    """Signed out, as a visitor following a stale link sees it."""
    page.set_viewport_size(PHONE)
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator("header.topbar .brand")).to_be_visible()
    expect(page.get_by_role("link", name="Go to the leads")).to_be_visible()
    assert not scrolls_sideways(page)


def test_the_405_page_leads_back_to_a_page(page, log_in, manager_a):
    log_in(manager_a)
    response = page.goto("/leads/bulk-status/")
    assert response.status == 405
    expect(
        page.get_by_role("heading", name="This address only accepts form submissions")
    ).to_be_visible()
    page.get_by_role("link", name="Go back to the page").click()
    expect(page.get_by_role("heading", name="Leads")).to_be_visible()
