"""Who may use the form builder pages: only the tenant's admins reach them (others get 403,
signed-out visitors sign in first), another tenant's field is a 404 on every page, and its
fields never show or get reordered."""

import pytest
from django.urls import reverse

from customfields.models import FieldDefinition
from tests.customfields.builder import builder_requests, define, keys, list_url


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
