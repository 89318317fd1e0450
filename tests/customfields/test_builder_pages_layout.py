"""The form builder's layout actions: deactivate (values kept), delete (values cleared, the slot
freed), reorder and move, and applying an industry template."""

from django.urls import reverse

from crm.models import Customer
from crm.services.customers import customer_create
from customfields.models import FieldDefinition, FieldHistory
from tenancy.actors import OPERATOR
from tests.customfields.builder import define, field_data, keys, list_url


def test_deactivate_hides_the_field_and_keeps_its_values(login, admin_a, tenant_a, tier):
    ada = customer_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Ada"}, custom_fields={"tier": "Gold"}
    )
    client = login(admin_a)
    profile = reverse("crm:customer-detail", args=[ada.pk]) + "?tab=custom"
    response = client.post(
        reverse("customfields:field-active", args=["tier"]), {"active": "0"}, follow=True
    )
    assert "deactivated: hidden, its values are kept" in response.content.decode()
    assert "Membership tier" not in client.get(profile).content.decode()
    assert 'name="cf_tier"' not in client.get(reverse("crm:customer-create")).content.decode()
    client.post(reverse("customfields:field-active", args=["tier"]), {"active": "1"})
    assert "Gold" in client.get(profile).content.decode()


def test_delete_asks_first_then_clears_the_values(login, admin_a, tenant_a):
    nickname = define(tenant_a, "nickname", "Nickname")
    ada = customer_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "Ada"},
        custom_fields={"nickname": "Countess"},
    )
    client = login(admin_a)
    confirm = client.get(reverse("customfields:field-delete", args=["nickname"])).content.decode()
    assert "clears its value for every customer" in confirm and "custom_text_1" in confirm
    response = client.post(reverse("customfields:field-delete", args=["nickname"]), follow=True)
    assert "Field “Nickname” deleted and its values cleared." in response.content.decode()
    assert not FieldDefinition.objects.filter(pk=nickname.pk).exists()
    assert Customer.objects.get(pk=ada.pk).custom_text_1 is None
    # A new field takes the freed slot and shows no old value on the profile.
    client.post(
        reverse("customfields:field-create"), field_data(field_label="Alias", field_key="alias")
    )
    alias = FieldDefinition.objects.get(field_key="alias")
    assert alias.mapped_field_name == "custom_text_1"
    profile = client.get(reverse("crm:customer-detail", args=[ada.pk]), {"tab": "custom"})
    assert [(i["definition"].field_key, i["value"]) for i in profile.context["custom_values"]] == [
        ("alias", None)
    ]
    assert "Countess" not in profile.content.decode()
    assert FieldHistory.objects.filter(customer=ada, field_key="nickname").exists()


def test_reorder_with_the_keys_in_their_new_order(login, admin_a, tenant_a):
    for key in ("one", "two", "three"):
        define(tenant_a, key, key.title())
    response = login(admin_a).post(
        reverse("customfields:field-reorder"), {"keys": ["three", "one", "two"]}, follow=True
    )
    assert "Field order saved." in response.content.decode()
    assert keys(tenant_a) == ["three", "one", "two"]
    preview = response.context["preview"]
    assert [f.name for f in preview.custom_fields()] == ["cf_three", "cf_one", "cf_two"]


def test_reorder_must_list_every_field(login, admin_a, tenant_a):
    for key in ("one", "two"):
        define(tenant_a, key, key.title())
    response = login(admin_a).post(
        reverse("customfields:field-reorder"), {"keys": ["two"]}, follow=True
    )
    assert "missing fields: one" in response.content.decode()
    assert keys(tenant_a) == ["one", "two"]


def test_move_up_and_down_without_javascript(login, admin_a, tenant_a):
    for key in ("one", "two", "three"):
        define(tenant_a, key, key.title())
    client = login(admin_a)
    client.post(reverse("customfields:field-move", args=["three"]), {"direction": "up"})
    assert keys(tenant_a) == ["one", "three", "two"]
    client.post(reverse("customfields:field-move", args=["one"]), {"direction": "down"})
    assert keys(tenant_a) == ["three", "one", "two"]
    client.post(reverse("customfields:field-move", args=["three"]), {"direction": "up"})
    assert keys(tenant_a) == ["three", "one", "two"]  # already first


def test_apply_an_industry_template_reports_created_and_skipped(login, admin_a, tenant_a):
    define(tenant_a, "birth_date", "Birthday", "date")
    client = login(admin_a)
    page = client.get(list_url()).content.decode()
    assert page.count("<option value=") >= 20 and 'value="healthcare"' in page
    first = client.post(reverse("customfields:apply-template"), {"industry": "retail"}, follow=True)
    content = first.content.decode()
    assert "Retail template: created 4 field(s) (loyalty_points, favorite_category, " in content
    assert "skipped 1 that already existed (birth_date)." in content
    again = client.post(reverse("customfields:apply-template"), {"industry": "retail"}, follow=True)
    assert "created 0 field(s); skipped 5 that already existed" in again.content.decode()
    assert len(keys(tenant_a)) == 5


def test_an_unknown_industry_is_refused(login, admin_a, tenant_a):
    response = login(admin_a).post(
        reverse("customfields:apply-template"), {"industry": "piracy"}, follow=True
    )
    assert "Select a valid choice" in response.content.decode()
    assert keys(tenant_a) == []
