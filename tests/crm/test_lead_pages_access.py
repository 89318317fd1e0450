"""Who reaches the server-rendered lead pages: a signed-out visitor is sent to sign in, every
member gets each page, and the pages stay inside the tenant and hide other agents' leads
(signing in and the tenant switcher are tests/tenancy/test_pages.py)."""

import pytest
from django.urls import reverse

from crm.models import (
    LeadChannel,
    LeadSource,
    LeadStatus,
    LeadSubSource,
)
from tests.crm.leads import source
from tests.factories import LeadFactory

# ---------------------------------------------------------------------------------------------
# Sign-in and rendering


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("crm:lead-list", {}),
        ("crm:lead-create", {}),
        ("crm:lead-detail", {"pk": 1}),
        ("crm:lead-edit", {"pk": 1}),
        ("crm:source-performance", {}),
    ],
)
def test_anonymous_users_are_sent_to_the_login_page(client, db, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_each_page_renders_for_a_member(login, manager_a, tenant_a):
    client = login(manager_a)
    lead = LeadFactory(tenant=tenant_a)
    for url in (
        reverse("crm:lead-list"),
        reverse("crm:lead-create"),
        reverse("crm:lead-detail", args=[lead.pk]),
        reverse("crm:lead-edit", args=[lead.pk]),
        reverse("crm:source-performance"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"alpha-manager" in response.content
        assert b"Manager" in response.content


def test_the_admin_link_is_for_tenant_admins_only(login, admin_a, agent_a):
    admin_url = reverse("admin:index").encode()
    assert admin_url in login(admin_a).get(reverse("crm:lead-list")).content
    assert admin_url not in login(agent_a).get(reverse("crm:lead-list")).content


# ---------------------------------------------------------------------------------------------
# Tenant and agent scoping


@pytest.mark.parametrize("name", ["crm:lead-detail", "crm:lead-edit"])
def test_another_tenants_lead_is_404(login, admin_a, tenant_b, name):
    foreign = LeadFactory(tenant=tenant_b)
    assert login(admin_a).get(reverse(name, args=[foreign.pk])).status_code == 404


@pytest.mark.parametrize(
    "name, data",
    [
        ("crm:lead-archive", {}),
        ("crm:lead-restore", {}),
        ("crm:lead-notes", {"note": "hello"}),
        ("crm:lead-edit", {"first_name": "Mallory", "status": "WON"}),
    ],
)
def test_another_tenants_lead_cannot_be_written(login, admin_a, tenant_b, name, data):
    foreign = LeadFactory(tenant=tenant_b)
    response = login(admin_a).post(reverse(name, args=[foreign.pk]), data)
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.archived_at is None and foreign.status == LeadStatus.NEW
    assert not foreign.activities.exists()


@pytest.mark.parametrize(
    "method, name",
    [("get", "crm:lead-detail"), ("get", "crm:lead-edit"), ("post", "crm:lead-archive")],
)
def test_an_agent_gets_404_for_another_agents_lead(
    login, agent_a, agent_a2, tenant_a, method, name
):
    theirs = LeadFactory(tenant=tenant_a, assigned_to=agent_a2.user)
    response = getattr(login(agent_a), method)(reverse(name, args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.archived_at is None


def test_an_agent_lists_own_and_unassigned_leads_only(login, agent_a, agent_a2, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Mine", assigned_to=agent_a.user)
    LeadFactory(tenant=tenant_a, first_name="Open")
    LeadFactory(tenant=tenant_a, first_name="Theirs", assigned_to=agent_a2.user)
    content = login(agent_a).get(reverse("crm:lead-list")).content.decode()
    assert "Mine" in content and "Open" in content
    assert "Theirs" not in content
    assert "<strong>2</strong> leads" in content


def test_the_list_and_its_dropdowns_never_show_another_tenant(
    login, admin_a, admin_b, tenant_a, tenant_b
):
    LeadFactory(tenant=tenant_a, first_name="Alphonse")
    LeadFactory(tenant=tenant_b, first_name="Betty")
    LeadSource.objects.create(tenant=tenant_b, source_code="BETA_FAIR", source_name="Beta fair")
    LeadChannel.objects.create(tenant=tenant_b, channel_code="BETA_TV", channel_name="Beta TV")
    LeadSubSource.objects.create(
        tenant=tenant_b,
        source=source(tenant_b, "SOCIAL"),
        sub_source_code="BETA_GRAM",
        sub_source_name="Betagram",
    )
    content = login(admin_a).get(reverse("crm:lead-list")).content.decode()
    assert "Alphonse" in content and "alpha-admin" in content and "WEBSITE" in content
    for foreign in ("Betty", "beta-admin", "BETA_FAIR", "BETA_TV", "BETA_GRAM"):
        assert foreign not in content
    # Member dropdowns (the assigned_to filter, the bulk assign control) hold user ids.
    assert f'<option value="{admin_a.user.pk}">alpha-admin</option>' in content
    assert f'<option value="{admin_b.user.pk}"' not in content


def test_a_foreign_filter_value_is_a_form_error(login, admin_a, tenant_b):
    LeadSource.objects.create(tenant=tenant_b, source_code="BETA_FAIR", source_name="Beta fair")
    response = login(admin_a).get(reverse("crm:lead-list"), {"source": "BETA_FAIR"})
    assert response.status_code == 200
    assert "Check the filters" in response.content.decode()
    assert not response.context["leads"]
