"""Creating and editing a customer with the tenant's fields, and converting a lead: the forms
show every error with nothing written, and write only through the services."""

from decimal import Decimal

from django.urls import reverse

from crm.models import Customer
from customfields.models import FieldHistory
from tests.crm.customers import customer, define, edit_data, new_customer
from tests.factories import LeadFactory

# ---------------------------------------------------------------------------------------------
# Create and edit


def test_the_form_offers_the_tenants_fields_with_labels_help_and_placeholders(
    login, agent_a, tenant_a, tenant_b
):
    define(
        tenant_a,
        "tier",
        "Membership tier",
        "select",
        select_options=["Gold", "Silver"],
        is_required=True,
        help_text="As on the card",
    )
    define(tenant_a, "card", "Card number", "text", placeholder="e.g. AB-1234")
    define(tenant_a, "gone", "Gone field", "text", is_active=False)
    define(tenant_b, "zqxbeta_code", "Zqxbeta code", "text")
    content = login(agent_a).get(reverse("crm:customer-create")).content.decode()
    assert "Membership tier" in content and "As on the card" in content
    assert 'placeholder="e.g. AB-1234"' in content
    assert '<select name="cf_tier" required' in content
    assert "Gone field" not in content and "zqxbeta" not in content.lower()


def test_create_with_errors_shows_them_per_field_and_writes_nothing(
    login, agent_a, tenant_a, points
):
    define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold"], is_required=True)
    response = login(agent_a).post(
        reverse("crm:customer-create"),
        new_customer(first_name="Ada", email="not-an-email", phone="12", cf_points="-3"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["email"] == ["Enter a valid email address."]
    assert errors["cf_points"] == ["Loyalty points must be at least 0."]
    assert errors["cf_tier"] == ["This field is required."]
    assert "nothing was saved" in response.content.decode()
    assert not Customer.objects.exists() and not FieldHistory.objects.exists()


def test_a_service_error_on_a_core_field_lands_on_it(login, agent_a, tenant_a):
    response = login(agent_a).post(
        reverse("crm:customer-create"), new_customer(first_name="Ada", phone="call me")
    )
    assert response.context["form"].errors["phone"][0].startswith("Enter a phone number of 7")
    assert not Customer.objects.exists()


def test_create_calls_the_service_and_shows_the_customer(login, agent_a, tenant_a, tier, points):
    response = login(agent_a).post(
        reverse("crm:customer-create"),
        new_customer(
            first_name="Ada",
            last_name="Lovelace",
            email="ada@engines.example",
            tags="VIP, maths",
            cf_tier="Gold",
            cf_points="12.5",
        ),
        follow=True,
    )
    ada = Customer.objects.get(tenant=tenant_a)
    assert response.redirect_chain[-1][0] == reverse("crm:customer-detail", args=[ada.pk])
    assert "Customer created." in response.content.decode()
    assert ada.tag_names() == ["maths", "vip"] and ada.created_by == agent_a.user
    assert (ada.custom_select_1, ada.custom_number_1) == ("Gold", Decimal("12.50"))
    assert set(FieldHistory.objects.values_list("field_key", "reason")) == {
        ("tier", "created"),
        ("points", "created"),
    }


def test_edit_changes_values_and_records_only_what_changed(
    login, manager_a, tenant_a, tier, points
):
    ada = customer(tenant_a, "Ada", tier="Gold", points=10)
    client = login(manager_a)
    form = client.get(reverse("crm:customer-edit", args=[ada.pk])).context["form"]
    assert form["cf_tier"].value() == "Gold" and form["cf_points"].value() == Decimal("10.00")
    response = client.post(
        reverse("crm:customer-edit", args=[ada.pk]),
        edit_data(ada, company="Engines", cf_tier="Gold", cf_points="11"),
    )
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.company == "Engines" and ada.custom_number_1 == Decimal("11.00")
    changed = FieldHistory.objects.filter(reason="edited")
    assert {(h.field_key, h.old_value, h.new_value) for h in changed} == {
        ("points", "10.00", "11.00"),
        ("company", None, "Engines"),
    }


def test_edit_with_an_error_keeps_the_saved_customer(login, manager_a, tenant_a, tier, points):
    ada = customer(tenant_a, "Ada", tier="Gold", points=10)
    response = login(manager_a).post(
        reverse("crm:customer-edit", args=[ada.pk]),
        edit_data(ada, first_name="Changed", cf_tier="Gold", cf_points="1.234"),
    )
    assert response.context["form"].errors["cf_points"] == [
        "Loyalty points can have at most 2 decimal places."
    ]
    assert "Edit Ada" in response.content.decode()
    ada.refresh_from_db()
    assert ada.first_name == "Ada" and ada.custom_number_1 == Decimal("10.00")
    assert not FieldHistory.objects.exclude(reason="created").exists()


# ---------------------------------------------------------------------------------------------
# Converting a lead


def test_convert_a_lead_from_the_lead_page(login, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a, first_name="Ada", email="ada@x.example", company="Engines")
    client = login(manager_a)
    page = client.get(reverse("crm:lead-detail", args=[lead.pk])).content.decode()
    assert reverse("crm:lead-convert", args=[lead.pk]) in page and "Convert to customer" in page
    response = client.post(reverse("crm:lead-convert", args=[lead.pk]), follow=True)
    ada = Customer.objects.get(tenant=tenant_a)
    assert response.redirect_chain[-1][0] == reverse("crm:customer-detail", args=[ada.pk])
    assert "Ada" in response.content.decode() and "is now a customer" in response.content.decode()
    assert (ada.email, ada.company) == ("ada@x.example", "Engines")
    lead.refresh_from_db()
    assert lead.customer == ada
    page = client.get(reverse("crm:lead-detail", args=[lead.pk])).content.decode()
    assert "Convert to customer" not in page and ada.get_absolute_url() in page


def test_convert_asks_for_the_required_custom_values(login, manager_a, tenant_a):
    define(
        tenant_a, "nid", "National ID", "text", is_required=True, validation_rules={"max_length": 4}
    )
    define(tenant_a, "note", "Note", "text")
    lead = LeadFactory(tenant=tenant_a)
    client = login(manager_a)
    url = reverse("crm:lead-convert", args=[lead.pk])
    asked = client.post(url)
    assert asked.status_code == 200
    assert asked.context["form"].errors == {"cf_nid": ["This field is required."]}
    assert "National ID" in asked.content.decode() and "cf_note" not in asked.context["form"].fields
    too_long = client.post(url, {"cf_nid": "ABCDEF"})
    assert too_long.context["form"].errors == {
        "cf_nid": ["National ID must be at most 4 characters."]
    }
    assert not Customer.objects.exists()
    response = client.post(url, {"cf_nid": "A1"})
    customer_made = Customer.objects.get()
    assert response["Location"] == customer_made.get_absolute_url()
    assert customer_made.custom_text_1 == "A1"


def test_converting_twice_or_an_archived_lead_shows_the_reason(login, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    client = login(manager_a)
    client.post(reverse("crm:lead-convert", args=[lead.pk]))
    again = client.post(reverse("crm:lead-convert", args=[lead.pk]))
    assert "This lead is already a customer" in again.content.decode()
    archived = LeadFactory(tenant=tenant_a, archived_at="2026-01-01T00:00:00Z")
    refused = client.post(reverse("crm:lead-convert", args=[archived.pk]))
    assert "This lead is archived; restore it first." in refused.content.decode()
    assert Customer.objects.count() == 1


def test_an_agent_cannot_convert_another_agents_lead(login, agent_a, agent_a2, tenant_a):
    theirs = LeadFactory(tenant=tenant_a, assigned_to=agent_a2.user)
    assert login(agent_a).post(reverse("crm:lead-convert", args=[theirs.pk])).status_code == 404
    assert not Customer.objects.exists()
