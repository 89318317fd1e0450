"""The form builder's live preview: it is the customer form, and renders a new or edited field
(or says why it leaves one out) without saving anything."""

from django.urls import reverse

from customfields.models import FieldDefinition
from tests.customfields.builder import define, field_data, keys, list_url


def test_the_preview_is_the_customer_form(login, admin_a, tenant_a, tier):
    define(tenant_a, "code", "Card code", placeholder="AB-1234", help_text="On the back")
    preview = login(admin_a).get(list_url()).context["preview"]
    assert type(preview).__name__ == "CustomerForm"
    assert list(preview.fields)[-2:] == ["cf_tier", "cf_code"]
    assert preview.fields["cf_code"].help_text == "On the back"


def test_the_preview_shows_a_new_field_without_saving_it(login, admin_a, tenant_a, tier):
    response = login(admin_a).post(
        reverse("customfields:field-preview"),
        field_data(
            field_label="Membership level",
            field_key="level",
            field_type="select",
            select_options="Bronze\nGold",
            is_required="on",
        ),
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    assert "<html" not in content
    assert "Membership level" in content and '<option value="Bronze">' in content
    assert 'name="cf_level" required' in content
    assert [f.name for f in response.context["preview"].custom_fields()] == ["cf_tier", "cf_level"]
    assert keys(tenant_a) == ["tier"]


def test_the_preview_shows_an_edited_field_without_saving_it(login, admin_a, tenant_a, tier):
    client = login(admin_a)
    url = reverse("customfields:field-preview", args=["tier"])
    edited = client.post(url, field_data(field_label="Level", select_options="Gold\nPlatinum"))
    content = edited.content.decode()
    assert "Level" in content and "Platinum" in content and "Membership tier" not in content
    hidden = client.post(url, {"field_label": "Level", "select_options": "Gold"})  # not active
    assert 'name="cf_tier"' not in hidden.content.decode()
    tier.refresh_from_db()
    assert (tier.field_label, tier.select_options, tier.is_active) == (
        "Membership tier",
        ["Gold", "Silver"],
        True,
    )


def test_the_preview_says_why_a_field_is_left_out(login, admin_a, tenant_a):
    response = login(admin_a).post(
        reverse("customfields:field-preview"), field_data(field_label="Tier", field_key="No Good")
    )
    content = response.content.decode()
    assert "The preview leaves this field out until:" in content
    assert "Key: Use lower-case letters" in content
    assert not FieldDefinition.objects.exists()
