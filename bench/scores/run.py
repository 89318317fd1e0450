"""The score refresh at size: one tenant (`score-00`) with 200,000 customers, four active custom
fields (about half filled), interactions, purchases and last contacts spread over 90 days, in a
time zone ahead of UTC; then `scores_refresh` timed three ways — the first refresh (every score
changes), an hour later (nothing changes: the hourly beat on most hours) and a day later (recency
moves for everyone contacted in the last 31 days).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_scorebench \\
        .venv/bin/python -m bench.scores.run [--customers 200000] [--reset] [--seed 7]

The tenant and fields come from the services; the customers go in with COPY (psycopg 3),
50,000 per transaction, with crm_score 0 so the first refresh writes every row. Target: a
refresh of 200,000 customers in at most 60 s (issue 13)."""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from bench.lib.tenants import ensure_bench_tenant

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atrium_scorebench"
TENANT_SLUG = "score-00"
CHUNK = 50_000
TARGET_SECONDS = 60.0
FIELDS = (
    ("tier", "Tier", "select", {"select_options": ["Gold", "Silver", "Bronze"]}),
    ("points", "Points", "number", {}),
    ("vip", "VIP", "boolean", {}),
    ("nickname", "Nickname", "text", {}),
)


def setup() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib import createdb

    createdb.main()
    from bench.lib.setup import setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def ensure_tenant():
    return ensure_bench_tenant(
        slug=TENANT_SLUG,
        name="Score bench",
        timezone="Asia/Tehran",
        industry_template=False,
        fields=FIELDS,
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
        "created_at", "updated_at", "custom_fields_extra",
        *(slots[key] for key, *_ in FIELDS),
    ]  # fmt: skip
    copy_sql = f"COPY crm_customer ({', '.join(columns)}) FROM STDIN"
    rng = random.Random(seed)
    loaded = 0
    while loaded < total:
        n = min(CHUNK, total - loaded)
        with transaction.atomic(), connection.cursor() as cur, cur.copy(copy_sql) as copy:
            for i in range(n):
                contacted = (
                    now - timedelta(seconds=rng.randrange(90 * 86_400))
                    if rng.random() < 0.7
                    else None
                )
                half = rng.random() < 0.5
                copy.write_row(
                    (
                        tenant.pk, f"C{loaded + i}", "Bench", "", "", "", "",
                        0, contacted, rng.randint(0, 30) if contacted else 0,
                        rng.randint(0, 6), "0.00", now, now, "{}",
                        rng.choice(["Gold", "Silver", "Bronze"]) if half else None,
                        f"{rng.randint(0, 900)}.00" if rng.random() < 0.5 else None,
                        rng.random() < 0.3 if half else None,
                        "Nick" if rng.random() < 0.4 else None,
                    )
                )  # fmt: skip
        loaded += n
        print(f"customers: {loaded:>9,} / {total:,}", flush=True)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) crm_customer")


def timed(label: str, tenant, now: datetime) -> float:
    from crm.services.scoring import scores_refresh

    started = time.perf_counter()
    changed = scores_refresh(tenant=tenant, now=now)
    seconds = time.perf_counter() - started
    verdict = "ok" if seconds <= TARGET_SECONDS else "OVER TARGET"
    print(f"{label:<34} {changed:>9,} changed  {seconds:7.2f} s  ({verdict})", flush=True)
    return seconds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args(argv)
    setup()
    from crm.models import Customer

    now = datetime.now(UTC)
    tenant = ensure_tenant()
    if args.reset:
        Customer.objects.for_tenant(tenant).delete()
    load(tenant, total=args.customers, seed=args.seed, now=now)
    Customer.objects.for_tenant(tenant).update(crm_score=0)
    print(f"tenant {TENANT_SLUG} ({tenant.timezone}), {args.customers:,} customers")
    timed("first refresh (every score moves)", tenant, now)
    timed("an hour later (nothing moves)", tenant, now + timedelta(hours=1))
    timed("a day later (recency moves)", tenant, now + timedelta(days=1))


if __name__ == "__main__":
    sys.exit(main())
