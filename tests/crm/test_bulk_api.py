"""POST customers/bulk/ and customers/bulk-delete/: the service through the API — 400s with field
messages and nothing written, another tenant's customer refused, the roles."""

import pytest

from crm.api.bulk import CustomerBulkUpdateSerializer
from crm.models import Customer, CustomerTag, CustomerTagChange
from crm.services.bulk import BULK_MAX
from customfields.models import FieldHistory
from tests.crm.customers import customer
from tests.factories import CustomerFactory

BULK = "/api/v1/customers/bulk/"
DELETE = "/api/v1/customers/bulk-delete/"


def written() -> tuple:
    return (
        Customer.objects.count(),
        CustomerTag.objects.count(),
        CustomerTagChange.objects.count(),
        FieldHistory.objects.count(),
    )


@pytest.fixture
def two(tenant_a):
    return [customer(tenant_a, "Ann"), customer(tenant_a, "Bob", tags=["old"])]


def test_bulk_tags_and_values(manager, two, tier):
    ids = [c.pk for c in two]
    response = manager.post(
        BULK,
        {
            "customer_ids": ids,
            "add_tags": ["VIP"],
            "remove_tags": ["old"],
            "custom_fields": {"tier": "Gold"},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"updated": 2}
    customers = Customer.objects.filter(pk__in=ids).order_by("pk")
    assert [c.tag_names() for c in customers] == [["vip"], ["vip"]]
    assert {getattr(c, tier.mapped_field_name) for c in customers} == {"Gold"}
    # The customer's own API shows it.
    one = manager.get(f"/api/v1/customers/{ids[1]}/").json()
    assert one["tags"] == ["vip"] and one["custom_fields"]["tier"] == "Gold"
    timeline = manager.get(f"/api/v1/customers/{ids[1]}/timeline/").json()["results"]
    # Created with "old" (tag_added), then the bulk edit: old removed, vip added, tier set.
    kinds = sorted(e["kind"] for e in timeline)
    assert kinds == ["field_change", "tag_added", "tag_added", "tag_removed"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"customer_ids": []}, {"customer_ids"}),
        ({"customer_ids": ["x"], "add_tags": ["a"]}, {"customer_ids"}),
        ({"customer_ids": [0], "add_tags": ["a"]}, {"customer_ids"}),
        ({"add_tags": ["a"]}, {"customer_ids"}),
        ({"customer_ids": "$ann"}, {"detail"}),
        ({"customer_ids": "$ann", "add_tags": ["a" * 51]}, {"add_tags"}),
        ({"customer_ids": "$ann", "add_tags": "vip"}, {"add_tags"}),
        ({"customer_ids": "$ann", "add_tags": ["a"], "remove_tags": ["A"]}, {"remove_tags"}),
        ({"customer_ids": "$ann", "custom_fields": {"tier": "Bronze"}}, {"custom_fields"}),
        ({"customer_ids": "$ann", "custom_fields": {"nope": 1}}, {"custom_fields"}),
        ({"customer_ids": "$ann", "custom_fields": []}, {"custom_fields"}),
        ({"customer_ids": "$ann", "add_tags": ["a"], "colour": "red"}, {"colour"}),
    ],
)
def test_bad_bodies_are_400_naming_the_field_and_write_nothing(manager, two, tier, body, errors):
    if body.get("customer_ids") == "$ann":
        body = {**body, "customer_ids": [two[0].pk]}
    before = written()
    response = manager.post(BULK, body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == errors
    assert written() == before


def test_a_custom_value_error_is_nested_under_its_key(manager, two, tier, points):
    response = manager.post(
        BULK,
        {"customer_ids": [two[0].pk], "custom_fields": {"tier": "Bronze", "points": -5}},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["custom_fields"]) == {"tier", "points"}


def test_too_many_ids_say_the_limit():
    body = CustomerBulkUpdateSerializer(
        data={"customer_ids": list(range(1, BULK_MAX + 2)), "add_tags": ["a"]}
    )
    assert not body.is_valid()
    assert body.errors["customer_ids"] == [f"At most {BULK_MAX:,} customers at once."]


def test_another_tenants_customer_is_refused_and_nothing_is_written(manager, two, tenant_b):
    theirs = CustomerFactory(tenant=tenant_b, first_name="Zed")
    before = written()
    for url, body in (
        (BULK, {"customer_ids": [two[0].pk, theirs.pk], "add_tags": ["vip"]}),
        (DELETE, {"customer_ids": [two[0].pk, theirs.pk]}),
    ):
        response = manager.post(url, body, format="json")
        assert response.status_code == 400
        assert response.json() == {"customer_ids": [f"Unknown customers: {theirs.pk}."]}
    assert written() == before
    assert Customer.objects.get(pk=theirs.pk).tag_names() == []


def test_bulk_delete(manager, two):
    response = manager.post(DELETE, {"customer_ids": [two[0].pk]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"deleted": 1}
    assert list(Customer.objects.values_list("first_name", flat=True)) == ["Bob"]


def test_agents_bulk_edit_but_do_not_bulk_delete(api, agent_a, two):
    agent = api(agent_a)
    ids = [c.pk for c in two]
    response = agent.post(BULK, {"customer_ids": ids, "add_tags": ["x"]}, format="json")
    assert response.json() == {"updated": 2}
    response = agent.post(DELETE, {"customer_ids": ids}, format="json")
    assert response.status_code == 403
    assert "managers and admins" in response.json()["detail"]
    assert Customer.objects.count() == 2
