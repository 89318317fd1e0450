"""Who reaches the customer pages and what they see: a signed-out visitor is sent to sign in,
every member gets each page with the tenant's custom fields, and another tenant's customers,
leads and fields never show (a user in two tenants sees the chosen one's)."""

import pytest
from django.urls import reverse

from crm.models import Customer
from customfields.models import FieldHistory
from tenancy.models import Membership, Role
from tests.crm.customers import customer, define, edit_data, names
from tests.factories import LeadFactory, UserFactory

# ---------------------------------------------------------------------------------------------
# Sign-in and rendering


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("crm:customer-list", {}),
        ("crm:customer-create", {}),
        ("crm:customer-detail", {"pk": 1}),
        ("crm:customer-edit", {"pk": 1}),
        ("crm:lead-convert", {"pk": 1}),
    ],
)
def test_anonymous_users_are_sent_to_the_login_page(client, db, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("role", ["manager_a", "agent_a"])
def test_each_page_renders_for_a_member(request, login, tenant_a, tier, role):
    member = request.getfixturevalue(role)
    client = login(member)
    ada = customer(tenant_a, "Ada", tier="Gold")
    lead = LeadFactory(tenant=tenant_a)
    detail = reverse("crm:customer-detail", args=[ada.pk])
    for url in (
        reverse("crm:customer-list"),
        reverse("crm:customer-create"),
        detail,
        *(f"{detail}?tab={tab}" for tab in ("basic", "custom", "activity", "history")),
        reverse("crm:customer-edit", args=[ada.pk]),
        reverse("crm:lead-convert", args=[lead.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert member.user.username.encode() in response.content
    # The pages that show custom fields show the tenant's.
    for url in (
        reverse("crm:customer-list"),
        reverse("crm:customer-create"),
        f"{detail}?tab=custom",
        reverse("crm:customer-edit", args=[ada.pk]),
    ):
        assert b"Membership tier" in client.get(url).content, url


def test_the_nav_links_customers_for_all_and_the_form_builder_for_admins(login, admin_a, agent_a):
    builder = reverse("customfields:field-list").encode()
    admin_page = login(admin_a).get(reverse("crm:customer-list")).content
    assert reverse("crm:customer-list").encode() in admin_page and builder in admin_page
    agent_page = login(agent_a).get(reverse("crm:lead-list")).content
    assert reverse("crm:customer-list").encode() in agent_page and builder not in agent_page


# ---------------------------------------------------------------------------------------------
# Tenancy


@pytest.mark.parametrize(
    "url",
    [
        "/customers/{pk}/",
        "/customers/{pk}/?tab=custom",
        "/customers/{pk}/?tab=activity",
        "/customers/{pk}/?tab=history",
        "/customers/{pk}/edit/",
    ],
)
def test_another_tenants_customer_is_404(login, admin_a, tenant_b, url):
    foreign = customer(tenant_b, "Betty")
    assert login(admin_a).get(url.format(pk=foreign.pk)).status_code == 404


def test_another_tenants_customer_cannot_be_edited(login, admin_a, tenant_b):
    foreign = customer(tenant_b, "Betty")
    response = login(admin_a).post(
        reverse("crm:customer-edit", args=[foreign.pk]), edit_data(foreign, first_name="Mallory")
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.first_name == "Betty"


def test_another_tenants_lead_cannot_be_converted(login, admin_a, tenant_b):
    foreign = LeadFactory(tenant=tenant_b)
    assert login(admin_a).post(reverse("crm:lead-convert", args=[foreign.pk])).status_code == 404
    assert not Customer.objects.exists()


def test_the_list_its_filters_and_columns_never_show_another_tenant(
    login, admin_a, tenant_a, tenant_b
):
    # Both tenants' first text field sits in the same slot, custom_text_1.
    mine = define(tenant_a, "nickname", "Nickname", "text")
    theirs = define(tenant_b, "zqxbeta_code", "Zqxbeta code", "select", select_options=["Zqx1"])
    define(tenant_b, "zqxbeta_note", "Zqxbeta note", "text")
    assert mine.mapped_field_name == "custom_text_1"
    customer(tenant_a, "Alphonse", nickname="Al")
    customer(tenant_b, "Zqxbeta", zqxbeta_code="Zqx1", zqxbeta_note="zqxbeta secret")
    client = login(admin_a)
    client.post(
        reverse("crm:customer-columns"),
        {"columns": ["email", "cf_nickname"], "filters": ["nickname"]},
    )
    content = client.get(reverse("crm:customer-list")).content.decode()
    assert "Alphonse" in content and "Nickname" in content and ">Al<" in content
    assert "zqxbeta" not in content.lower()
    # Naming B's field in a filter or a column choice is refused like an unknown field.
    response = client.get(reverse("crm:customer-list"), {f"cf_{theirs.field_key}": "Zqx1"})
    assert "cf_zqxbeta_code: Unknown custom field." in response.content.decode()
    assert response.context["rows"] == []
    refused = client.post(
        reverse("crm:customer-columns"), {"columns": ["cf_zqxbeta_code"]}, follow=True
    )
    assert "cf_zqxbeta_code is not one of the available choices." in refused.content.decode()
    assert "Zqxbeta code" not in refused.content.decode()


def test_an_agent_sees_and_edits_every_customer_of_the_tenant(
    login, agent_a, manager_a, tenant_a, tier
):
    ada = customer(tenant_a, "Ada", by=manager_a, tier="Gold")
    client = login(agent_a)
    assert names(client.get(reverse("crm:customer-list"))) == ["Ada"]
    response = client.post(
        reverse("crm:customer-edit", args=[ada.pk]), edit_data(ada, cf_tier="Silver")
    )
    assert response.status_code == 302
    entry = FieldHistory.objects.get(customer=ada, reason="edited")
    assert (entry.old_value, entry.new_value, entry.changed_by) == ("Gold", "Silver", agent_a.user)


def test_a_user_in_two_tenants_sees_the_chosen_tenants_customers(client, tenant_a, tenant_b):
    user = UserFactory(username="both")
    for tenant in (tenant_a, tenant_b):
        Membership.objects.create(tenant=tenant, user=user, role=Role.AGENT)
    customer(tenant_a, "Alphonse")
    customer(tenant_b, "Betty")
    client.force_login(user)
    assert names(client.get(reverse("crm:customer-list"))) == ["Alphonse"]
    client.post(reverse("tenancy:switch-tenant"), {"tenant": "beta"})
    assert names(client.get(reverse("crm:customer-list"))) == ["Betty"]
