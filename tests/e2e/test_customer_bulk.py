"""The customer list's bulk bar in a real browser, at phone width: tick all on the page with the
header box, choose a field and get its own value input (htmx), confirm, see the result."""

from crm.models import Customer
from tests.crm.customers import customer, define

PHONE = {"width": 390, "height": 844}


def test_tick_all_set_a_field_confirm_and_see_the_result(page, log_in, manager_a, tenant_a):
    tier = define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold", "Silver"])
    for name in ("Ann", "Bob", "Cy"):
        customer(tenant_a, name)
    log_in(manager_a)
    page.set_viewport_size(PHONE)
    page.goto("/customers/")
    bar = page.locator("#customer-bulk").bounding_box()
    assert bar["x"] >= 0 and bar["x"] + bar["width"] <= PHONE["width"]

    page.get_by_label("Tick all customers on this page").check()
    assert page.locator('input[name="customer_ids"]:checked').count() == 3
    page.locator("#bulk_action").select_option("set_field")
    page.get_by_label("Field to set").select_option("tier")
    page.locator('#bulk-value select[name="value"]').select_option("Gold")  # swapped in by htmx
    page.get_by_role("button", name="Continue…").click()

    page.get_by_role("heading", name="Set Membership tier to Gold on 3 customers?").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Yes, change 3 customers").click()
    page.get_by_text("Set Membership tier to Gold on 3 customers.").wait_for()
    column = tier.mapped_field_name
    assert set(Customer.objects.values_list(column, flat=True)) == {"Gold"}
