"""A consumer that loses a deadlock to another worker (two batches writing the same customers
in different orders: PostgreSQL aborts one) runs again on the whole batch at once, its first
try's writes undone — not counted as the events' failure, not sent round event by event."""

import psycopg
import pytest
from django.db import OperationalError

from tenancy.events import emit, process_events, register_consumer, unregister_consumer
from tenancy.events.processing import TRANSIENT_RETRIES
from tenancy.models import EventStatus, OutboxEvent

pytestmark = pytest.mark.django_db


def deadlock() -> OperationalError:
    """What Django raises when PostgreSQL picks this transaction as a deadlock's victim."""
    try:
        try:
            raise psycopg.errors.DeadlockDetected("deadlock detected")
        except psycopg.Error as exc:
            raise OperationalError("deadlock detected") from exc
    except OperationalError as error:
        return error


class Loser:
    """Writes (an event of its own), then loses `times` deadlocks before going through."""

    def __init__(self, times):
        self.times = times
        self.calls: list[list[int]] = []

    def __call__(self, *, tenant, events):
        self.calls.append([event.pk for event in events])
        emit(tenant=tenant, event_type="written", customer_id=1)
        if len(self.calls) <= self.times:
            raise deadlock()


@pytest.fixture
def loser():
    made = []

    def register(times):
        consumer = Loser(times)
        register_consumer("loser", consumer, event_types={"purchase"})
        made.append("loser")
        return consumer

    yield register
    for name in made:
        unregister_consumer(name)


def test_a_lost_deadlock_runs_the_whole_batch_again(tenant_a, loser):
    consumer = loser(times=1)
    first = emit(tenant=tenant_a, event_type="purchase", customer_id=1)
    second = emit(tenant=tenant_a, event_type="purchase", customer_id=2)
    result = process_events(batch_size=10)
    assert (result.processed, result.retried, result.failed) == (2, 0, 0)
    assert consumer.calls == [[first.pk, second.pk]] * 2  # the batch again, not one by one
    assert OutboxEvent.objects.filter(event_type="written").count() == 1  # first try undone
    for event in OutboxEvent.objects.filter(event_type="purchase"):
        assert (event.status, event.attempts, event.last_error) == (EventStatus.PROCESSED, 1, "")


def test_deadlocks_without_end_count_as_a_failure(tenant_a, loser):
    consumer = loser(times=100)
    emit(tenant=tenant_a, event_type="purchase", customer_id=1)
    result = process_events(batch_size=10)
    assert (result.processed, result.retried) == (0, 1)
    assert len(consumer.calls) == TRANSIENT_RETRIES + 1
    event = OutboxEvent.objects.get(event_type="purchase")
    assert event.status == EventStatus.PENDING and "OperationalError" in event.last_error
    assert not OutboxEvent.objects.filter(event_type="written").exists()
