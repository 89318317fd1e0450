"""Issue 16: what the built-in events cost the writers — the bulk tag edit of 50,000 customers
(bench.segments.run's `bulk` scenario) with crm's emits on and off, side by side, on the same
data (bench.segments.data, tenant seg-00: 200,000 customers in a 1,000,000-customer table).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_segbench \\
        .venv/bin/python -m bench.segments.emits_cost [--iterations 3]

Each iteration tags the 50,000 customers and untags them again, once with the events and once
without (crm.services.emits' tag writers replaced by no-ops), alternating which goes first. The
outbox's processing is left to the workers, as with a broker (the in-process drain after the
commit is switched off): this is the writer's cost, the consumer's is issue 16's own bench
(bench/events). The outbox of the tenant, the tag and its history are emptied after each edit,
so every run starts from the same tables. Prints the outbox's indexes (run it before and after
tenancy's migration 0004 to compare them) and the load average beside each figure."""

import argparse
import os
import sys

from .data import DEFAULT_DATABASE_URL, TENANT_SLUG
from .run import BULK_SIZE, BULK_TAG, Figures, Phases, header


def _outbox_indexes() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'tenancy_outboxevent' "
            "ORDER BY indexname"
        )
        return [row[0] for row in cursor.fetchall()]


def _ids(tenant) -> list[int]:
    from django.db.models import Count, Q

    from crm.models import Customer
    from crm.services.tags import MAX_TAGS

    roomy = (
        Customer.objects.for_tenant(tenant)
        .annotate(n=Count("tags", filter=Q(tags__tenant=tenant)))
        .filter(n__lt=MAX_TAGS)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ids = list(roomy)
    step = max(1, len(ids) // BULK_SIZE)
    return ids[::step][:BULK_SIZE]


# The outbox's indexes before and after tenancy's migration 0004, rebuilt on scratch copies of
# the table for `--only indexes` (the table's own columns, defaults and constraints).
INDEXES = {
    "0003 (5 indexes + tenant key)": [
        "(available_at, id) WHERE status = 'pending'",
        "(processed_at) WHERE status = 'processed'",
        "(tenant_id, customer_id, id)",
        "(tenant_id, event_type, id)",
        "(tenant_id, status, id)",
        "(tenant_id)",
        "UNIQUE (tenant_id, event_id) WHERE event_id IS NOT NULL",
    ],
    "0004 (4 indexes, 1 never written at insert)": [
        "(available_at, id) WHERE status = 'pending'",
        "(processed_at) WHERE status = 'processed'",
        "(tenant_id, customer_id, id)",
        "(tenant_id, id) WHERE status = 'failed'",
        "UNIQUE (tenant_id, event_id) WHERE event_id IS NOT NULL",
    ],
    "no index but the key": [],
}


def indexes(tenant, ids: list[int], *, iterations: int) -> None:
    """The emit's statement alone — an INSERT … SELECT of one event per customer, 10 chunks of
    5,000 as the bulk edit makes them — into scratch copies of the outbox carrying each set of
    indexes, alternating, each copy emptied after every run."""
    import time

    from django.db import connection, transaction

    from bench.lib.timing import load_average, percentile

    from .run import BULK_SIZE

    tables = {}
    with connection.cursor() as cursor:
        for n, (label, specs) in enumerate(INDEXES.items()):
            table = f"bench_outbox_{n}"
            tables[label] = table
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"CREATE TABLE {table} (LIKE tenancy_outboxevent INCLUDING DEFAULTS "
                "INCLUDING CONSTRAINTS INCLUDING IDENTITY)"
            )
            cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id)")
            for i, spec in enumerate(specs):
                unique = spec.startswith("UNIQUE ")
                body = spec.removeprefix("UNIQUE ")
                cursor.execute(
                    f"CREATE {'UNIQUE ' if unique else ''}INDEX {table}_{i} ON {table} {body}"
                )
    chunks = [ids[i : i + 5000] for i in range(0, min(len(ids), BULK_SIZE), 5000)]
    samples: dict[str, list[float]] = {label: [] for label in tables}
    loads = []
    for it in range(iterations):
        order = list(tables.items())
        if it % 2:
            order.reverse()
        for label, table in order:
            with transaction.atomic(), connection.cursor() as cursor:
                started = time.perf_counter()
                for chunk in chunks:
                    cursor.execute(
                        f"INSERT INTO {table} (tenant_id, event_type, customer_id, data, "
                        "occurred_at, recorded_at, available_at, status, attempts, last_error) "
                        "SELECT tenant_id, 'tag_added', id, '{\"tag\": \"bench-bulk\"}'::jsonb, "
                        "now(), now(), now(), 'pending', 0, '' FROM crm_customer "
                        "WHERE tenant_id = %s AND id = ANY(%s)",
                        [tenant.pk, chunk],
                    )
                samples[label].append((time.perf_counter() - started) * 1000)
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table}")
        loads.append(load_average())
    print(f"\nINSERT … SELECT of {sum(map(len, chunks)):,} events in {len(chunks)} statements:")
    base = percentile(samples["no index but the key"], 50)
    for label, ts in samples.items():
        p50 = percentile(ts, 50)
        print(
            f"  {label:<46} p50 {p50:7.0f} ms  p95 {percentile(ts, 95):7.0f} ms  "
            f"n {len(ts)}  ({p50 / base:4.2f}× the key alone)"
        )
    print(f"load average after each round: {loads}")
    with connection.cursor() as cursor:
        for table in tables.values():
            cursor.execute(f"DROP TABLE {table}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--only", default="", help="bulk, indexes (comma list)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib.setup import setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)
    from bench.lib.timing import load_average
    from crm.models import CustomerTagChange, Tag
    from crm.services import emits
    from crm.services.bulk import customers_bulk_update
    from tenancy.events import wakeup
    from tenancy.models import OutboxEvent, Tenant

    from . import definitions

    wakeup.local.draining = True  # the workers' drain, not this process's (as with a broker)
    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    membership = definitions.ensure_manager(tenant)
    ids = _ids(tenant)
    print(f"outbox indexes: {', '.join(_outbox_indexes())}")
    print(f"{len(ids):,} customers to tag; load average {load_average()}")

    phases = Phases()
    phases.timers.wrap(emits, "tag_changed_for", "  emit")
    real = {name: getattr(emits, name) for name in ("tag_changed_for", "tag_changes")}

    def emitting(on: bool) -> None:
        for name, fn in real.items():
            setattr(emits, name, fn if on else (lambda **kwargs: 0))

    def clean() -> None:
        CustomerTagChange.objects.filter(tenant=tenant, tag_name=BULK_TAG)._raw_delete("default")
        OutboxEvent.objects.filter(tenant=tenant)._raw_delete("default")

    only = set(filter(None, args.only.split(",")))
    if "indexes" in only or not only:
        indexes(tenant, ids, iterations=max(args.iterations, 6))
    if only and "bulk" not in only:
        return
    clean()
    fig = Figures()
    loads: list[str] = []
    for i in range(args.iterations):
        for on in (True, False) if i % 2 == 0 else (False, True):
            emitting(on)
            label = "events" if on else "no events"
            phases.reset()
            n = fig.time(
                f"bulk tag 50K, {label}",
                lambda: customers_bulk_update(
                    tenant=tenant, by=membership, customer_ids=ids, add_tags=[BULK_TAG]
                ),
            )
            assert n == len(ids), n
            events = OutboxEvent.objects.filter(tenant=tenant).count()
            print(f"  {label}: tag {fig.samples[f'bulk tag 50K, {label}'][-1]:.0f} ms, "
                  f"{events:,} events; phases: {phases.report()}")  # fmt: skip
            phases.reset()
            fig.time(
                f"bulk untag 50K, {label}",
                lambda: customers_bulk_update(
                    tenant=tenant, by=membership, customer_ids=ids, remove_tags=[BULK_TAG]
                ),
            )
            print(f"  {label}: untag {fig.samples[f'bulk untag 50K, {label}'][-1]:.0f} ms; "
                  f"phases: {phases.report()}")  # fmt: skip
            clean()
            loads.append(load_average())
    emitting(True)
    Tag.objects.for_tenant(tenant).filter(name=BULK_TAG).delete()
    print(f"\n{header()}")
    for label in ("bulk tag 50K", "bulk untag 50K"):
        for variant in ("no events", "events"):
            print(fig.row(f"{label}, {variant}"))
    from bench.lib.timing import percentile

    for label in ("bulk tag 50K", "bulk untag 50K"):
        on = percentile(fig.samples[f"{label}, events"], 50)
        off = percentile(fig.samples[f"{label}, no events"], 50)
        print(f"{label}: events / no events = {on / off:.2f}× (p50 {on:.0f} vs {off:.0f} ms)")
    print(f"load average after each edit pair: {loads}")


if __name__ == "__main__":
    main()
    sys.exit(0)
