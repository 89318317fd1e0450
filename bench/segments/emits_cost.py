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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=3)
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
