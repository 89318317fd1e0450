"""Walks every API route with two tenants: nothing of tenant B reaches tenant A's admin —
not in lists, details, updates, deletes, actions, filters or counts."""

import pytest
from django.urls import URLPattern, reverse

from crm.api import urls as api_urls
from crm.api.leads import LeadViewSet
from crm.api.members import MemberViewSet, MeViewSet
from crm.api.sources import LeadChannelViewSet, LeadSourceViewSet, LeadSubSourceViewSet
from crm.models import Lead
from tests.crm.tenancy_world import MARKER, build_foreign_world, snapshot
from tests.factories import LeadFactory

# How to address tenant B's object on each viewset's detail routes. A new viewset fails
# test_every_route_is_covered until it is added here.
DETAIL_KWARGS = {
    LeadSourceViewSet: lambda w: {"source_code": w.source.source_code},
    LeadSubSourceViewSet: lambda w: {
        "source_code": w.source.source_code,
        "sub_source_code": w.sub.sub_source_code,
    },
    LeadChannelViewSet: lambda w: {"channel_code": w.channel.channel_code},
    LeadViewSet: lambda w: {"pk": w.lead.pk},
    MemberViewSet: lambda w: {"user_id": w.agent.user_id},
}
LIST_ONLY = {MeViewSet}

# Bodies for list-level POSTs that point at tenant B's objects; each must be refused (400).
FOREIGN_POSTS = {
    "lead-list": lambda w, a: [
        {"first_name": "X", "email": "x@alpha.example", "source": w.source.source_code},
        {"first_name": "X", "email": "x@alpha.example", "channel": w.channel.channel_code},
        {"first_name": "X", "email": "x@alpha.example", "assigned_to": w.agent.user_id},
        {"first_name": "X", "email": "x@alpha.example", "sub_source": w.sub.sub_source_code},
    ],
    "lead-bulk-status": lambda w, a: [{"lead_ids": [w.lead.pk], "status": "WON"}],
    "lead-assign": lambda w, a: [
        {"lead_ids": [w.lead.pk], "agent_id": a.user_id},
        {"lead_ids": [a.lead_pk], "agent_id": w.agent.user_id},
    ],
}
# List-level POSTs that create the caller's own configuration: a code may exist in both
# tenants, so there is nothing foreign to point at.
OWN_CONFIG_POSTS = {"lead-source-list", "lead-channel-list"}

# Filters that name tenant B's objects: refused as unknown choices.
FOREIGN_FILTERS = {
    "source": lambda w: w.source.source_code,
    "sub_source": lambda w: w.sub.sub_source_code,
    "channel": lambda w: w.channel.channel_code,
    "assigned_to": lambda w: w.agent.user_id,
}


def api_routes():
    for pattern in api_urls.urlpatterns:
        callback = getattr(pattern, "callback", None)
        cls = getattr(callback, "cls", None)
        if not isinstance(pattern, URLPattern) or cls is None or not hasattr(callback, "actions"):
            continue
        if "format" in pattern.pattern.regex.groupindex:
            continue
        yield pattern.name, cls, dict(callback.actions), set(pattern.pattern.regex.groupindex)


@pytest.fixture
def world(tenant_b):
    return build_foreign_world(tenant_b)


@pytest.fixture
def alpha(api, admin_a, tenant_a):
    admin_a.lead_pk = LeadFactory(tenant=tenant_a, first_name="Alpha").pk
    return api(admin_a)


def assert_clean(response):
    assert MARKER not in response.content.decode().lower(), response.content[:500]


def test_every_route_is_covered():
    for name, cls, actions, kwargs in api_routes():
        if kwargs:
            assert cls in DETAIL_KWARGS, f"{name}: add {cls.__name__} to DETAIL_KWARGS"
        elif "post" in actions:
            assert name in FOREIGN_POSTS or name in OWN_CONFIG_POSTS, f"{name}: cover its POST"
        else:
            assert cls in DETAIL_KWARGS or cls in LIST_ONLY, name


def test_foreign_objects_are_404_on_every_detail_route(alpha, world):
    before = snapshot(world)
    checked = 0
    for name, cls, actions, kwargs in api_routes():
        if not kwargs:
            continue
        url_kwargs = {k: v for k, v in DETAIL_KWARGS[cls](world).items() if k in kwargs}
        url = reverse(name, kwargs=url_kwargs)
        for method in actions:
            response = getattr(alpha, method)(
                url, {"note": "x", "first_name": "Hacked"}, format="json"
            )
            assert response.status_code == 404, (method, url, response.status_code)
            assert_clean(response)
            checked += 1
    assert checked >= 20
    assert snapshot(world) == before


def test_lists_never_show_foreign_objects(alpha, world, admin_a):
    for name, _cls, actions, kwargs in api_routes():
        if kwargs or "get" not in actions:
            continue
        response = alpha.get(reverse(name))
        assert response.status_code == 200, name
        assert_clean(response)


def test_foreign_references_in_writes_are_refused(alpha, world, admin_a):
    before = snapshot(world)
    leads_before = Lead.objects.count()
    for name, bodies in FOREIGN_POSTS.items():
        for body in bodies(world, admin_a):
            response = alpha.post(reverse(name), body, format="json")
            assert response.status_code == 400, (name, body, response.content)
    assert snapshot(world) == before
    assert Lead.objects.count() == leads_before


@pytest.mark.parametrize("route", ["lead-list", "lead-statistics"])
def test_filters_naming_foreign_objects_are_refused(alpha, world, route):
    for param, value in FOREIGN_FILTERS.items():
        response = alpha.get(reverse(route), {param: value(world)})
        assert response.status_code == 400, (route, param)
        assert param in response.json()


def test_searches_and_counts_see_only_own_leads(alpha, world, tenant_a):
    assert alpha.get(reverse("lead-list"), {"search": MARKER}).json()["count"] == 0
    assert alpha.get(reverse("lead-list"), {"tags": "zqxbeta-tag"}).json()["count"] == 0
    stats = alpha.get(reverse("lead-statistics")).json()
    assert stats["total_leads"] == Lead.objects.filter(tenant=tenant_a).count() == 1
    sources = alpha.get(reverse("lead-source-list")).json()["results"]
    assert sum(s["leads_generated"] for s in sources) == 1
    trends = alpha.get(reverse("lead-source-trends")).json()
    assert sum(s["leads_generated"] for s in trends["sources"]) == 1


def test_tenant_header_for_a_foreign_tenant_is_403(api, admin_a, tenant_b):
    client = api(admin_a, tenant_header=tenant_b.slug)
    assert client.get(reverse("lead-list")).status_code == 403
