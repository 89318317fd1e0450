"""The customer pages and the form builder in a real browser: a tenant admin builds a field with
the live preview, drags it into place, fills it on a customer and filters the list by it."""

import re

import pytest
from playwright.sync_api import expect

from crm.models import Customer
from crm.services.customers import customer_create
from customfields.models import FieldDefinition
from customfields.services.definitions import definition_create
from tenancy.actors import OPERATOR

pytestmark = pytest.mark.browser


def field_keys(tenant) -> list[str]:
    return list(FieldDefinition.objects.for_tenant(tenant).values_list("field_key", flat=True))


def test_build_a_field_reorder_it_fill_it_and_filter_by_it(page, log_in, admin_a, tenant_a):
    definition_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "field_key": "loyalty_points",
            "field_label": "Loyalty points",
            "field_type": "number",
        },
    )
    for first, last in (("Ada", "Lovelace"), ("Charles", "Babbage")):
        customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": first, "last_name": last})
    log_in(admin_a)

    # Build a select field; the live preview shows it before it is saved.
    page.get_by_role("link", name="Form builder").click()
    page.get_by_role("link", name="New field").click()
    page.get_by_label("Label", exact=True).fill("Membership tier")
    page.get_by_label("Key", exact=True).fill("membership_tier")
    page.get_by_label("Type", exact=True).select_option(label="Select (dropdown)")
    page.get_by_label("Options", exact=True).fill("Bronze\nSilver\nGold")
    preview_tier = page.locator("#preview").get_by_label("Membership tier")
    expect(preview_tier.locator("option")).to_have_text(["—", "Bronze", "Silver", "Gold"])
    assert field_keys(tenant_a) == ["loyalty_points"]
    page.get_by_role("button", name="Create field").click()
    expect(page.locator(".messages")).to_contain_text(
        "Field “Membership tier” created, stored in custom_select_1."
    )

    # Drag it above the first field: the order is saved and the preview follows, without a
    # page load (a marker on the window survives an htmx swap only).
    rows = page.locator("tr[data-field-key]")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("Membership tier")
    page.evaluate("window.notReloaded = true")
    rows.nth(1).drag_to(rows.nth(0), target_position={"x": 40, "y": 4})
    expect(page.locator(".messages")).to_contain_text("Field order saved.")
    expect(rows.nth(0)).to_contain_text("Membership tier")
    expect(page.locator("#preview .custom-section label")).to_have_text(
        ["Membership tier", "Loyalty points"]
    )
    assert page.evaluate("window.notReloaded") is True
    assert field_keys(tenant_a) == ["membership_tier", "loyalty_points"]

    # Fill it on a customer through the edit form.
    page.get_by_role("link", name="Customers", exact=True).click()
    page.get_by_role("link", name="Ada Lovelace").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Membership tier").select_option("Gold")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Customer saved.")
    page.get_by_role("link", name="Custom fields").click()
    expect(page).to_have_url(re.compile(r"tab=custom"))
    expect(page.locator(".custom-values")).to_contain_text("Membership tier")
    expect(page.locator(".custom-values")).to_contain_text("Gold")
    ada = Customer.objects.get(first_name="Ada")
    assert ada.custom_select_1 == "Gold"

    # Filter the list by it: only that customer is left.
    page.get_by_role("link", name="Customers", exact=True).click()
    customers = page.locator("table.customers tbody tr")
    expect(customers).to_have_count(2)
    page.locator("#customer-filters details.filter-fold summary").click()  # "Filters"
    page.locator("#customer-filters").get_by_label("Membership tier").select_option("Gold")
    expect(page).to_have_url(re.compile(r"cf_membership_tier=Gold"))
    expect(page.locator("#customer-filters summary")).to_contain_text("Membership tier: Gold")
    expect(customers).to_have_count(1)
    expect(customers.first).to_contain_text("Ada Lovelace")
    expect(page.locator(".count")).to_have_text("1 customer")


def test_reorder_without_dragging_and_deactivate(page, log_in, admin_a, tenant_a):
    for key, label in (("one", "First field"), ("two", "Second field")):
        definition_create(
            tenant=tenant_a,
            by=OPERATOR,
            data={"field_key": key, "field_label": label, "field_type": "text"},
        )
    log_in(admin_a)
    page.goto("/settings/fields/")
    page.get_by_role("button", name="Move Second field up").click()
    rows = page.locator("tr[data-field-key]")
    expect(rows.first).to_contain_text("Second field")
    page.get_by_role("button", name="Deactivate First field").click()
    expect(page.locator(".messages")).to_contain_text("deactivated")
    expect(page.locator("#preview .custom-section label")).to_have_text(["Second field"])
    assert field_keys(tenant_a) == ["two", "one"]
    assert not FieldDefinition.objects.get(field_key="one").is_active
