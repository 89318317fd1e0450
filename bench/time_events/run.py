"""Time-based events at size (crm.services.time_events): one tenant (`timeev-00`, in
Pacific/Auckland) with 200,000 customers, two date fields in slots (a birthday on 90% of them,
a renewal date on 40%), last contacts spread over 180 days (20% never contacted, created up to
a year ago); then `time_events_emit` timed three ways — the day's first run (emits), a second
run the same day (every key already there: 23 of the task's 24 hourly runs), and the next day —
beside the naive path (every customer read into Python, its dates and last activity tested
there, and `emit` with an event_id per match), on the same data.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/atrium_timebench \\
        .venv/bin/python -m bench.time_events.run [--customers 200000] [--reset] [--seed 7]

The customers go in with COPY, 50,000 per transaction. Target: one tenant of 200,000 in seconds
(issue 16: "a 200K-customer tenant in seconds")."""

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta

from bench.lib.tenants import ensure_bench_tenant

DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/atrium_timebench"
TENANT_SLUG = "timeev-00"
CHUNK = 50_000
FIELDS = (("birthday", "Birthday", 0.9), ("renewal", "Renewal", 0.4))


def setup() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib import createdb

    createdb.main()
    from bench.lib.setup import setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from tenancy.events import wakeup

    wakeup._kick = lambda: None  # processing the events is measured in bench/events


def ensure_tenant():
    return ensure_bench_tenant(
        slug=TENANT_SLUG,
        name="Time events bench",
        timezone="Pacific/Auckland",
        industry_template=False,
        fields=[(key, label, "date") for key, label, _share in FIELDS],
    )


def load(tenant, *, total: int, seed: int, now: datetime) -> None:
    from django.db import connection, transaction

    from crm.models import Customer
    from customfields.models import FieldDefinition

    if Customer.objects.for_tenant(tenant).count() == total:
        print(f"customers: all {total:,} already loaded")
        return
    Customer.objects.for_tenant(tenant).delete()
    slots = dict(
        FieldDefinition.objects.for_tenant(tenant).values_list("field_key", "mapped_field_name")
    )
    columns = [
        "tenant_id", "first_name", "last_name", "email", "phone", "company", "description",
        "crm_score", "last_contacted_at", "total_interactions", "total_purchases", "total_spent",
        "created_at", "updated_at", "custom_fields_extra", *(slots[key] for key, *_ in FIELDS),
    ]  # fmt: skip
    copy_sql = f"COPY crm_customer ({', '.join(columns)}) FROM STDIN"
    rng = random.Random(seed)
    loaded = 0
    while loaded < total:
        n = min(CHUNK, total - loaded)
        with transaction.atomic(), connection.cursor() as cur, cur.copy(copy_sql) as copy:
            for i in range(n):
                created = now - timedelta(seconds=rng.randrange(365 * 86_400))
                contacted = (
                    max(created, now - timedelta(seconds=rng.randrange(180 * 86_400)))
                    if rng.random() < 0.8
                    else None
                )
                birthday = (
                    date(1940, 1, 1) + timedelta(days=rng.randrange(65 * 365))
                    if rng.random() < FIELDS[0][2]
                    else None
                )
                renewal = (
                    date(2020, 1, 1) + timedelta(days=rng.randrange(10 * 365))
                    if rng.random() < FIELDS[1][2]
                    else None
                )
                copy.write_row(
                    (
                        tenant.pk, f"C{loaded + i}", "Bench", "", "", "", "",
                        0, contacted, 0, 0, "0.00", created, now, "{}", birthday, renewal,
                    )
                )  # fmt: skip
        loaded += n
        print(f"customers: {loaded:>9,} / {total:,}", flush=True)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) crm_customer")


def empty_outbox(tenant) -> None:
    from tenancy.models import OutboxEvent

    OutboxEvent.objects.filter(tenant=tenant).delete()


def naive(tenant, now: datetime) -> dict[str, int]:
    """What a per-customer loop costs: every customer read, tested in Python, `emit` per match
    (counting the new events only)."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from crm.models import Customer
    from customfields.models import FieldDefinition
    from tenancy.dates import tenant_today
    from tenancy.events import emit

    today = tenant_today(tenant, now)
    tz = tenant.tzinfo
    slots = dict(
        FieldDefinition.objects.for_tenant(tenant).values_list("field_key", "mapped_field_name")
    )
    counts = {"date_reached": 0, "inactive": 0}
    catchup = settings.TIME_EVENTS_CATCHUP_DAYS
    with transaction.atomic():
        rows = Customer.objects.for_tenant(tenant).values_list(
            "pk", "last_contacted_at", "created_at", *slots.values()
        )
        for pk, contacted, created, *dates in rows.iterator(chunk_size=5000):
            for key, value in zip(slots, dates, strict=True):
                if (
                    value
                    and value <= today
                    and (value.month, value.day) == (today.month, today.day)
                ):
                    event = emit(
                        tenant=tenant,
                        event_type="date_reached",
                        customer_id=pk,
                        data={"field": key, "date": value, "years": today.year - value.year},
                        event_id=f"date_reached:{key}:{pk}:{today}",
                    )
                    counts["date_reached"] += event.is_new
            active = timezone.localtime(contacted or created, tz).date()
            for days in settings.INACTIVE_THRESHOLDS_DAYS:
                if 0 <= (today - active).days - days <= catchup:
                    event = emit(
                        tenant=tenant,
                        event_type="inactive",
                        customer_id=pk,
                        data={"days": days, "last_activity": active},
                        event_id=f"inactive:{days}:{pk}:{active}",
                    )
                    counts["inactive"] += event.is_new
    return counts


def timed(label: str, run) -> float:
    from bench.lib.timing import load_average

    started = time.perf_counter()
    counts = run()
    seconds = time.perf_counter() - started
    print(
        f"{label:<44} {counts['date_reached']:>6,} date_reached {counts['inactive']:>6,} "
        f"inactive  {seconds:7.2f} s  (load {load_average()})",
        flush=True,
    )
    return seconds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args(argv)
    setup()
    from crm.models import Customer
    from crm.services.time_events import time_events_emit

    now = datetime.now(UTC)
    tenant = ensure_tenant()
    if args.reset:
        Customer.objects.for_tenant(tenant).delete()
    load(tenant, total=args.customers, seed=args.seed, now=now)
    print(f"tenant {TENANT_SLUG} ({tenant.timezone}), {args.customers:,} customers")
    empty_outbox(tenant)
    ours = timed("set-based: the day's first run", lambda: time_events_emit(tenant=tenant, now=now))
    timed(
        "set-based: an hour later (nothing new)",
        lambda: time_events_emit(tenant=tenant, now=now + timedelta(hours=1)),
    )
    timed(
        "set-based: the next day",
        lambda: time_events_emit(tenant=tenant, now=now + timedelta(days=1)),
    )
    empty_outbox(tenant)
    base = timed("naive: read every customer, emit per match", lambda: naive(tenant, now))
    timed(
        "naive: an hour later (every emit a repeat)",
        lambda: naive(tenant, now + timedelta(hours=1)),
    )
    empty_outbox(tenant)
    print(f"naive ÷ set-based (first run): {base / ours:.1f}×")


if __name__ == "__main__":
    sys.exit(main())
