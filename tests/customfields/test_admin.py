"""The admin for custom fields: definitions with the options editor and the template action,
and customers with a form, columns and filters built from the tenant's fields."""

import pytest
from django.urls import reverse

from crm.models import Customer
from crm.services.customers import customer_create
from customfields.models import FieldDefinition
from customfields.services.definitions import definition_create
from tenancy.actors import OPERATOR


@pytest.fixture
def alpha(client, admin_a):
    client.force_login(admin_a.user)
    return client


@pytest.fixture
def tier(tenant_a):
    return definition_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "field_key": "tier",
            "field_label": "Membership tier",
            "field_type": "select",
            "select_options": ["Gold", "Silver"],
            "is_required": True,
            "help_text": "As on the card",
        },
    )


def test_definition_admin_edits_options_one_per_line(alpha, tenant_a):
    response = alpha.post(
        reverse("admin:customfields_fielddefinition_add"),
        {
            "field_key": "size",
            "field_label": "Shoe size",
            "field_type": "select",
            "select_options": "38\n 39 \n\n40",
            "order": 0,
            "validation_rules": "{}",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    size = FieldDefinition.objects.get(tenant=tenant_a, field_key="size")
    assert size.select_options == ["38", "39", "40"] and size.mapped_field_name == "custom_select_1"
    page = alpha.get(reverse("admin:customfields_fielddefinition_change", args=[size.pk]))
    assert "38\n39\n40" in page.content.decode()


def test_definition_admin_shows_service_errors(alpha):
    response = alpha.post(
        reverse("admin:customfields_fielddefinition_add"),
        {
            "field_key": "x",
            "field_label": "X",
            "field_type": "select",
            "order": 0,
            "validation_rules": "{}",
            "select_options": "",
        },
    )
    assert response.status_code == 200
    assert "select_options" in response.context["adminform"].form.errors
    assert not FieldDefinition.objects.exists()


def test_apply_template_from_the_admin(alpha, tenant_a):
    url = reverse("admin:customfields_fielddefinition_apply_template")
    assert alpha.get(url).status_code == 200
    response = alpha.post(url, {"industry": "fitness"}, follow=True)
    assert "Created 5 field(s)" in response.content.decode()
    response = alpha.post(url, {"industry": "fitness"}, follow=True)
    assert "Created 0 field(s)" in response.content.decode()
    assert FieldDefinition.objects.filter(tenant=tenant_a).count() == 5


def test_customer_form_is_built_from_the_tenants_fields(alpha, tier, tenant_a):
    page = alpha.get(reverse("admin:crm_customer_add")).content.decode()
    assert "Membership tier" in page and "As on the card" in page
    missing = alpha.post(
        reverse("admin:crm_customer_add"),
        {
            "first_name": "Ann",
            "total_interactions": 0,
            "total_purchases": 0,
            "total_spent": "0",
            "crm_score": 0,
        },
    )
    assert missing.status_code == 200
    assert "cf_tier" in missing.context["adminform"].form.errors
    assert not Customer.objects.exists()
    ok = alpha.post(
        reverse("admin:crm_customer_add"),
        {
            "first_name": "Ann",
            "total_interactions": 0,
            "total_purchases": 0,
            "total_spent": "0",
            "crm_score": 0,
            "cf_tier": "Gold",
            "tags": "vip",
        },
    )
    assert ok.status_code == 302, ok.context["adminform"].form.errors
    customer = Customer.objects.get()
    assert customer.custom_select_1 == "Gold" and customer.tag_names() == ["vip"]
    assert customer.field_history.get().reason == "created"


def test_customer_list_has_columns_and_filters_for_select_fields(alpha, tier, tenant_a):
    customer_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Goldie"}, custom_fields={"tier": "Gold"}
    )
    customer_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "Silvia"},
        custom_fields={"tier": "Silver"},
    )
    page = alpha.get(reverse("admin:crm_customer_changelist")).content.decode()
    assert "Membership tier" in page and "column-cf_tier" in page
    filtered = alpha.get(reverse("admin:crm_customer_changelist"), {"cf_tier": "Silver"})
    names = [c.first_name for c in filtered.context["cl"].result_list]
    assert names == ["Silvia"]


def test_customer_admin_edit_keeps_values_and_records_changes(alpha, tier, tenant_a):
    customer = customer_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Ann"}, custom_fields={"tier": "Gold"}
    )
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    assert 'value="Gold" selected' in alpha.get(url).content.decode()
    response = alpha.post(
        url,
        {
            "first_name": "Ann",
            "total_interactions": 0,
            "total_purchases": 0,
            "total_spent": "0",
            "crm_score": 0,
            "cf_tier": "Silver",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.custom_select_1 == "Silver"
    assert customer.field_history.first().reason == "edited in the admin"
