"""How the tenant is chosen on pages: superusers without a membership, and time zones."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from crm.services.leads import lead_update
from tests.factories import LeadFactory, UserFactory


def test_superuser_without_membership_chooses_a_tenant(client, tenant_a, tenant_b):
    LeadFactory(tenant=tenant_b, first_name="Bettina")
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    page = client.get("/leads/").content.decode()
    assert "Choose a tenant" in page
    assert 'value="alpha"' in page and 'value="beta"' in page
    response = client.post("/tenant/switch/", {"tenant": "beta"}, follow=True)
    assert "Bettina" in response.content.decode()


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


def test_a_refused_update_leaves_the_callers_lead_as_saved(tenant_a, manager_a):
    lead = LeadFactory(tenant=tenant_a, first_name="Kept")
    with pytest.raises(ValidationError):
        lead_update(lead=lead, by=manager_a, data={"first_name": "Gone", "email": "bad"})
    assert lead.first_name == "Kept"
