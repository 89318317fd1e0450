"""An import run outside a caller's transaction (a worker, the command line) on PostgreSQL
writes each batch in a thread of its own while the next batch is read and checked: the same
rows, counts, errors, events and links as the batches written one after the other; a failure
in the writer ends the job failed with nothing of the failed batch kept. (On SQLite the run is
serial, and these tests hold the serial path to the same results.)"""

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import pytest
from django.db import connection

from crm.models import Customer, CustomerTag, ImportJob, ImportRowError
from crm.services.imports import import_run, import_start, pipeline
from crm.services.imports.customer_writer import CustomerWriter
from tenancy.models import OutboxEvent

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = (
    "first_name,email,company,tags\n"
    + "".join(f"P{n},p{n % 3}@example.com,C{n},t{n % 2}\n" for n in range(7))
    + "Bad,not-an-email,X,\n"
)


def start(tenant, by, text, **options):
    return import_start(
        tenant=tenant,
        by=by,
        kind="customers",
        file=text.encode(),
        filename="people.csv",
        start_run=False,
        **options,
    )


@pytest.fixture
def writers(monkeypatch):
    """The names of the threads that wrote the batches."""
    names: list[str] = []
    original = pipeline._write_batch

    def spy(*args, **kwargs):
        names.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_write_batch", spy)
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 2)
    return names


def test_batches_written_beside_the_reading_give_the_serial_result(
    tenant_a, manager_a, writers, monkeypatch
):
    job = start(tenant_a, manager_a, ROWS, on_duplicate="update", tags=["fair"])
    assert import_run(job_id=job.pk) == "done"
    overlapped = connection.vendor == "postgresql"
    assert len(writers) == 4
    assert all(name.startswith("import-writer") == overlapped for name in writers)

    job = ImportJob.objects.get(pk=job.pk)
    assert (job.created, job.updated, job.skipped, job.error_count) == (3, 4, 0, 1)
    assert job.processed_rows == job.total_rows == 8
    # Repeats across batches found the ids written by the batch before: three customers,
    # each with its last row's company.
    assert sorted(Customer.objects.values_list("email", "company")) == [
        ("p0@example.com", "C6"),
        ("p1@example.com", "C4"),
        ("p2@example.com", "C5"),
    ]
    (error,) = ImportRowError.objects.filter(job=job)
    assert (error.row, error.column, error.cells) == (9, "email", ["Bad", "not-an-email", "X", ""])
    tags = sorted(CustomerTag.objects.values_list("customer__email", "tag__name"))
    assert tags == [
        ("p0@example.com", "fair"),
        ("p0@example.com", "t0"),
        ("p0@example.com", "t1"),
        ("p1@example.com", "fair"),
        ("p1@example.com", "t0"),
        ("p1@example.com", "t1"),
        ("p2@example.com", "fair"),
        ("p2@example.com", "t0"),
        ("p2@example.com", "t1"),
    ]
    created = OutboxEvent.objects.filter(tenant=tenant_a, event_type="customer_created")
    assert sorted(created.values_list("customer_id", flat=True)) == sorted(
        Customer.objects.values_list("pk", flat=True)
    )
    assert {e.data["import"] for e in created} == {job.pk}
    assert OutboxEvent.objects.filter(tenant=tenant_a, event_type="tag_added").count() == 9

    # Run again serially over the same file: the same outcome.
    monkeypatch.setattr(pipeline, "WRITER_THREAD", False)
    Customer.objects.all().delete()
    again = start(tenant_a, manager_a, ROWS, on_duplicate="update", tags=["fair"])
    assert import_run(job_id=again.pk) == "done"
    again = ImportJob.objects.get(pk=again.pk)
    assert (again.created, again.updated, again.skipped, again.error_count) == (3, 4, 0, 1)
    assert sorted(Customer.objects.values_list("email", "company")) == [
        ("p0@example.com", "C6"),
        ("p1@example.com", "C4"),
        ("p2@example.com", "C5"),
    ]


