"""The form builder's list, create and edit pages: they write through the definition services,
show each error with nothing written, and keep a field's type and key fixed once created."""

import pytest
from django.urls import reverse

from customfields.models import FieldDefinition
from tests.customfields.builder import define, field_data, keys, list_url


def test_the_list_shows_order_type_storage_and_flags(login, admin_a, tenant_a):
    define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold"], is_required=True)
    define(tenant_a, "old", "Old field", is_active=False)
    for n in range(1, 6):
        define(tenant_a, f"site{n}", f"Site {n}", "url")
    define(tenant_a, "blog", "Blog", "url")
    response = login(admin_a).get(list_url())
    content = response.content.decode()
    assert [f.field_key for f in response.context["fields"]] == keys(tenant_a)
    assert "custom_select_1" in content and "custom_url_5" in content
    assert "JSON overflow" in content  # the sixth url field
    assert "Required" in content and "Inactive" in content and "Reactivate" in content


def test_create_a_select_field(login, admin_a, tenant_a):
    define(tenant_a, "first", "First")
    response = login(admin_a).post(
        reverse("customfields:field-create"),
        field_data(
            field_label="Membership tier",
            field_key="membership_tier",
            field_type="select",
            select_options="Bronze\n Silver \n\nGold",
            is_required="on",
            help_text="As on the card",
            min_length="3",  # a text rule: not sent for a select field
        ),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == list_url()
    assert (
        "Field “Membership tier” created, stored in custom_select_1." in response.content.decode()
    )
    tier = FieldDefinition.objects.get(tenant=tenant_a, field_key="membership_tier")
    assert tier.select_options == ["Bronze", "Silver", "Gold"]
    assert (tier.is_required, tier.help_text, tier.validation_rules) == (True, "As on the card", {})
    assert keys(tenant_a) == ["first", "membership_tier"]  # a new field goes last


def test_create_with_rules_of_each_type(login, admin_a, tenant_a):
    client = login(admin_a)
    cases = [
        (
            "code",
            "text",
            {"max_length": "8", "pattern": "[A-Z]+"},
            {"max_length": 8, "pattern": "[A-Z]+"},
        ),
        ("points", "number", {"number_min": "0", "number_max": "99.5"}, {"min": 0, "max": 99.5}),
        ("since", "date", {"date_min": "2020-01-01"}, {"min": "2020-01-01"}),
    ]
    for key, kind, inputs, rules in cases:
        client.post(
            reverse("customfields:field-create"),
            field_data(field_label=key.title(), field_key=key, field_type=kind, **inputs),
        )
        assert FieldDefinition.objects.get(field_key=key).validation_rules == rules, key


@pytest.mark.parametrize(
    "data, field, message",
    [
        (
            {"field_key": "tier", "field_type": "select"},
            "select_options",
            "A select field needs a list of non-empty options.",
        ),
        ({"field_key": "Bad Key"}, "field_key", "Use lower-case letters"),
        ({"field_key": "taken"}, None, "A field with this key already exists."),
        ({"field_key": "code", "pattern": "(["}, None, "'pattern' is not a valid regular"),
    ],
)
def test_create_with_an_error_shows_it_and_writes_nothing(
    login, admin_a, tenant_a, data, field, message
):
    define(tenant_a, "taken", "Taken")
    response = login(admin_a).post(
        reverse("customfields:field-create"), field_data(field_label="Field", **data)
    )
    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors.get(field) if field else form.non_field_errors()
    assert any(message in error for error in errors), form.errors
    assert "nothing was saved" in response.content.decode()
    assert keys(tenant_a) == ["taken"]


def test_edit_a_field_whose_type_and_key_are_fixed(login, admin_a, tenant_a, tier):
    client = login(admin_a)
    page = client.get(reverse("customfields:field-edit", args=["tier"]))
    form = page.context["form"]
    assert form.fields["field_type"].disabled and form.fields["field_key"].disabled
    content = page.content.decode()
    assert "its stored values are select (dropdown) values" in content
    assert "address the field by its key" in content
    assert "Gold\nSilver" in content
    response = client.post(
        reverse("customfields:field-edit", args=["tier"]),
        field_data(
            field_label="Tier",
            field_key="hacked",
            field_type="number",
            select_options="Gold\nSilver\nPlatinum",
            placeholder="Pick one",
        ),
    )
    assert response.status_code == 302
    tier.refresh_from_db()
    assert (tier.field_label, tier.field_key, tier.field_type) == ("Tier", "tier", "select")
    assert tier.select_options == ["Gold", "Silver", "Platinum"]
    assert tier.placeholder == "Pick one"


def test_edit_with_an_error_keeps_the_saved_field(login, admin_a, tenant_a, tier):
    response = login(admin_a).post(
        reverse("customfields:field-edit", args=["tier"]),
        field_data(field_label="Tier", select_options="Gold\ngold"),
    )
    assert response.context["form"].errors["select_options"] == [
        "Options must be different from each other."
    ]
    tier.refresh_from_db()
    assert (tier.field_label, tier.select_options) == ("Membership tier", ["Gold", "Silver"])


def test_a_new_fields_key_is_made_from_its_label_when_left_empty(login, admin_a, tenant_a):
    define(tenant_a, "loyalty_points", "Old points")
    client = login(admin_a)
    for label in ("Loyalty points", "Café visits (2024)", "2nd phone"):
        response = client.post(
            reverse("customfields:field-create"),
            field_data(field_label=label, field_key="", field_type="text"),
            follow=True,
        )
        assert response.redirect_chain[-1][0] == list_url(), response.content.decode()
    assert keys(tenant_a) == [
        "loyalty_points",
        "loyalty_points_2",
        "cafe_visits_2024",
        "field_2nd_phone",
    ]


def test_a_label_without_latin_letters_asks_for_a_key(login, admin_a, tenant_a):
    response = login(admin_a).post(
        reverse("customfields:field-create"),
        field_data(field_label="Дата визита", field_key="", field_type="date"),
    )
    assert response.status_code == 200
    assert "the label has no Latin letters" in response.content.decode()
    assert keys(tenant_a) == []
    # With a key given, the same label is fine.
    client = login(admin_a)
    client.post(
        reverse("customfields:field-create"),
        field_data(field_label="Дата визита", field_key="visit_date", field_type="date"),
    )
    assert keys(tenant_a) == ["visit_date"]
