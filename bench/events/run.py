"""Issue 16's event outbox (tenancy.events): emit throughput and claim + process throughput.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/atrium_outbench \\
        .venv/bin/python -m bench.events.run [--events 10000] [--backlog 20000] [--batch 500]

Made first, once: the database (bench.lib.createdb), its migrations and the bench tenant.
Every run empties the tenant's outbox before each scenario.

Emitting, 10,000 events (processing after the commit switched off: that is measured apart):
- `emit_many` in one transaction (one multi-row INSERT per 2,000);
- `emit` one by one in one transaction (a set-based service that did not batch);
- `emit` one by one, each in its own transaction (10,000 separate requests);
- with an `event_id` each (the INSERT in a savepoint), one by one in one transaction.

Processing a backlog with a no-op consumer, by 1 and 2 worker processes (each `drain` with
SKIP LOCKED batches), against the naive path, one task per event: each event fetched, locked,
handed over and marked in a transaction of its own (what a Celery task per event does, before
the broker's own cost per message, which is timed too: publishing to Redis, one message per
event)."""

import argparse
import multiprocessing
import os
import sys
import time

from bench.lib.setup import setup_django

DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/atrium_outbench"
TENANT_SLUG = "outbench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def _setup():
    setup_django(default_url=DEFAULT_DATABASE_URL)


def noop(*, tenant, events):
    """The consumer: takes the batch and does nothing (the outbox's own cost is measured)."""


def _tenant():
    from tenancy.models import Tenant

    tenant, _ = Tenant.objects.get_or_create(slug=TENANT_SLUG, defaults={"name": "Outbox bench"})
    return tenant


def _empty():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tenancy_outboxevent")


def _no_kick():
    from tenancy.events import wakeup

    wakeup._kick = lambda: None


# ---------------------------------------------------------------------------------------------
# Emitting


def emit_scenarios(count: int) -> list[tuple[str, float]]:
    from django.db import transaction

    from tenancy.events import EventSpec, emit, emit_many

    tenant = _tenant()
    data = {"amount": 120, "sku": "A-1"}
    results = []

    def timed(label, fn):
        _empty()
        started = time.perf_counter()
        fn()
        seconds = time.perf_counter() - started
        results.append((label, count / seconds))
        print(f"  {label:<52} {count / seconds:>10,.0f} events/s  ({seconds:.2f} s)", flush=True)

    def many():
        with transaction.atomic():
            emit_many(
                tenant=tenant,
                events=[EventSpec("purchase", customer_id=n + 1, data=data) for n in range(count)],
            )

    def one_by_one():
        with transaction.atomic():
            for n in range(count):
                emit(tenant=tenant, event_type="purchase", customer_id=n + 1, data=data)

    def each_committed():
        for n in range(count):
            with transaction.atomic():
                emit(tenant=tenant, event_type="purchase", customer_id=n + 1, data=data)

    def with_keys():
        with transaction.atomic():
            for n in range(count):
                emit(
                    tenant=tenant,
                    event_type="purchase",
                    customer_id=n + 1,
                    data=data,
                    event_id=f"order-{n}",
                )

    timed("emit_many, one transaction", many)
    timed("emit one by one, one transaction", one_by_one)
    timed("emit one by one, a transaction each", each_committed)
    timed("emit with event_id one by one, one transaction", with_keys)
    return results


# ---------------------------------------------------------------------------------------------
# Processing


def _load_backlog(count: int) -> list[int]:
    from django.db import transaction

    from tenancy.events import EventSpec, emit_many
    from tenancy.models import OutboxEvent

    tenant = _tenant()
    _empty()
    with transaction.atomic():
        emit_many(
            tenant=tenant,
            events=[EventSpec("purchase", customer_id=n + 1, data={"n": n}) for n in range(count)],
        )
    return list(OutboxEvent.objects.order_by("pk").values_list("pk", flat=True))


def _outbox_worker(start, batch: int, out):
    _setup()
    from django.db import connection

    from tenancy.events import drain, register_consumer

    register_consumer("noop", noop)
    connection.ensure_connection()
    start.wait()
    out.put(drain(seconds=3600, batch_size=batch))
    connection.close()


