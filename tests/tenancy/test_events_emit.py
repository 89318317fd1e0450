"""Emitting events into the outbox (tenancy.events): in the caller's transaction, one INSERT,
the same event_id once, data kept JSON-safe and bounded."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Customer
from tenancy.events import EventSpec, emit, emit_for, emit_many
from tenancy.models import EventStatus, OutboxEvent
from tests.factories import CustomerFactory


def test_an_event_is_recorded_pending_with_its_values(tenant_a):
    at = timezone.now() - datetime.timedelta(hours=2)
    event = emit(
        tenant=tenant_a,
        event_type="purchase",
        customer_id=7,
        data={"amount": 12},
        occurred_at=at,
    )
    stored = OutboxEvent.objects.get(pk=event.pk)
    assert event.is_new
    assert (stored.tenant_id, stored.event_type, stored.customer_id) == (tenant_a.pk, "purchase", 7)
    assert stored.data == {"amount": 12}
    assert stored.occurred_at == at
    assert stored.status == EventStatus.PENDING and stored.attempts == 0
    assert stored.available_at <= timezone.now()


def test_emit_is_one_insert(tenant_a):
    with CaptureQueriesContext(connection) as queries:
        emit(tenant=tenant_a, event_type="tag_added", customer_id=1, data={"tag": "vip"})
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SAVEPOINT")]
    writes = [sql for sql in writes if not sql.startswith("RELEASE")]
    assert len(writes) == 1 and writes[0].startswith("INSERT"), writes


def test_a_rolled_back_change_emits_nothing(tenant_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        emit(tenant=tenant_a, event_type="tag_added", customer_id=1)
        emit_many(tenant=tenant_a, events=[EventSpec("tag_removed", customer_id=2)] * 3)
        raise RuntimeError("the change fails")
    assert not OutboxEvent.objects.exists()


def test_the_same_event_id_twice_is_one_event(tenant_a, tenant_b):
    first = emit(tenant=tenant_a, event_type="purchase", customer_id=1, event_id="order-9")
    again = emit(
        tenant=tenant_a, event_type="purchase", customer_id=1, event_id="order-9", data={"x": 1}
    )
    assert first.is_new and not again.is_new
    assert again.pk == first.pk and again.data == {}  # the event as first sent
    other = emit(tenant=tenant_b, event_type="purchase", customer_id=2, event_id="order-9")
    assert other.is_new and other.pk != first.pk  # keys are per tenant
    assert OutboxEvent.objects.filter(event_id="order-9").count() == 2


def test_a_repeat_inside_a_transaction_keeps_the_transaction_usable(tenant_a):
    with transaction.atomic():
        emit(tenant=tenant_a, event_type="purchase", event_id="k")
        emit(tenant=tenant_a, event_type="purchase", event_id="k")
        emit(tenant=tenant_a, event_type="purchase", event_id="k2")
    assert OutboxEvent.objects.count() == 2


def test_emit_many_is_one_statement_and_skips_known_event_ids(tenant_a):
    emit(tenant=tenant_a, event_type="purchase", event_id="known")
    specs = [EventSpec("tag_added", customer_id=n, data={"n": n}) for n in range(1, 301)]
    specs.append(EventSpec("purchase", event_id="known"))
    with CaptureQueriesContext(connection) as queries:
        emit_many(tenant=tenant_a, events=specs)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    # SQLite caps a statement's parameters (999): Django splits the rows there.
    assert len(inserts) == 1 if connection.vendor == "postgresql" else len(inserts) <= 4
    assert len(queries.captured_queries) == len(inserts)
    assert OutboxEvent.objects.filter(event_type="tag_added").count() == 300
    assert OutboxEvent.objects.filter(event_id="known").count() == 1


def test_emit_many_validates_all_before_writing(tenant_a):
    specs = [EventSpec("tag_added", customer_id=1), EventSpec("Bad Type!", customer_id=2)]
    with pytest.raises(ValidationError) as refused:
        emit_many(tenant=tenant_a, events=specs)
    assert "event_type" in refused.value.message_dict
    assert not OutboxEvent.objects.exists()


def test_emit_for_writes_one_event_per_customer_in_one_statement(tenant_a, tenant_b):
    ours = CustomerFactory.create_batch(3, tenant=tenant_a)
    CustomerFactory(tenant=tenant_b)
    with CaptureQueriesContext(connection) as queries:
        count = emit_for(
            tenant=tenant_a,
            event_type="segment_entered",
            customers=Customer.objects.all(),  # the tenant narrows it: B's stays out
            data={"segment": 4},
        )
    assert count == 3
    assert len([q for q in queries.captured_queries if q["sql"].startswith("INSERT")]) == 1
    rows = OutboxEvent.objects.order_by("customer_id")
    assert [e.customer_id for e in rows] == sorted(c.pk for c in ours)
    assert {(e.tenant_id, e.event_type, e.status) for e in rows} == {
        (tenant_a.pk, "segment_entered", "pending")
    }
    assert all(e.data == {"segment": 4} for e in rows)


def test_data_is_made_json_safe(tenant_a):
    event = emit(
        tenant=tenant_a,
        event_type="purchase",
        data={
            "on": datetime.date(2024, 5, 1),
            "at": datetime.datetime(2024, 5, 1, 10, 0, tzinfo=datetime.UTC),
            "amount": Decimal("12.50"),
            "count": Decimal("3"),
            "tags": ("a", "b"),
        },
    )
    assert OutboxEvent.objects.get(pk=event.pk).data == {
        "on": "2024-05-01",
        "at": "2024-05-01T10:00:00+00:00",
        "amount": 12.5,
        "count": 3,
        "tags": ["a", "b"],
    }


def deep(levels: int) -> dict:
    data: dict = {}
    for _ in range(levels - 1):
        data = {"x": data}
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"blob": "x" * (64 * 1024)}, "At most 64 KB"),
        (deep(11), "deeper than 10"),
        ({"n": 2**64}, "64 bits"),
        ({"n": float("inf")}, "finite"),
        ({"text": "a\x00b"}, "Null characters"),
        ({"a\x00": 1}, "Null characters"),
        ({1: "x"}, "Names must be text"),
        ({"thing": object()}, "cannot be stored"),
        (["not", "an", "object"], "Give an object"),
    ],
)
def test_bad_data_is_refused(tenant_a, data, message):
    with pytest.raises(ValidationError) as refused:
        emit(tenant=tenant_a, event_type="purchase", data=data)
    assert message in " ".join(refused.value.message_dict["data"])
    assert not OutboxEvent.objects.exists()


def test_data_at_the_limits_is_accepted(tenant_a):
    emit(tenant=tenant_a, event_type="purchase", data=deep(10))
    emit(tenant=tenant_a, event_type="purchase", data={"blob": "x" * (63 * 1024)})
    assert OutboxEvent.objects.count() == 2


@pytest.mark.parametrize("event_type", ["", "Has Space", "x" * 65, "semi;colon", "ümlaut"])
def test_bad_event_types_are_refused(tenant_a, event_type):
    with pytest.raises(ValidationError) as refused:
        emit(tenant=tenant_a, event_type=event_type)
    assert "event_type" in refused.value.message_dict


def test_event_types_are_kept_lower_case(tenant_a):
    assert emit(tenant=tenant_a, event_type=" Order_Shipped ").event_type == "order_shipped"


@pytest.mark.django_db(transaction=True)
def test_the_same_event_id_in_two_concurrent_transactions_is_one_event(tenant_a):
    """Two transactions send the same key at once: the second's INSERT waits for the first to
    commit and then answers the first's row (PostgreSQL; SQLite has one writer at a time)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    inserted = threading.Event()
    results: dict = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = emit(tenant=tenant_a, event_type="purchase", event_id="dup")
                inserted.set()
                # hold the transaction open while the second one tries the same key
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_sleep(0.5)")
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    assert inserted.wait(30)
    results["second"] = emit(tenant=tenant_a, event_type="purchase", event_id="dup")
    thread.join()
    assert results["first"].is_new and not results["second"].is_new
    assert results["second"].pk == results["first"].pk
    assert OutboxEvent.objects.filter(event_id="dup").count() == 1
