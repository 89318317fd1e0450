"""events/: external events recorded for a customer of the tenant (202; the same event_id again
is the same event, 200), validated before anything is written, and the tenant's events to read
with filters. Admins and managers (and their tokens) may; agents may not."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tenancy.events import emit
from tenancy.models import EventStatus, OutboxEvent
from tests.factories import CustomerFactory

URL = "/api/v1/events/"


@pytest.fixture
def customer(tenant_a):
    return CustomerFactory(tenant=tenant_a)


def test_the_route_is_named():
    assert reverse("event-list") == URL


def test_an_event_is_recorded_and_answered_202(api, admin_a, customer):
    at = "2024-05-01T10:00:00+00:00"
    body = {
        "customer": customer.pk,
        "event_type": "purchase",
        "data": {"amount": 120.5, "sku": "A-1", "lines": [{"qty": 2}]},
        "occurred_at": at,
        "event_id": "order-77",
    }
    response = api(admin_a).post(URL, body, format="json")
    assert response.status_code == 202, response.content
    answer = response.json()
    event = OutboxEvent.objects.get()
    assert answer["id"] == event.pk
    assert answer["customer"] == customer.pk and event.customer_id == customer.pk
    assert (answer["event_type"], answer["event_id"], answer["data"]) == (
        "purchase",
        "order-77",
        body["data"],
    )
    assert event.occurred_at == datetime.datetime(2024, 5, 1, 10, tzinfo=datetime.UTC)
    assert event.tenant_id == customer.tenant_id


def test_the_same_event_id_again_is_the_same_event_200(api, manager_a, customer):
    client = api(manager_a)
    body = {"customer": customer.pk, "event_type": "purchase", "event_id": "k1"}
    first = client.post(URL, {**body, "data": {"amount": 1}}, format="json")
    again = client.post(URL, {**body, "data": {"amount": 2}}, format="json")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == first.json()  # as first sent
    assert OutboxEvent.objects.count() == 1
    without_key = client.post(URL, {"customer": customer.pk, "event_type": "purchase"})
    assert without_key.status_code == 202 and OutboxEvent.objects.count() == 2


def test_occurred_at_defaults_to_now(api, admin_a, customer):
    before = timezone.now()
    response = api(admin_a).post(URL, {"customer": customer.pk, "event_type": "visit"})
    assert response.status_code == 202
    assert before <= OutboxEvent.objects.get().occurred_at <= timezone.now()


def test_agents_may_not_record_or_read_events(api, agent_a, customer):
    client = api(agent_a)
    assert client.post(URL, {"customer": customer.pk, "event_type": "x"}).status_code == 403
    assert client.get(URL).status_code == 403
    assert not OutboxEvent.objects.exists()


def test_another_tenants_customer_is_a_400_and_nothing_is_written(api, admin_a, tenant_b):
    theirs = CustomerFactory(tenant=tenant_b)
    response = api(admin_a).post(URL, {"customer": theirs.pk, "event_type": "purchase"})
    assert response.status_code == 400
    assert "customer" in response.json()
    missing = api(admin_a).post(URL, {"customer": 10**9, "event_type": "purchase"})
    assert missing.status_code == 400 and "customer" in missing.json()
    assert not OutboxEvent.objects.exists()


def nested(levels: int) -> dict:
    data: dict = {}
    for _ in range(levels - 1):
        data = {"x": data}
    return data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_type": "tag_added"}, "event_type"),  # Atrium's own
        ({"event_type": "customer_created"}, "event_type"),
        ({"event_type": "Not a slug"}, "event_type"),
        ({"event_type": ""}, "event_type"),
        ({"event_type": "x" * 65}, "event_type"),
        ({"event_type": "pur\x00chase"}, "event_type"),
        ({"data": ["a list"]}, "data"),
        ({"data": "text"}, "data"),
        ({"data": nested(11)}, "data"),
        ({"data": {"big": "x" * 70_000}}, "data"),
        ({"data": {"n": 2**64}}, "data"),
        ({"data": {"t": "a\x00b"}}, "data"),
        ({"data": {"a\x00": 1}}, "data"),
        ({"event_id": "x" * 201}, "event_id"),
        ({"event_id": "a\x00b"}, "event_id"),
        ({"occurred_at": "2999-01-01T00:00:00+00:00"}, "occurred_at"),
        ({"occurred_at": "9999-12-31T23:59:59-12:00"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"customer": "abc"}, "customer"),
        ({"customer": 2**63}, "customer"),
        ({"customer": None}, "customer"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, admin_a, customer, change, field):
    body = {"customer": customer.pk, "event_type": "purchase", **change}
    response = api(admin_a).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not OutboxEvent.objects.exists()


def test_huge_numbers_and_deep_json_in_the_raw_body(api, admin_a, customer):
    client = api(admin_a)
    raw = f'{{"customer": {customer.pk}, "event_type": "purchase", "data": {{"n": 1e400}}}}'
    response = client.generic("POST", URL, raw, content_type="application/json")
    assert response.status_code == 400 and "data" in response.json()
    deep = "[" * 10_000 + "]" * 10_000
    response = client.generic("POST", URL, deep, content_type="application/json")
    assert response.status_code == 400
    assert not OutboxEvent.objects.exists()


def test_an_occurred_at_a_few_minutes_ahead_is_accepted(api, admin_a, customer):
    """Senders' clocks run a little fast: up to five minutes ahead is fine."""
    soon = (timezone.now() + datetime.timedelta(minutes=2)).isoformat()
    body = {"customer": customer.pk, "event_type": "purchase", "occurred_at": soon}
    assert api(admin_a).post(URL, body, format="json").status_code == 202


