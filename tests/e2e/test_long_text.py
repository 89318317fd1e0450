"""A 10,000-character note (the longest allowed) in a real browser: it folds to a few lines
with "Show more", so the lead page stays the height of a page, and unfolds on demand."""

import pytest
from playwright.sync_api import expect

from crm.services.notes import note_create
from tests.factories import LeadFactory

pytestmark = pytest.mark.browser

LONG = ("A very long note about the customer's call. " * 250)[:10000]  # the longest allowed


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def test_a_long_note_folds_with_show_more(page, log_in, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a, first_name="Ada", notes=LONG)
    note_create(tenant=tenant_a, by=manager_a, data={"lead": lead, "note": LONG})
    log_in(manager_a)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/leads/{lead.pk}/")
    toggles = page.get_by_role("button", name="Show more")
    expect(toggles).to_have_count(2)  # the lead's notes field and the note in the panel
    folded = page_height(page)
    assert folded < 6000, folded  # the note alone would make it thousands of px at 390 px

    toggles.first.click()
    expect(page.get_by_role("button", name="Show less")).to_have_count(1)
    assert page_height(page) > folded + 3000
    page.get_by_role("button", name="Show less").click()
    expect(page.get_by_role("button", name="Show more")).to_have_count(2)
