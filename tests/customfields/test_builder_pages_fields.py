"""The form builder pages: only the tenant's admins reach them, another tenant's field is a 404,
writes go through the definition services, and the preview renders the customer form without
saving."""

import pytest
from django.urls import reverse

from crm.models import Customer
from crm.services.customers import customer_create
from customfields.models import FieldDefinition, FieldHistory
from customfields.services.definitions import definition_create
from tenancy.actors import OPERATOR


@pytest.fixture
def login(client):
    def log_in(membership):
        client.force_login(membership.user)
        return client

    return log_in


def define(tenant, key, label, field_type="text", **extra):
    data = {"field_key": key, "field_label": label, "field_type": field_type, **extra}
    return definition_create(tenant=tenant, by=OPERATOR, data=data)


def keys(tenant) -> list[str]:
    return list(FieldDefinition.objects.for_tenant(tenant).values_list("field_key", flat=True))


def field_data(**fields) -> dict:
    """The field form as the page submits it."""
    return {"field_type": "text", "is_active": "on", **fields}


def list_url() -> str:
    return reverse("customfields:field-list")


@pytest.fixture
def tier(tenant_a):
    return define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold", "Silver"])


def builder_requests(key: str) -> list[tuple[str, str, dict]]:
    """Every builder URL with a method and a body that would change something."""
    return [
        ("get", list_url(), {}),
        ("get", reverse("customfields:field-create"), {}),
        ("post", reverse("customfields:field-create"), field_data(field_key="x", field_label="X")),
        ("post", reverse("customfields:field-preview"), field_data(field_key="x", field_label="X")),
        ("post", reverse("customfields:field-reorder"), {"keys": [key]}),
        ("post", reverse("customfields:apply-template"), {"industry": "retail"}),
        ("get", reverse("customfields:field-edit", args=[key]), {}),
        ("post", reverse("customfields:field-edit", args=[key]), field_data(field_label="Y")),
        ("post", reverse("customfields:field-preview", args=[key]), field_data(field_label="Y")),
        ("post", reverse("customfields:field-active", args=[key]), {"active": "0"}),
        ("post", reverse("customfields:field-move", args=[key]), {"direction": "down"}),
        ("get", reverse("customfields:field-delete", args=[key]), {}),
        ("post", reverse("customfields:field-delete", args=[key]), {}),
    ]


# ---------------------------------------------------------------------------------------------
# Who may use it


def test_every_page_renders_for_a_tenant_admin(login, admin_a, tier):
    client = login(admin_a)
    for url in (
        list_url(),
        reverse("customfields:field-create"),
        reverse("customfields:field-edit", args=["tier"]),
        reverse("customfields:field-delete", args=["tier"]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Membership tier" in response.content, url


@pytest.mark.parametrize("role", ["manager_a", "agent_a"])
def test_members_who_are_not_admins_get_403_everywhere(request, login, tenant_a, tier, role):
    define(tenant_a, "note", "Note")
    client = login(request.getfixturevalue(role))
    for method, url, data in builder_requests("tier"):
        assert getattr(client, method)(url, data).status_code == 403, (method, url)
    assert keys(tenant_a) == ["tier", "note"]
    assert FieldDefinition.objects.get(field_key="tier").is_active


def test_anonymous_users_are_sent_to_the_login_page(client, db):
    response = client.get(list_url())
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={list_url()}"


def test_another_tenants_field_is_404_on_every_page(login, admin_a, admin_b, tenant_a, tenant_b):
    define(tenant_a, "mine", "Mine")
    theirs = define(tenant_b, "zqxbeta_code", "Zqxbeta code")
    client = login(admin_a)
    for method, url, data in builder_requests(theirs.field_key):
        if theirs.field_key in url:
            assert getattr(client, method)(url, data).status_code == 404, (method, url)
    theirs.refresh_from_db()
    assert (theirs.field_label, theirs.is_active, theirs.order) == ("Zqxbeta code", True, 0)


def test_the_builder_and_its_preview_never_show_another_tenants_fields(
    login, admin_a, tenant_a, tenant_b
):
    define(tenant_a, "mine", "My field")
    define(tenant_b, "zqxbeta_code", "Zqxbeta code", "select", select_options=["Zqx"])
    content = login(admin_a).get(list_url()).content.decode()
    assert "My field" in content and 'name="cf_mine"' in content
    assert "zqxbeta" not in content.lower()


def test_reordering_with_another_tenants_key_is_refused(login, admin_a, tenant_a, tenant_b):
    define(tenant_a, "one", "One")
    define(tenant_b, "zqxbeta_code", "Zqxbeta code")
    response = login(admin_a).post(
        reverse("customfields:field-reorder"), {"keys": ["zqxbeta_code", "one"]}, follow=True
    )
    assert "unknown fields: zqxbeta_code" in response.content.decode()
    assert FieldDefinition.objects.get(field_key="zqxbeta_code").order == 0


# ---------------------------------------------------------------------------------------------
# The list, create and edit


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


# ---------------------------------------------------------------------------------------------
# Deactivate, delete, reorder, templates


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


# ---------------------------------------------------------------------------------------------
# The live preview


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
