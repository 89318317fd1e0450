"""The crm API (leads, customers, lead sources and channels) answers as its schema says, with
real data behind it: every figure typed, 201 for what is created and 200 for an action, nulls
where the schema allows them; and no success answer is an untyped object."""

import pytest

from crm.models import Lead, LeadStatus
from tests.apischema import answers_as_documented, load_schema, untyped_answers
from tests.crm.customers import customer, define
from tests.crm.test_source_analytics import dataset, social  # noqa: F401 - fixtures
from tests.factories import LeadFactory

CRM_PATHS = ("/api/v1/leads", "/api/v1/customers", "/api/v1/customization/lead-")


@pytest.fixture
def schema(db, wsgi_application):
    return load_schema(wsgi_application)


@pytest.fixture
def check(schema, manager_a):
    return lambda *args, **kwargs: answers_as_documented(schema, manager_a, *args, **kwargs)


def test_every_lead_answer_is_as_documented(check, tenant_a, agent_a, dataset):  # noqa: F811
    lead = Lead.objects.filter(tenant=tenant_a, sub_source__isnull=False).first()
    bare = LeadFactory(tenant=tenant_a)  # no sub-source, channel, customer or campaign
    pk = {"id": lead.pk}

    listed = check("GET", "/api/v1/leads/", query={"tags": "vip,hot", "page_size": 3}, status=200)
    assert listed["count"] == 0
    check("GET", "/api/v1/leads/", query={"sub_source": ["FACEBOOK", "LINKEDIN"]}, status=200)
    check("GET", "/api/v1/leads/{id}/", path_parameters={"id": bare.pk}, status=200)
    stats = check("GET", "/api/v1/leads/statistics/", query={"status": "WON"}, status=200)
    assert set(stats["leads_by_status"]) == set(LeadStatus.values)
    empty = check("GET", "/api/v1/leads/statistics/", query={"search": "nobody"}, status=200)
    assert empty["average_lead_score"] is None and empty["total_leads"] == 0

    note = check(
        "POST",
        "/api/v1/leads/{id}/activities/",
        path_parameters=pk,
        body={"note": "Hi"},
        status=201,
    )
    assert note["kind"] == "note"
    activities = check("GET", "/api/v1/leads/{id}/activities/", path_parameters=pk, status=200)
    assert activities["results"]

    bulk = check(
        "POST",
        "/api/v1/leads/bulk-status/",
        body={"lead_ids": [lead.pk, bare.pk], "status": "CONTACTED"},
        status=200,
    )
    assert bulk == {"updated": 2, "lead_ids": sorted([lead.pk, bare.pk])}
    assigned = check(
        "POST",
        "/api/v1/leads/assign/",
        body={"lead_ids": [bare.pk], "agent_id": agent_a.user_id},
        status=200,
    )
    assert assigned == {"assigned": 1, "lead_ids": [bare.pk]}
    check("POST", "/api/v1/leads/{id}/archive/", path_parameters=pk, status=200)
    check("POST", "/api/v1/leads/{id}/restore/", path_parameters=pk, status=200)
    converted = check(
        "POST", "/api/v1/leads/{id}/convert/", path_parameters=pk, body={}, status=201
    )
    assert converted["custom_fields"] == {}
    check("DELETE", "/api/v1/leads/{id}/", path_parameters={"id": bare.pk}, status=204)


