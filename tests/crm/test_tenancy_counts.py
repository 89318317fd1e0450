"""Counts and searches of crm's API see only the caller's tenant (the generic walk over every
route is tests/tenancy/test_api_walk.py)."""

from django.urls import reverse

from crm.models import Lead
from tests.factories import LeadFactory
from tests.tenancy.registry import MARKER, build_world


def test_searches_and_counts_see_only_own_leads(api, admin_a, tenant_a, tenant_b):
    build_world(tenant_b)
    LeadFactory(tenant=tenant_a, first_name="Alpha")
    alpha = api(admin_a)
    assert alpha.get(reverse("lead-list"), {"search": MARKER}).json()["count"] == 0
    assert alpha.get(reverse("lead-list"), {"tags": "zqxbeta-tag"}).json()["count"] == 0
    stats = alpha.get(reverse("lead-statistics")).json()
    assert stats["total_leads"] == Lead.objects.filter(tenant=tenant_a).count() == 1
    sources = alpha.get(reverse("lead-source-list")).json()["results"]
    assert sum(s["leads_generated"] for s in sources) == 1
    trends = alpha.get(reverse("lead-source-trends")).json()
    assert sum(s["leads_generated"] for s in trends["sources"]) == 1
