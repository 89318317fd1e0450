"""Merging two duplicates in a real browser, at phone width: the duplicates list, "Compare and
merge", pick the duplicate's value for one field, confirm, and see the merged customer with
that value and the timeline's merge entry."""

from crm.models import Customer
from crm.services.customers import customer_create
from tenancy.actors import OPERATOR
from tests.crm.customers import define

PHONE = {"width": 390, "height": 844}


def person(tenant, first, **data):
    custom = data.pop("custom", {})
    return customer_create(
        tenant=tenant,
        by=OPERATOR,
        data={"first_name": first, "last_name": "Lee", **data},
        custom_fields=custom,
    )


def test_duplicates_list_compare_pick_confirm(page, log_in, manager_a, tenant_a):
    define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold", "Silver"])
    keep = person(tenant_a, "Ann", email="ann@x.example", custom={"tier": "Gold"})
    dup = person(tenant_a, "Anne", email="ANN@x.example", custom={"tier": "Silver"})
    log_in(manager_a)
    page.set_viewport_size(PHONE)
    page.goto("/customers/duplicates/")
    page.get_by_role("cell", name="Same email").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("link", name="Compare and merge").click()

    page.get_by_role("heading", name=f"Merge into Ann Lee (#{keep.pk})").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    row = page.locator("table.merge-compare tr", has_text="Membership tier")
    row.get_by_label("Silver").check()
    page.get_by_role("button", name="Merge…").click()

    page.get_by_role(
        "heading", name="Merge 1 customer into Ann Lee? This cannot be undone."
    ).wait_for()
    page.get_by_role("button", name="Yes, merge 1 customer").click()
    page.get_by_text(f"Merged Anne Lee (#{dup.pk}) into Ann Lee.").wait_for()
    assert not Customer.objects.filter(pk=dup.pk).exists()

    page.get_by_role("link", name="Custom fields").click()
    page.locator("#customer-tabs").get_by_text("Silver").wait_for()
    page.get_by_role("link", name="Activity").click()
    page.get_by_text(f"Merged Anne Lee (#{dup.pk}) into this customer").wait_for()