def test_the_list_shows_the_tenants_events_with_filters(api, admin_a, customer, tenant_b):
    other = CustomerFactory(tenant=customer.tenant)
    bought = emit(tenant=customer.tenant, event_type="purchase", customer_id=customer.pk)
    tagged = emit(tenant=customer.tenant, event_type="tag_added", customer_id=other.pk)
    OutboxEvent.objects.filter(pk=tagged.pk).update(status=EventStatus.PROCESSED)
    emit(tenant=tenant_b, event_type="purchase", customer_id=customer.pk)  # not ours
    client = api(admin_a)

    def ids(**params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [tagged.pk, bought.pk]
    assert ids(event_type="purchase") == [bought.pk]
    assert ids(customer=other.pk) == [tagged.pk]
    assert ids(status="processed") == [tagged.pk]
    assert ids(status="pending") == [bought.pk]
    assert ids(ordering="id") == [bought.pk, tagged.pk]
    assert client.get(URL, {"status": "lost"}).status_code == 400
    assert client.get(URL, {"ordering": "data"}).status_code == 400


def test_an_event_is_read_by_id_and_another_tenants_is_404(api, admin_a, customer, tenant_b):
    ours = emit(tenant=customer.tenant, event_type="purchase", customer_id=customer.pk)
    theirs = emit(tenant=tenant_b, event_type="purchase", customer_id=1)
    client = api(admin_a)
    response = client.get(f"{URL}{ours.pk}/")
    assert response.status_code == 200
    assert response.json()["status"] == "pending" and response.json()["attempts"] == 0
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(f"{URL}{2**70}/").status_code == 404
    assert "last_error" not in json.dumps(response.json())


def test_events_cannot_be_changed_or_deleted(api, admin_a, customer):
    event = emit(tenant=customer.tenant, event_type="purchase", customer_id=customer.pk)
    client = api(admin_a)
    assert client.patch(f"{URL}{event.pk}/", {"event_type": "x"}).status_code == 405
    assert client.delete(f"{URL}{event.pk}/").status_code == 405
    assert OutboxEvent.objects.filter(pk=event.pk).exists()