def test_a_failing_batch_ends_the_job_failed_and_keeps_the_batches_before(
    tenant_a, manager_a, writers, monkeypatch
):
    original = CustomerWriter.write
    calls = []

    def fails_second(self, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return original(self, **kwargs)

    monkeypatch.setattr(CustomerWriter, "write", fails_second)
    threads_before = threading.active_count()
    text = "first_name,email\n" + "".join(f"P{n},p{n}@example.com\n" for n in range(6))
    job = start(tenant_a, manager_a, text)
    assert import_run(job_id=job.pk) == "failed"

    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == "failed" and job.failure and job.finished_at
    # The first batch is in; the second rolled back whole; the third never ran.
    assert sorted(Customer.objects.values_list("email", flat=True)) == [
        "p0@example.com",
        "p1@example.com",
    ]
    assert (job.created, job.processed_rows) == (2, 2)
    assert len(calls) == 2
    assert threading.active_count() == threads_before  # the writer thread is gone


def test_a_batch_failing_after_its_customers_went_in_leaves_none_of_them(
    tenant_a, manager_a, writers, monkeypatch
):
    """The second batch fails after its customers' insert (at its events): its customers,
    links and events go with it; the first batch stays whole, the third is never written."""
    from crm.services.imports import copying

    original = copying.copy_events
    calls = []

    def fails_second_batch(**kwargs):
        if kwargs["event_type"] == "customer_created":
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("outbox full")
        return original(**kwargs)

    monkeypatch.setattr(copying, "copy_events", fails_second_batch)
    text = "first_name,email,tags\n" + "".join(f"P{n},p{n}@example.com,t\n" for n in range(6))
    job = start(tenant_a, manager_a, text)
    assert import_run(job_id=job.pk) == "failed"

    job = ImportJob.objects.get(pk=job.pk)
    kept = ["p0@example.com", "p1@example.com"]
    assert sorted(Customer.objects.values_list("email", flat=True)) == kept
    assert (job.created, job.processed_rows) == (2, 2)
    assert sorted(CustomerTag.objects.values_list("customer__email", flat=True)) == kept
    customers = set(Customer.objects.values_list("pk", flat=True))
    events = OutboxEvent.objects.filter(tenant=tenant_a)
    assert set(events.values_list("customer_id", flat=True)) == customers
    assert events.count() == 4  # customer_created and tag_added of the two kept


NEW_ONLY = "first_name,email,tags\n" + "".join(f"P{n},p{n}@example.com,t\n" for n in range(6))


def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the run is serial on SQLite (no writer threads)")


class WrittenThen(Future):
    """A batch's `written` that, once given its result (the rows are in, not committed yet),
    runs `then` in the writing thread, before the commit."""

    def __init__(self, real: Future, then):
        super().__init__()
        self.real, self.then = real, then

    def set_result(self, result):
        self.real.set_result(result)
        self.then()


@dataclass
class FirstBatch:
    then: Callable[[], None] = lambda: None
    log: list[str] = field(default_factory=list)
    began_second: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def first_batch(monkeypatch):
    """Batches of two rows; `first_batch.then` runs once the first batch's rows are in.
    `first_batch.log` has each batch's "N begins" and "N done" in the order they came."""
    on_postgresql()
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 2)
    original = pipeline._write_batch
    numbers = iter(range(100))
    hook = FirstBatch()

    def spy(run, batch, progress, *, after=None, written=None):
        number = next(numbers)
        hook.log.append(f"{number} begins")
        if number == 1:
            hook.began_second.set()
        if number == 0:
            written = WrittenThen(written, hook.then)
        original(run, batch, progress, after=after, written=written)
        hook.log.append(f"{number} done")

    monkeypatch.setattr(pipeline, "_write_batch", spy)
    return hook


def test_a_batch_of_new_customers_is_written_while_the_one_before_commits(
    tenant_a, manager_a, first_batch
):
    """The second batch (new customers only) starts while the first has not committed yet,
    and still commits after it: the first batch is held at its commit until the second began."""

    def hold():
        assert first_batch.began_second.wait(timeout=60), "the second batch did not start"
        first_batch.log.append("0 commits")

    first_batch.then = hold
    job = start(tenant_a, manager_a, NEW_ONLY)
    assert import_run(job_id=job.pk) == "done"

    log = first_batch.log
    assert log.index("1 begins") < log.index("0 commits") < log.index("0 done")
    assert log.index("0 done") < log.index("1 done") < log.index("2 done")
    job = ImportJob.objects.get(pk=job.pk)
    assert (job.created, job.processed_rows, job.total_rows) == (6, 6, 6)
    assert Customer.objects.count() == 6
    assert CustomerTag.objects.count() == 6
    assert OutboxEvent.objects.filter(event_type="customer_created").count() == 6


def test_a_batch_failing_at_its_commit_takes_the_batches_written_beside_it(
    tenant_a, manager_a, first_batch
):
    """The first batch fails after its rows are in (as a foreign key checked at the commit
    would): the batch already written beside it rolls back too, so no later batch stays
    without the ones before it, and the third is never written."""

    def fail():
        raise RuntimeError("a key checked at the commit")

    first_batch.then = fail
    job = start(tenant_a, manager_a, NEW_ONLY)
    assert import_run(job_id=job.pk) == "failed"

    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == "failed" and job.failure
    # the second batch was written beside the first, the third never
    assert [line for line in first_batch.log if "begins" in line] == ["0 begins", "1 begins"]
    assert not Customer.objects.exists()
    assert not CustomerTag.objects.exists()
    assert not OutboxEvent.objects.filter(tenant=tenant_a).exists()
    assert (job.created, job.processed_rows) == (0, 0)
