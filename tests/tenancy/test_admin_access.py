"""Who may use the admin and what they see there, beyond the generic walk: a tenant admin adds
members without seeing other tenants' users, the role (not the staff flag) opens the admin, and
superusers see every tenant with a tenant column."""

import pytest
from django.urls import reverse

from crm.models import Lead
from tenancy.models import Membership, Tenant
from tests.factories import LeadFactory, UserFactory
from tests.tenancy.registry import MARKER


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def alpha(client, admin_a, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Alpha")
    client.force_login(admin_a.user)
    return client


def assert_clean(response):
    assert MARKER not in response.content.decode().lower()


def test_tenant_admin_adds_a_member_without_seeing_other_users(alpha, tenant_a, world):
    response = alpha.get(url(Membership, "add"))
    assert_clean(response)
    response = alpha.post(
        url(Membership, "add"),
        {
            "username": "newbie",
            "email": "n@alpha.example",
            "password": "pw-123456",
            "role": "agent",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.filter(tenant=tenant_a, user__username="newbie").exists()
    response = alpha.post(url(Membership, "add"), {"username": "ghost", "role": "agent"})
    assert response.status_code == 200
    assert "password" in response.context["adminform"].form.errors


def test_agents_and_managers_cannot_use_the_admin(client, manager_a):
    manager_a.user.is_staff = True  # even with the staff flag, the role decides
    manager_a.user.save()
    client.force_login(manager_a.user)
    assert client.get(url(Lead, "changelist")).status_code == 403


def test_superuser_sees_every_tenant_with_a_tenant_column(client, tenant_a, world):
    LeadFactory(tenant=tenant_a, first_name="Alphonse")
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    page = client.get(url(Lead, "changelist")).content.decode()
    assert "Alphonse" in page and "Zqxbeta" in page
    assert "column-tenant" in page
    assert "tenant__id__exact" in page
    assert client.get(url(Tenant, "changelist")).status_code == 200