def _naive_worker(start, ids: list[int], out):
    """One task per event: each in a transaction of its own."""
    _setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from tenancy.models import EventStatus, OutboxEvent, Tenant

    tenants: dict = {}
    connection.ensure_connection()
    start.wait()
    done = 0
    for pk in ids:
        with transaction.atomic():
            event = OutboxEvent.objects.select_for_update().filter(pk=pk).first()
            if event is None or event.status != EventStatus.PENDING:
                continue
            tenant = tenants.get(event.tenant_id) or Tenant.objects.get(pk=event.tenant_id)
            tenants[event.tenant_id] = tenant
            noop(tenant=tenant, events=[event])
            OutboxEvent.objects.filter(pk=pk).update(
                status=EventStatus.PROCESSED, processed_at=timezone.now(), attempts=1
            )
            done += 1
    out.put(done)
    connection.close()


def _run_workers(target, args_for, processes: int) -> tuple[int, float]:
    from django.db import connection

    connection.close()  # the children open their own
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    children = [
        ctx.Process(target=target, args=(start, *args_for(i), out)) for i in range(processes)
    ]
    for child in children:
        child.start()
    time.sleep(3)  # let them import Django and connect
    began = time.perf_counter()
    start.set()
    total = sum(out.get() for _ in children)
    seconds = time.perf_counter() - began
    for child in children:
        child.join()
    return total, seconds


def process_scenarios(backlog: int, batch: int) -> list[tuple[str, float]]:
    from tenancy.models import EventStatus, OutboxEvent

    results = []
    for processes in (1, 2):
        _load_backlog(backlog)
        total, seconds = _run_workers(_outbox_worker, lambda i: (batch,), processes)
        left = OutboxEvent.objects.exclude(status=EventStatus.PROCESSED).count()
        label = f"outbox drain, batches of {batch}, {processes} worker process(es)"
        results.append((label, total / seconds))
        print(
            f"  {label:<52} {total / seconds:>10,.0f} events/s  ({total:,} in {seconds:.2f} s,"
            f" {left} left)",
            flush=True,
        )
    for processes in (1, 2):
        ids = _load_backlog(backlog)
        shares = [ids[i::processes] for i in range(processes)]
        total, seconds = _run_workers(_naive_worker, lambda i, s=shares: (s[i],), processes)
        label = f"naive: one task per event, {processes} worker process(es)"
        results.append((label, total / seconds))
        print(
            f"  {label:<52} {total / seconds:>10,.0f} events/s  ({total:,} in {seconds:.2f} s)",
            flush=True,
        )
    return results


def broker_publish(count: int) -> list[tuple[str, float]]:
    """The naive path's emitter side: one Celery message per event, published to Redis."""
    try:
        import redis
        from kombu import Connection

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        print("  (Redis is not running: the per-message publishing cost is not measured)")
        return []
    from config.celery import app

    queue = "outbench-naive"
    with Connection(REDIS_URL) as broker:
        producer = app.amqp.Producer(broker)
        started = time.perf_counter()
        for n in range(count):
            app.send_task("tenancy.process_events", args=(n,), producer=producer, queue=queue)
        seconds = time.perf_counter() - started
    redis.Redis.from_url(REDIS_URL).delete(queue)
    label = "naive: publish one Celery message per event (Redis)"
    print(f"  {label:<52} {count / seconds:>10,.0f} msgs/s    ({seconds:.2f} s)", flush=True)
    return [(label, count / seconds)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--backlog", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args(argv)
    _setup()
    from django.core.management import call_command

    from bench.lib.environment import environment
    from bench.lib.setup import database_label

    call_command("migrate", verbosity=0)
    _no_kick()
    print(f"database: {database_label()}")
    print(f"environment: {environment()}")
    print(f"emitting {args.events:,} events")
    emit_scenarios(args.events)
    import warnings

    from celery.exceptions import AlwaysEagerIgnored

    warnings.simplefilter("ignore", AlwaysEagerIgnored)
    broker_publish(args.events)
    print(f"processing a backlog of {args.backlog:,} events (no-op consumer)")
    process_scenarios(args.backlog, args.batch)
    _empty()


if __name__ == "__main__":
    main(sys.argv[1:])
