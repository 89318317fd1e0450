"""Segments in a real browser (issue 14's "Must show"): build a segment in the builder and see
its live count, save it and see its count once rebuilt, use it as a campaign audience (the
same count), then open its tab on the customer list and bulk-tag its members, and see the tag
on them. At phone width, under the pages' Content-Security-Policy."""

from playwright.sync_api import expect

from campaigns.services.campaigns import campaign_create
from crm.models import Customer, Segment
from tenancy.actors import OPERATOR
from tests.crm.customers import customer
from tests.e2e.navigation import open_nav_link

PHONE = {"width": 390, "height": 844}


def test_build_a_segment_use_it_as_an_audience_and_bulk_tag_its_members(
    page, log_in, manager_a, tenant_a, tenant_b
):
    for name in ("Ada", "Ben"):
        customer(tenant_a, name, tags=["vip"])
    for name in ("Cy", "Dee"):
        customer(tenant_a, name)
    customer(tenant_b, "Zed", tags=["vip"])
    campaign = campaign_create(by=OPERATOR, tenant=tenant_a, data={"name": "Spring"})
    log_in(manager_a)
    page.set_viewport_size(PHONE)

    # Build: the live count follows the rule; the operator list fits the field. (At phone
    # width the navigation is behind "Menu".)
    open_nav_link(page, "Segments")
    page.get_by_role("link", name="New segment").click()
    page.get_by_label("Name").fill("VIP")
    expect(page.locator("#audience-count")).to_contain_text("4 customers match")
    row = page.locator("tr.rule-row").first
    row.get_by_label("Field").select_option("tags")
    operators = row.get_by_label("Operator").locator("option").all_inner_texts()
    assert "has tag" in operators and "is not" not in operators
    row.get_by_label("Operator").select_option("has")
    row.get_by_label("Value").fill("vip")
    expect(page.locator("#audience-count")).to_contain_text("2 customers match")
    expect(page.locator("#audience-count")).to_contain_text("Ada")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Create segment").click()

    # Saved: rebuilt in the background, its page shows the count once it is up to date.
    status = page.locator("#segment-status")
    expect(status).to_contain_text("Up to date")
    expect(status).to_contain_text("2 customers")
    segment = Segment.objects.get(tenant=tenant_a, name="VIP")
    assert segment.memberships.count() == 2

    # The campaign's audience: "Segment" → "is in segment" → VIP, the same count.
    page.goto(f"/campaigns/{campaign.pk}/edit/audience/")
    expect(page.locator("#audience-count")).to_contain_text("4 customers match")
    row = page.locator("tr.rule-row").first
    row.get_by_label("Field").select_option("segment")
    expect(row.get_by_label("Operator")).to_have_value("in")
    segments = row.get_by_label("Segment", exact=True)
    assert segments.locator("option").all_inner_texts() == ["Choose a segment", "VIP"]
    segments.select_option(label="VIP")
    expect(page.locator("#audience-count")).to_contain_text("2 customers match")
    page.get_by_role("button", name="Save audience").click()
    expect(page.locator(".messages")).to_contain_text("Audience saved.")
    campaign.refresh_from_db()
    assert campaign.audience == {"all": [{"segment": segment.pk}]}

    # The customer list: the segment's tab, then bulk-tag all matching it.
    open_nav_link(page, "Customers")
    tab = page.locator(".segment-tabs label", has_text="VIP")
    expect(tab).to_contain_text("2")
    tab.click()
    expect(page.locator("#customer-results .count")).to_contain_text("2 customers")
    assert f"segment={segment.pk}" in page.url
    page.get_by_label("All 2 matching this filter").check()
    page.locator("#bulk_action").select_option("add_tags")
    page.locator("#bulk_tags").fill("gold")
    page.get_by_role("button", name="Continue…").click()
    page.get_by_role("heading", name="Add tag gold to 2 customers?").wait_for()
    page.get_by_role("button", name="Yes, change 2 customers").click()
    expect(page.locator(".messages")).to_contain_text("Added tag gold to 2 customers.")
    results = page.locator("#customer-results")
    expect(results.locator("tbody tr")).to_have_count(2)
    for name in ("Ada", "Ben"):
        expect(results.locator("tr", has_text=name)).to_contain_text("gold")
    gold = Customer.objects.filter(tenant=tenant_a, tags__name="gold")
    assert sorted(gold.values_list("first_name", flat=True)) == ["Ada", "Ben"]
