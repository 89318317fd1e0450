"""customers/duplicates/ and customers/{id}/merge/ through the API: groups with their reason,
`?reason=` and `?customer=`, the merge (the kept customer back, the duplicates 404, the
timeline's merge entry), refusals as 400 with nothing written, roles, tenancy."""

import pytest

from crm.models import Customer, CustomerNote
from crm.services.customers import customer_create
from crm.services.notes import note_create
from tenancy.actors import OPERATOR
from tests.crm.customers import define

pytestmark = pytest.mark.django_db

DUPLICATES = "/api/v1/customers/duplicates/"


def merge_url(pk):
    return f"/api/v1/customers/{pk}/merge/"


def person(tenant, first, last="Lee", custom=None, **data):
    return customer_create(
        tenant=tenant,
        by=OPERATOR,
        data={"first_name": first, "last_name": last, **data},
        custom_fields=custom or {},
    )


@pytest.fixture
def pair(tenant_a):
    define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold", "Silver"])
    keep = person(tenant_a, "Ann", email="Ann@x.example", custom={"tier": "Gold"})
    dup = person(
        tenant_a, "Ann", email="ann@x.example", phone="+4411112222", custom={"tier": "Silver"}
    )
    return keep, dup


def test_groups_with_reasons_and_filters(api, manager_a, agent_a, tenant_a, pair):
    keep, dup = pair
    other = person(tenant_a, "Bo", phone="+4411112222")
    body = api(agent_a).get(DUPLICATES).json()  # every member may look
    assert body["count"] == 2
    assert body["results"] == [
        {"customers": [keep.pk, dup.pk], "reason": "email"},
        {"customers": [dup.pk, other.pk], "reason": "phone"},
    ]
    manager = api(manager_a)
    assert manager.get(DUPLICATES, {"reason": "phone"}).json()["results"] == [
        {"customers": [dup.pk, other.pk], "reason": "phone"}
    ]
    assert manager.get(DUPLICATES, {"customer": keep.pk}).json()["results"] == [
        {"customers": [keep.pk, dup.pk], "reason": "email"}
    ]
    refused = manager.get(DUPLICATES, {"reason": "shoe size", "customer": "x"})
    assert refused.status_code == 400
    assert set(refused.json()) == {"reason", "customer"}


def test_another_tenants_customer_is_a_404(api, manager_a, tenant_b):
    theirs = person(tenant_b, "Zed")
    assert api(manager_a).get(DUPLICATES, {"customer": theirs.pk}).status_code == 404


def test_merge_answers_the_kept_customer_and_the_duplicate_is_gone(api, manager_a, tenant_a, pair):
    keep, dup = pair
    note_create(tenant=tenant_a, by=OPERATOR, data={"customer": dup, "note": "Moves"})
    manager = api(manager_a)
    response = manager.post(
        merge_url(keep.pk),
        {"duplicate_ids": [dup.pk], "values": {"phone": dup.pk, "custom.tier": dup.pk}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == keep.pk
    assert body["phone"] == "+4411112222" and body["email"] == "Ann@x.example"
    assert body["custom_fields"] == {"tier": "Silver"}
    assert manager.get(f"/api/v1/customers/{dup.pk}/").status_code == 404
    assert (
        manager.post(merge_url(dup.pk), {"duplicate_ids": [keep.pk]}, format="json").status_code
        == 404
    )
    assert CustomerNote.objects.get().customer_id == keep.pk
    timeline = manager.get(f"/api/v1/customers/{keep.pk}/timeline/", {"kind": "merge"}).json()
    [entry] = timeline["results"]
    assert entry["kind"] == "merge"
    assert entry["summary"] == (
        f"Merged Ann Lee (#{dup.pk}) into this customer: email from #{keep.pk}, "
        f"phone from #{dup.pk}, membership tier from #{dup.pk}"
    )
    assert entry["data"]["merged"] == [{"id": dup.pk, "name": "Ann Lee"}]
    assert entry["actor"] == manager_a.user.username


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "duplicate_ids"),
        ({"duplicate_ids": []}, "duplicate_ids"),
        ({"duplicate_ids": ["x"]}, "duplicate_ids"),
        ({"duplicate_ids": "KEEP"}, "duplicate_ids"),
        ({"duplicate_ids": [10**30]}, "duplicate_ids"),
        ({"duplicate_ids": "DUP", "values": {"email": 10**9}}, "values"),
        ({"duplicate_ids": "DUP", "values": {"nope": "DUP"}}, "values"),
        ({"duplicate_ids": "DUP", "values": []}, "values"),
        ({"duplicate_ids": "DUP", "extra": 1}, "extra"),
    ],
)
def test_bad_bodies_are_400s_that_write_nothing(api, manager_a, pair, body, field):
    keep, dup = pair
    fill = {"KEEP": [keep.pk], "DUP": [dup.pk]}
    body = {k: fill.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    if body.get("values") == {"nope": "DUP"}:
        body["values"] = {"nope": dup.pk}
    response = api(manager_a).post(merge_url(keep.pk), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Customer.objects.filter(pk=dup.pk).exists()


def test_a_duplicate_of_another_tenant_is_a_400_and_stays(api, manager_a, tenant_b, pair):
    keep, _ = pair
    theirs = person(tenant_b, "Ann")
    response = api(manager_a).post(
        merge_url(keep.pk), {"duplicate_ids": [theirs.pk]}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"duplicate_ids": [f"Unknown customers: {theirs.pk}."]}
    assert Customer.objects.filter(pk=theirs.pk).exists()


def test_keeping_another_tenants_customer_is_a_404(api, manager_a, tenant_b, pair):
    _, dup = pair
    theirs = person(tenant_b, "Ann")
    response = api(manager_a).post(merge_url(theirs.pk), {"duplicate_ids": [dup.pk]}, format="json")
    assert response.status_code == 404
    assert Customer.objects.filter(pk=dup.pk).exists()


def test_agents_may_not_merge(api, agent_a, admin_a, pair):
    keep, dup = pair
    body = {"duplicate_ids": [dup.pk]}
    assert api(agent_a).post(merge_url(keep.pk), body, format="json").status_code == 403
    assert Customer.objects.filter(pk=dup.pk).exists()
    assert api(admin_a).post(merge_url(keep.pk), body, format="json").status_code == 200