def test_every_customer_answer_is_as_documented(check, tenant_a):
    define(tenant_a, "points", "Points", "number")
    define(tenant_a, "joined", "Joined", "date")
    define(tenant_a, "vip", "VIP", "boolean")
    define(tenant_a, "tier", "Tier", "select", select_options=["Gold", "Silver"])
    full = customer(tenant_a, "Full", tags=["vip"], points=12, joined="2024-02-03", vip=True)
    customer(tenant_a, "Empty")
    pk = {"id": full.pk}

    listed = check(
        "GET",
        "/api/v1/customers/",
        query={"custom_field_filter": ["points__gte:10", "vip:true"], "tags": "vip,hot"},
        status=200,
    )
    assert [row["id"] for row in listed["results"]] == [full.pk]
    every = check("GET", "/api/v1/customers/", query={"ordering": "-cf_points"}, status=200)
    assert every["results"][1]["custom_fields"]["points"] is None
    values = check("GET", "/api/v1/customers/{id}/custom-fields/", path_parameters=pk, status=200)
    assert values == {"points": 12.0, "joined": "2024-02-03", "vip": True, "tier": None}
    values = check(
        "PATCH",
        "/api/v1/customers/{id}/custom-fields/",
        path_parameters=pk,
        body={"tier": "Gold", "points": None},
        status=200,
    )
    assert values["tier"] == "Gold" and values["points"] is None
    captured = check(
        "POST",
        "/api/v1/customers/{id}/custom-fields/{field_key}/capture/",
        path_parameters={**pk, "field_key": "points"},
        body={"text": "42"},
        status=200,
    )
    assert captured == {"field_key": "points", "value": 42.0}
    history = check("GET", "/api/v1/customers/{id}/field-history/", path_parameters=pk, status=200)
    assert history["results"]
    created = check(
        "POST",
        "/api/v1/customers/",
        body={"first_name": "New", "custom_fields": {"joined": "2020-01-01"}},
        status=201,
    )
    assert created["custom_fields"]["joined"] == "2020-01-01"
    check(
        "GET",
        "/api/v1/customers/",
        query={"custom_field_filter": ["points__gte:lots"]},
        status=400,
    )
    bulk = check(
        "POST",
        "/api/v1/customers/bulk/",
        body={
            "customer_ids": [full.pk, created["id"]],
            "add_tags": ["hot"],
            "remove_tags": ["vip"],
            "custom_fields": {"tier": "Silver"},
        },
        status=200,
    )
    assert bulk == {"updated": 2}
    check("POST", "/api/v1/customers/bulk/", body={"customer_ids": [full.pk]}, status=400)
    deleted = check(
        "POST", "/api/v1/customers/bulk-delete/", body={"customer_ids": [full.pk]}, status=200
    )
    assert deleted == {"deleted": 1}


def test_every_lead_source_answer_is_as_documented(check, dataset):  # noqa: F811
    code = {"source_code": "SOCIAL"}
    figures = check(
        "GET",
        "/api/v1/customization/lead-sources/{source_code}/performance/",
        path_parameters=code,
        query={"start_date": "2026-01-01", "end_date": "2026-01-31"},
        status=200,
    )
    assert figures["sub_sources"] and figures["average_days_to_close"] is not None
    empty = check(
        "GET",
        "/api/v1/customization/lead-sources/{source_code}/performance/",
        path_parameters=code,
        query={"start_date": "2024-01-01", "end_date": "2024-01-31"},
        status=200,
    )
    assert empty["roi"] is None and empty["cost_per_lead"] is None
    check(
        "GET",
        "/api/v1/customization/lead-sources/{source_code}/performance/",
        path_parameters=code,
        query={"start_date": "2026-02-01", "end_date": "2026-01-01"},
        status=400,
    )
    trends = check(
        "GET", "/api/v1/customization/lead-sources/trends/", query={"days": 3}, status=200
    )
    assert len(trends["sources"][0]["series"]) == 3
    check("GET", "/api/v1/customization/lead-sources/trends/", query={"days": 0}, status=400)
    check("GET", "/api/v1/customization/lead-sources/", status=200)
    subs = check(
        "GET",
        "/api/v1/customization/lead-sources/{source_code}/sub-sources/",
        path_parameters=code,
        status=200,
    )
    assert any(row["last_activity_date"] for row in subs["results"])
    check("GET", "/api/v1/customization/lead-channels/", status=200)


def test_no_crm_operation_answers_an_untyped_object(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert untyped_answers(paths, CRM_PATHS) == []
