"""The imports data set: a tenant (`imp-00`) with 10 custom fields and 200,000 customers
already in it, and a CSV file of 200,000 new customers with those 10 fields filled.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/atrium_impbench \\
        .venv/bin/python -m bench.imports.data [--customers 200000] [--rows 200000]

The tenant and its fields come from the services; its customers go in with COPY; the file is
written to bench/.data/imports/customers-<rows>.csv (UTF-8, comma-separated, a header row of
the fields' labels as a spreadsheet would have them)."""

import argparse
import csv
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta

from bench.lib.tenants import ensure_bench_tenant

DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/atrium_impbench"
TENANT_SLUG = "imp-00"
FIELDS = (
    ("tier", "Tier", "select", {"select_options": ["Gold", "Silver", "Bronze"]}),
    ("points", "Loyalty points", "number", {}),
    ("company_size", "Company size", "number", {}),
    ("birthday", "Birthday", "date", {}),
    ("joined", "Joined", "date", {}),
    ("newsletter", "Newsletter", "boolean", {}),
    ("nickname", "Nickname", "text", {}),
    ("city", "City", "text", {}),
    ("industry", "Industry", "text", {}),
    ("website", "Website", "url", {}),
)
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", ""]
CITIES = ["Berlin", "Paris", "Lisbon", "Oslo", "Dublin", "Vienna", "Prague", "Turin"]
INDUSTRIES = ["Retail", "Software", "Health", "Finance", "Travel", "Education"]


def csv_path(rows: int) -> str:
    from bench.lib.setup import RESULTS_DIR

    folder = RESULTS_DIR / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"customers-{rows}.csv")


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
        name="Imports bench",
        timezone="Europe/Berlin",
        industry_template=False,
        fields=FIELDS,
    )


def load_existing(tenant, *, total: int, seed: int) -> None:
    from bench.lib.copy import copy_rows

    rng = random.Random(seed)
    now = datetime.now(UTC)
    columns = [
        "tenant_id", "first_name", "last_name", "email", "phone", "company", "description",
        "crm_score", "total_interactions", "total_purchases", "total_spent",
        "custom_fields_extra", "created_at", "updated_at",
    ]  # fmt: skip

    def row(k: int) -> tuple:
        return (
            tenant.pk, f"First{k % 5000}", f"Last{k % 7919}", f"e{k}@existing.example",
            f"+4930{k:08d}", rng.choice(COMPANIES), "", 0, 0, 0, "0.00", "{}",
            now - timedelta(seconds=rng.randrange(3 * 365 * 86_400)), now,
        )  # fmt: skip

    copy_rows("crm_customer", columns, total, row)


def write_csv(path: str, *, rows: int, seed: int) -> None:
    rng = random.Random(seed + 1)
    header = ["First name", "Last name", "Email", "Phone", "Company", "Total purchases"]
    header += [label for _, label, _, _ in FIELDS]

    def day(start: date, spread: int) -> str:
        return (start + timedelta(days=rng.randrange(spread))).isoformat()

    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for k in range(rows):
            writer.writerow(
                [
                    f"New{k % 5000}", f"Person{k % 7919}", f"n{k}@new.example",
                    f"+4940{k:08d}", rng.choice(COMPANIES), rng.choice([0, 0, 1, 2, 5]),
                    rng.choice(["Gold", "silver", "Bronze"]), rng.randint(0, 5000),
                    rng.randint(1, 500), day(date(1950, 1, 1), 20_000), day(date(2015, 1, 1), 3000),
                    rng.choice(["yes", "no"]), f"Nick {k % 997}", rng.choice(CITIES),
                    rng.choice(INDUSTRIES), f"https://n{k}.example.com/",
                ]
            )  # fmt: skip
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    setup()
    from django.db import connection

    from crm.models import Customer

    started = time.perf_counter()
    tenant = ensure_tenant()
    if Customer.objects.for_tenant(tenant).count() != args.customers:
        Customer.objects.for_tenant(tenant).delete()
        load_existing(tenant, total=args.customers, seed=args.seed)
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE) crm_customer")
    path = csv_path(args.rows)
    if not os.path.exists(path):
        write_csv(path, rows=args.rows, seed=args.seed)
    print(
        f"{Customer.objects.for_tenant(tenant).count():,} customers in {TENANT_SLUG}; "
        f"ready in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
