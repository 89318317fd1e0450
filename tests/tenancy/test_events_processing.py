"""Processing the outbox (tenancy.events.process_events): consumers get each tenant's batch,
events are marked in the same transaction, failures retry with backoff and then fail, two
connections share events with SKIP LOCKED, processed events are purged, and without a broker
the events of a commit are processed in-process right after it."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction
from django.utils import timezone

from tenancy.actors import OPERATOR
from tenancy.events import (
    EventSpec,
    drain,
    emit,
    emit_many,
    events_retry,
    process_events,
    purge_processed,
    register_consumer,
    retry_delay,
    unregister_consumer,
    wakeup,
)
from tenancy.models import EventStatus, OutboxEvent


class Recorder:
    """A consumer that records what it was handed; `fail_on` event types make it raise."""

    def __init__(self, fail_on=()):
        self.calls: list[tuple[int, list[int]]] = []
        self.fail_on = set(fail_on)

    def __call__(self, *, tenant, events):
        self.calls.append((tenant.pk, [event.pk for event in events]))
        bad = [event for event in events if event.event_type in self.fail_on]
        if bad:
            raise ValueError(f"cannot handle {bad[0].event_type}")

    @property
    def handled(self) -> list[int]:
        return sorted(pk for _, pks in self.calls for pk in pks)


@pytest.fixture
def consumer():
    made = []

    def register(name="test", *, event_types=None, **kwargs):
        recorder = Recorder(**kwargs)
        register_consumer(name, recorder, event_types=event_types)
        made.append(name)
        return recorder

    yield register
    for name in made:
        unregister_consumer(name)


def statuses() -> dict[int, str]:
    return dict(OutboxEvent.objects.values_list("pk", "status"))


def test_consumers_get_each_tenants_batch_and_the_events_are_marked(tenant_a, tenant_b, consumer):
    recorder = consumer()
    a1 = emit(tenant=tenant_a, event_type="tag_added", customer_id=1)
    b1 = emit(tenant=tenant_b, event_type="tag_added", customer_id=2)
    a2 = emit(tenant=tenant_a, event_type="purchase", customer_id=1)
    result = process_events(batch_size=10)
    assert (result.claimed, result.processed, result.retried, result.failed) == (3, 3, 0, 0)
    assert sorted(recorder.calls) == sorted([(tenant_a.pk, [a1.pk, a2.pk]), (tenant_b.pk, [b1.pk])])
    for event in OutboxEvent.objects.all():
        assert event.status == EventStatus.PROCESSED
        assert event.attempts == 1 and event.processed_at is not None
    assert process_events(batch_size=10).claimed == 0  # nothing is handed over twice
    assert len(recorder.calls) == 2


def test_a_consumer_gets_only_the_event_types_it_asked_for(tenant_a, consumer):
    purchases = consumer("purchases", event_types={"purchase"})
    everything = consumer("everything")
    tag = emit(tenant=tenant_a, event_type="tag_added")
    buy = emit(tenant=tenant_a, event_type="purchase")
    process_events()
    assert purchases.handled == [buy.pk]
    assert everything.handled == sorted([tag.pk, buy.pk])


def test_events_are_taken_oldest_first_in_batches(tenant_a, consumer):
    recorder = consumer()
    emit_many(tenant=tenant_a, events=[EventSpec("tag_added", customer_id=n) for n in range(1, 6)])
    ids = sorted(statuses())
    assert process_events(batch_size=2).claimed == 2
    assert recorder.handled == ids[:2]
    assert drain(batch_size=2) == 3
    assert recorder.handled == ids


def test_events_not_yet_due_wait(tenant_a, consumer):
    recorder = consumer()
    event = emit(tenant=tenant_a, event_type="tag_added")
    OutboxEvent.objects.filter(pk=event.pk).update(
        available_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert process_events().claimed == 0 and recorder.calls == []


def test_a_failing_event_is_retried_with_backoff_and_does_not_hold_back_its_batch(
    tenant_a, consumer, settings
):
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    settings.OUTBOX_MAX_ATTEMPTS = 3
    recorder = consumer(fail_on={"poison"})
    good = emit(tenant=tenant_a, event_type="tag_added")
    bad = emit(tenant=tenant_a, event_type="poison")
    before = timezone.now()
    result = process_events()
    assert (result.processed, result.retried, result.failed) == (1, 1, 0)
    # the batch failed, then each event was tried alone
    assert recorder.calls == [
        (tenant_a.pk, [good.pk, bad.pk]),
        (tenant_a.pk, [good.pk]),
        (tenant_a.pk, [bad.pk]),
    ]
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == EventStatus.PROCESSED
    assert bad.status == EventStatus.PENDING and bad.attempts == 1
    assert bad.last_error == "test: ValueError: cannot handle poison"
    assert before + datetime.timedelta(seconds=30) <= bad.available_at
    assert bad.available_at <= timezone.now() + datetime.timedelta(seconds=30)
    assert process_events().claimed == 0  # not before its time

    # second try: the backoff doubles
    OutboxEvent.objects.filter(pk=bad.pk).update(available_at=timezone.now())
    process_events()
    bad.refresh_from_db()
    assert bad.attempts == 2 and bad.status == EventStatus.PENDING
    assert bad.available_at >= timezone.now() + datetime.timedelta(seconds=55)

    # third try: out of tries, failed with the error
    OutboxEvent.objects.filter(pk=bad.pk).update(available_at=timezone.now())
    result = process_events()
    bad.refresh_from_db()
    assert result.failed == 1
    assert bad.status == EventStatus.FAILED and bad.attempts == 3
    assert "cannot handle poison" in bad.last_error
    assert process_events().claimed == 0


def test_the_backoff_doubles_up_to_its_cap(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 10
    settings.OUTBOX_RETRY_MAX_SECONDS = 60
    assert [retry_delay(n).total_seconds() for n in range(1, 6)] == [10, 20, 40, 60, 60]


def test_a_failed_consumers_writes_are_undone_and_the_others_kept(tenant_a, tenant_b, consumer):
    """A consumer runs in a savepoint: what it wrote before raising is rolled back, what the
    other consumer wrote for the same events stays."""

    def writes_then_fails(*, tenant, events):
        emit(tenant=tenant, event_type="side_effect_of_failure")
        raise RuntimeError("boom")

    def writes(*, tenant, events):
        emit(tenant=tenant, event_type="side_effect")

    register_consumer("fails", writes_then_fails, event_types={"tag_added"})
    register_consumer("works", writes, event_types={"tag_added"})
    try:
        emit(tenant=tenant_a, event_type="tag_added")
        process_events()
    finally:
        unregister_consumer("fails")
        unregister_consumer("works")
    types = sorted(OutboxEvent.objects.values_list("event_type", flat=True))
    assert types == ["side_effect", "tag_added"]


def test_events_without_consumers_are_marked_processed(tenant_a):
    emit(tenant=tenant_a, event_type="tag_added")
    assert process_events().processed == 1
    assert set(statuses().values()) == {"processed"}


def test_purge_deletes_old_processed_events_only(tenant_a, settings):
    settings.OUTBOX_KEEP_DAYS = 7
    old = timezone.now() - datetime.timedelta(days=8)
    recent = timezone.now() - datetime.timedelta(days=6)
    rows = {}
    for name, state, processed_at in [
        ("old", EventStatus.PROCESSED, old),
        ("recent", EventStatus.PROCESSED, recent),
        ("failed", EventStatus.FAILED, None),
        ("waiting", EventStatus.PENDING, None),
    ]:
        event = emit(tenant=tenant_a, event_type=f"kind_{name}")
        OutboxEvent.objects.filter(pk=event.pk).update(status=state, processed_at=processed_at)
        rows[name] = event.pk
    assert purge_processed(chunk=1) == 1
    assert set(OutboxEvent.objects.values_list("event_type", flat=True)) == {
        "kind_recent",
        "kind_failed",
        "kind_waiting",
    }


def test_retry_gives_failed_events_another_round(tenant_a, tenant_b, admin_a, manager_a):
    mine = emit(tenant=tenant_a, event_type="tag_added")
    waiting = emit(tenant=tenant_a, event_type="tag_added")
    theirs = emit(tenant=tenant_b, event_type="tag_added")
    OutboxEvent.objects.filter(pk__in=[mine.pk, theirs.pk]).update(
        status=EventStatus.FAILED, attempts=8, last_error="x: boom"
    )
    with pytest.raises(PermissionDenied):
        events_retry(tenant=tenant_a, by=manager_a, event_ids=[mine.pk])
    ids = [mine.pk, waiting.pk, theirs.pk]
    assert events_retry(tenant=tenant_a, by=admin_a, event_ids=ids) == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, mine.attempts) == (EventStatus.PENDING, 0)
    assert theirs.status == EventStatus.FAILED  # another tenant's is not touched
    assert process_events().processed == 2
    mine.refresh_from_db()
    assert mine.status == EventStatus.PROCESSED and mine.last_error == ""
    assert events_retry(tenant=tenant_b, by=OPERATOR, event_ids=[theirs.pk]) == 1


def test_without_a_broker_a_commit_processes_its_events_once(
    tenant_a, consumer, django_capture_on_commit_callbacks
):
    recorder = consumer()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for n in range(1, 51):
                emit(tenant=tenant_a, event_type="tag_added", customer_id=n)
            emit_many(tenant=tenant_a, events=[EventSpec("tag_removed", customer_id=1)])
    assert len(callbacks) == 1  # one wake-up per transaction, not one per event
    assert len(recorder.handled) == 51
    assert set(statuses().values()) == {"processed"}


def test_a_consumers_own_events_are_taken_by_the_same_drain(
    tenant_a, django_capture_on_commit_callbacks
):
    seen = []

    def chain(*, tenant, events):
        for event in events:
            seen.append(event.event_type)
            if event.event_type == "first":
                emit(tenant=tenant, event_type="second")

    register_consumer("chain", chain)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            emit(tenant=tenant_a, event_type="first")
    finally:
        unregister_consumer("chain")
    assert seen == ["first", "second"]
    assert set(statuses().values()) == {"processed"}


def test_with_a_broker_commits_queue_one_drain_per_window(
    tenant_a, django_capture_on_commit_callbacks, monkeypatch
):
    """With a broker, the first commit's wake-up queues a drain; the next ones, inside the
    window, find the shared flag set and queue nothing (Celery's sending is the edge)."""
    from tenancy.tasks import process_events_task

    queued = []
    monkeypatch.setattr(process_events_task.app.conf, "task_always_eager", False)
    monkeypatch.setattr(process_events_task, "apply_async", lambda **kwargs: queued.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(20):
            with transaction.atomic():
                emit(tenant=tenant_a, event_type="tag_added")
    assert len(queued) == 1 and queued[0]["countdown"] >= 1
    assert set(statuses().values()) == {"pending"}  # left to the workers


@pytest.fixture
def workers_only(monkeypatch):
    """No processing after the commits: the test plays the workers (a transactional test's
    emits commit at once and would be processed in-process)."""
    monkeypatch.setattr(wakeup, "_kick", lambda: None)


@pytest.mark.django_db(transaction=True)
def test_two_connections_share_events_with_skip_locked(tenant_a, workers_only):
    """A worker holding a batch (its consumer still running) does not block another: the second
    takes the next events, never the held ones; each event is handled once."""
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    emit_many(tenant=tenant_a, events=[EventSpec("tag_added", customer_id=n) for n in range(1, 21)])
    holding, release = threading.Event(), threading.Event()
    handled: dict[str, list[int]] = {"held": [], "free": []}

    def handler(*, tenant, events):
        name = "held" if threading.current_thread().name == "held" else "free"
        handled[name].extend(event.pk for event in events)
        if name == "held":
            holding.set()
            assert release.wait(30)

    register_consumer("share", handler)

    def held_worker():
        try:
            process_events(batch_size=10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=held_worker, name="held")
    try:
        thread.start()
        assert holding.wait(30)
        result = process_events(batch_size=10)  # while the first still holds its ten
        assert result.claimed == 10
        assert process_events(batch_size=10).claimed == 0  # only the held ten are left
        release.set()
        thread.join(30)
    finally:
        release.set()
        unregister_consumer("share")
    assert len(handled["held"]) == 10 and len(handled["free"]) == 10
    assert not set(handled["held"]) & set(handled["free"])
    assert set(statuses().values()) == {"processed"}
    assert set(OutboxEvent.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_dies_mid_batch_leaves_its_events_to_the_next(tenant_a, workers_only):
    """The claim, the consumers' writes and the marks are one transaction: a worker whose
    connection goes mid-batch leaves nothing marked and nothing written; another worker takes
    the same events (the process-level test with a real Celery worker is
    test_events_worker.py)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    emit_many(tenant=tenant_a, events=[EventSpec("tag_added", customer_id=n) for n in range(1, 6)])
    calls = []

    def dies(*, tenant, events):
        calls.append([event.pk for event in events])
        emit(tenant=tenant, event_type="written_by_the_dead")
        if len(calls) == 1:
            with connection.cursor() as cursor:  # the server ends this session
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    register_consumer("dies", dies)
    try:

        def dying_worker():
            try:
                process_events()
            except Exception:
                pass
            finally:
                connections.close_all()

        thread = threading.Thread(target=dying_worker)
        thread.start()
        thread.join(30)
        assert statuses() and set(statuses().values()) == {"pending"}
        assert not OutboxEvent.objects.filter(event_type="written_by_the_dead").exists()
        process_events()
    finally:
        unregister_consumer("dies")
    assert calls[1] == calls[0]  # the same events, again
    assert set(
        OutboxEvent.objects.filter(event_type="tag_added").values_list("status", flat=True)
    ) == {"processed"}
    # the consumer's own write of the second round is there (once per event batch)
    assert OutboxEvent.objects.filter(event_type="written_by_the_dead").count() == 1


def test_reentry_guard_is_per_thread():
    assert not getattr(wakeup.local, "draining", False)


@pytest.mark.django_db(transaction=True)
def test_a_worker_stuck_past_its_lease_loses_the_events(tenant_a, workers_only, settings):
    """A worker idle inside its claim for longer than OUTBOX_LEASE_SECONDS loses its session
    (PostgreSQL's idle-in-transaction timeout): its marks are refused, the events stay waiting
    for the next worker."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    settings.OUTBOX_LEASE_SECONDS = 1
    emit(tenant=tenant_a, event_type="tag_added")
    calls = []

    def slow(*, tenant, events):
        calls.append([event.pk for event in events])
        if len(calls) == 1:
            threading.Event().wait(2.5)  # stuck, not talking to the database

    register_consumer("slow", slow)
    outcome = {}

    def stuck_worker():
        try:
            process_events()
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()

    try:
        thread = threading.Thread(target=stuck_worker)
        thread.start()
        thread.join(30)
        assert "error" in outcome  # its session was ended under it
        assert set(statuses().values()) == {"pending"}
        assert process_events().processed == 1
    finally:
        unregister_consumer("slow")
    assert calls[0] == calls[1]


def test_a_worker_out_of_time_hands_the_rest_to_a_fresh_task(tenant_a, monkeypatch):
    from tenancy.tasks import process_events_task

    queued = []
    emit_many(tenant=tenant_a, events=[EventSpec("tag_added", customer_id=n) for n in (1, 2, 3)])
    monkeypatch.setattr(process_events_task.app.conf, "task_always_eager", False)
    monkeypatch.setattr(process_events_task, "apply_async", lambda **kwargs: queued.append(kwargs))
    assert drain(seconds=0, batch_size=1) == 1
    assert queued == [{"countdown": 0}]
    assert list(statuses().values()).count("pending") == 2


def test_beat_runs_the_outbox_and_its_purge(settings):
    from config.celery import app

    app.loader.import_default_modules()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"tenancy.process_events", "tenancy.purge_events"} <= tasks
    assert {"tenancy.process_events", "tenancy.purge_events"} <= set(app.tasks)


def test_events_a_consumer_hands_back_stay_pending_in_their_place(tenant_a):
    """A consumer that cannot take some events now (their customer is another worker's) hands
    them back: not marked, not counted as a try, and first in the next batch."""
    emit_many(tenant=tenant_a, events=[EventSpec("tag_added", customer_id=n) for n in (1, 2, 3)])
    calls: list[list[int]] = []

    def handler(*, tenant, events):
        calls.append([event.pk for event in events])
        return {events[1].pk, 10**9} if len(calls) == 1 else set()  # a pk not handed: ignored

    register_consumer("hands-back", handler)
    try:
        first = process_events(batch_size=10)
        held = calls[0][1]
        assert (first.claimed, first.processed, first.deferred, first.retried) == (3, 2, 1, 0)
        row = OutboxEvent.objects.get(pk=held)
        assert (row.status, row.attempts, row.last_error) == (EventStatus.PENDING, 0, "")
        emit(tenant=tenant_a, event_type="tag_added", customer_id=4)
        second = process_events(batch_size=1)
        assert calls[1] == [held] and (second.processed, second.deferred) == (1, 0)
    finally:
        unregister_consumer("hands-back")
    assert list(statuses().values()).count(EventStatus.PROCESSED) == 3


def test_a_drain_waits_longer_each_time_a_whole_batch_is_handed_back(tenant_a, monkeypatch):
    """A customer held for long (another transaction's) does not make a drain spin: it waits
    50 ms, then twice as long each time (up to a second), and takes the event once it can."""
    emit(tenant=tenant_a, event_type="tag_added", customer_id=1)
    calls: list[int] = []

    def handler(*, tenant, events):
        calls.append(len(events))
        return {event.pk for event in events} if len(calls) <= 3 else set()

    pauses: list[float] = []
    monkeypatch.setattr("tenancy.events.processing.time.sleep", pauses.append)
    register_consumer("busy", handler)
    try:
        assert drain(seconds=30, batch_size=10) == 1
    finally:
        unregister_consumer("busy")
    assert pauses == [0.05, 0.1, 0.2] and calls == [1, 1, 1, 1]
    assert list(statuses().values()) == [EventStatus.PROCESSED]
