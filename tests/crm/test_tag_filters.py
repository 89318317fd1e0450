"""The lead and customer tag filters (`tags=a,b`): any of the names, an unknown name matches
nothing, another tenant's tag of the same name never matches."""

import pytest

from crm.models import CustomerTag, LeadStatus, LeadTag, Tag
from tests.crm.leads import URL as LEADS
from tests.factories import CustomerFactory, LeadFactory

CUSTOMERS = "/api/v1/customers/"


def tag(tenant, name):
    return Tag.objects.get_or_create(tenant=tenant, name=name)[0]


def lead(tenant, first_name, *tags, **fields):
    row = LeadFactory(tenant=tenant, first_name=first_name, **fields)
    LeadTag.objects.bulk_create(LeadTag(tenant=tenant, lead=row, tag=t) for t in tags)
    return row


def customer(tenant, first_name, *tags):
    row = CustomerFactory(tenant=tenant, first_name=first_name)
    CustomerTag.objects.bulk_create(CustomerTag(tenant=tenant, customer=row, tag=t) for t in tags)
    return row


def names(response, key="first_name"):
    assert response.status_code == 200, response.content
    return sorted(row[key] for row in response.json()["results"])


@pytest.fixture
def leads(tenant_a, tenant_b):
    vip, web, gold = tag(tenant_a, "vip"), tag(tenant_a, "web"), tag(tenant_a, "gold")
    theirs = tag(tenant_b, "secret")
    lead(tenant_a, "Ada", vip, web)
    lead(tenant_a, "Ben", web)
    lead(tenant_a, "Cy", gold)
    lead(tenant_a, "Dot")
    lead(tenant_b, "Zed", tag(tenant_b, "vip"), theirs)
    # A link no service writes: tenant A's lead with tenant B's tag. Tenant A's `secret` filter
    # must not match it through B's tag of that name.
    lead(tenant_a, "Eve", theirs)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("vip", ["Ada"]),
        ("web", ["Ada", "Ben"]),
        ("vip,gold", ["Ada", "Cy"]),  # any of the names
        ("web,vip", ["Ada", "Ben"]),  # a lead with both is listed once
        ("GOLD, nope", ["Cy"]),  # lower-cased; the unknown name matches nothing
        ("nope", []),
        ("nope,other", []),
        ("secret", []),  # tenant B's tag of that name
    ],
)
def test_the_lead_tag_filter(manager, leads, tags, expected):
    response = manager.get(LEADS, {"tags": tags})
    assert names(response) == expected
    assert response.json()["count"] == len(expected)


def test_a_tag_of_both_tenants_lists_only_the_tenants_leads(api, manager_a, admin_b, leads):
    assert names(api(manager_a).get(LEADS, {"tags": "vip"})) == ["Ada"]
    assert names(api(admin_b).get(LEADS, {"tags": "vip"})) == ["Zed"]
    assert names(api(admin_b).get(LEADS, {"tags": "web,gold"})) == []


def test_hot_and_tag_together(manager, tenant_a):
    vip = tag(tenant_a, "vip")
    lead(tenant_a, "Hot", vip, lead_score=95)
    lead(tenant_a, "Won", vip, lead_score=95, status=LeadStatus.WON)
    lead(tenant_a, "Cold", vip, lead_score=40)
    lead(tenant_a, "Untagged", lead_score=95)
    params = {"is_hot_leads_only": "true", "tags": "vip"}
    assert names(manager.get(LEADS, params)) == ["Hot"]


def test_the_leads_page_filters_by_tag(login, manager_a, leads):
    response = login(manager_a).get("/leads/", {"tags": "gold,vip"})
    assert response.status_code == 200
    shown = {row.first_name for row in response.context["leads"]}
    assert shown == {"Ada", "Cy"}


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("vip", ["Ada"]),
        ("vip,gold", ["Ada", "Cy"]),
        ("VIP,web", ["Ada", "Ben"]),
        ("nope", []),
        ("secret", []),
    ],
)
def test_the_customer_tag_filter(manager, tenant_a, tenant_b, tags, expected):
    vip, web, gold = tag(tenant_a, "vip"), tag(tenant_a, "web"), tag(tenant_a, "gold")
    theirs = tag(tenant_b, "secret")
    customer(tenant_a, "Ada", vip, web)
    customer(tenant_a, "Ben", web)
    customer(tenant_a, "Cy", gold)
    customer(tenant_a, "Dot")
    customer(tenant_b, "Zed", tag(tenant_b, "vip"), theirs)
    customer(tenant_a, "Eve", theirs)  # as for leads: a cross-tenant link no service writes
    response = manager.get(CUSTOMERS, {"tags": tags})
    assert names(response) == expected
    assert response.json()["count"] == len(expected)
