"""Signing in and choosing the tenant on pages: the login page, users without a tenant,
superusers without a membership, the tenant switcher, and time zones."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tenancy.middleware import SESSION_KEY
from tenancy.models import Membership, Role
from tests.factories import LeadFactory, UserFactory, make_tenant


@pytest.fixture
def login(client):
    def log_in(membership):
        client.force_login(membership.user)
        return client

    return log_in


def test_superuser_without_membership_chooses_a_tenant(client, tenant_a, tenant_b):
    LeadFactory(tenant=tenant_b, first_name="Bettina")
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    page = client.get("/leads/").content.decode()
    assert "Choose a tenant" in page
    assert 'value="alpha"' in page and 'value="beta"' in page
    response = client.post("/tenant/switch/", {"tenant": "beta"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("tenancy:home")
    assert "Bettina" in client.get("/leads/").content.decode()


def test_member_without_tenant_gets_404(client, db):
    client.force_login(UserFactory(username="stray"))
    assert client.get("/leads/").status_code == 404


def test_admin_shows_times_in_the_tenants_zone(client, tenant_a, admin_a):
    tenant_a.timezone = "Asia/Tokyo"
    tenant_a.save()
    lead = LeadFactory(
        tenant=tenant_a, last_contact_date=datetime(2026, 1, 1, 0, 30, tzinfo=ZoneInfo("UTC"))
    )
    client.force_login(admin_a.user)
    page = client.get(f"/admin/crm/lead/{lead.pk}/change/").content.decode()
    assert 'value="09:30:00"' in page  # 00:30 UTC is 09:30 in Tokyo


def test_the_login_page_signs_in_and_lands_on_the_home_page(client, agent_a):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"), {"username": "alpha-agent", "password": "pass-word-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("tenancy:home") == "/"
    assert b"alpha-agent" in response.content


def test_a_user_without_a_tenant_gets_404(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("loner", password="x" * 10))
    assert client.get(reverse("crm:lead-list")).status_code == 404


def test_the_switcher_moves_between_own_tenants_and_refuses_others(
    client, tenant_a, tenant_b, agent_a
):
    make_tenant("gamma")
    Membership.objects.create(tenant=tenant_b, user=agent_a.user, role=Role.MANAGER)
    client.force_login(agent_a.user)
    LeadFactory(tenant=tenant_b, first_name="Betty")
    assert "Betty" not in client.get(reverse("crm:lead-list")).content.decode()

    refused = client.post(reverse("tenancy:switch-tenant"), {"tenant": "gamma"})
    assert refused.status_code == 404
    assert client.post(reverse("tenancy:switch-tenant"), {"tenant": "nope"}).status_code == 404
    assert SESSION_KEY not in client.session

    response = client.post(reverse("tenancy:switch-tenant"), {"tenant": "beta"}, follow=True)
    assert client.session[SESSION_KEY] == "beta"
    assert "Now working in Beta." in response.content.decode()
    assert "Betty" in client.get(reverse("crm:lead-list")).content.decode()


def test_the_switcher_lists_only_the_users_tenants(client, tenant_a, tenant_b, agent_a):
    make_tenant("gamma")
    Membership.objects.create(tenant=tenant_b, user=agent_a.user, role=Role.AGENT)
    client.force_login(agent_a.user)
    content = client.get(reverse("crm:lead-list")).content.decode()
    assert 'value="alpha"' in content and 'value="beta"' in content
    assert 'value="gamma"' not in content


def test_the_switcher_needs_a_post(login, agent_a):
    assert login(agent_a).get(reverse("tenancy:switch-tenant")).status_code == 405
