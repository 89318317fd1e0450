"""The exports data set: 200,000 customers of `exp-00` with 10 custom fields (every slot type
the import and export handle) and about 1.5 tags each, in a table that also holds a second
tenant's copy of them (400,000 rows), so every index serves both, as in production.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/atrium_expbench \\
        .venv/bin/python -m bench.exports.data [--customers 200000] [--reset]

Tenants, fields and tags come from the services; the measured tenant's customers and tag links
go in with COPY (psycopg 3), 50,000 per transaction; the other tenant's rows are made by the
server (`INSERT … SELECT`)."""

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta

DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/atrium_expbench"
TENANT_SLUG = "exp-00"
OTHER_SLUG = "exp-01"
CHUNK = 50_000
FIELDS = (
    ("tier", "Tier", "select", {"select_options": ["Gold", "Silver", "Bronze"]}),
    ("points", "Points", "number", {}),
    ("birthday", "Birthday", "date", {}),
    ("vip", "VIP", "boolean", {}),
    ("account_manager", "Account manager", "text", {}),
    ("notes_short", "Short note", "text", {}),
    ("billing_email", "Billing email", "email", {}),
    ("mobile", "Mobile", "phone", {}),
    ("website", "Website", "url", {}),
    ("renewal", "Renewal", "date", {}),
)
# name: share of customers carrying it
TAGS = {
    "newsletter": 0.40,
    "b2b": 0.30,
    "b2c": 0.30,
    "vip": 0.05,
    "webinar": 0.20,
    "referral": 0.07,
    "partner": 0.05,
    "churn-risk": 0.08,
    "beta": 0.02,
    "trade-show": 0.10,
}
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", ""]


def setup() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib import createdb

    createdb.main()
    from bench.lib.setup import setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def ensure_tenant(slug: str, name: str):
    from customfields.models import FieldDefinition
    from customfields.services.definitions import definition_create
    from tenancy.actors import OPERATOR
    from tenancy.models import Tenant
    from tenancy.services.tenants import tenant_create

    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        tenant = tenant_create(
            slug=slug, name=name, timezone="Europe/Berlin", industry_template=False
        )
    existing = set(FieldDefinition.objects.for_tenant(tenant).values_list("field_key", flat=True))
    for order, (key, label, field_type, extra) in enumerate(FIELDS):
        if key not in existing:
            data = {"field_key": key, "field_label": label, "field_type": field_type}
            definition_create(tenant=tenant, by=OPERATOR, data={**data, "order": order, **extra})
    return tenant


def _custom_values(rng: random.Random, k: int) -> tuple:
    def some(value, share=0.7):
        return value if rng.random() < share else None

    return (
        some(rng.choice(["Gold", "Silver", "Bronze"]), 0.8),
        some(f"{rng.randint(0, 500_000) / 100:.2f}"),
        some(date(1950, 1, 1) + timedelta(days=rng.randrange(20_000)), 0.5),
        some(rng.random() < 0.1),
        some(f"Manager {k % 97}"),
        some(rng.choice(['=HYPERLINK("x")', "call back", 'Zoë, "VIP"', "ok"]), 0.3),
        some(f"billing{k}@example.com", 0.4),
        some(f"+4917{k:08d}", 0.5),
        some(f"https://c{k}.example.com/", 0.3),
        some(date(2025, 1, 1) + timedelta(days=rng.randrange(730)), 0.6),
    )


def load_measured(tenant, *, total: int, seed: int, now: datetime) -> None:
    from django.db import connection, transaction

    from customfields.models import FieldDefinition

    slots = dict(
        FieldDefinition.objects.for_tenant(tenant).values_list("field_key", "mapped_field_name")
    )
    columns = [
        "tenant_id", "first_name", "last_name", "email", "phone", "company", "description",
        "crm_score", "total_interactions", "total_purchases", "total_spent",
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
                k = loaded + i
                purchases = rng.choice([0, 0, 1, 2, 3, 5, 8])
                copy.write_row(
                    (
                        tenant.pk, f"First{k % 5000}", f"Last{k % 7919}", f"c{k}@example.com",
                        f"+4930{k:08d}", rng.choice(COMPANIES),
                        "A line about them, with a comma" if rng.random() < 0.2 else "",
                        rng.randint(0, 100), rng.randint(0, 40), purchases,
                        f"{purchases * rng.randint(10, 400)}.00",
                        now - timedelta(seconds=rng.randrange(3 * 365 * 86_400)), now, "{}",
                        *_custom_values(rng, k),
                    )
                )  # fmt: skip
        loaded += n
        print(f"{tenant.slug} customers: {loaded:>9,} / {total:,}", flush=True)


def load_tag_links(tenant, *, seed: int) -> None:
    from django.db import connection, transaction

    from crm.models import Customer, CustomerTag, Tag

    rng = random.Random(seed + 1)
    CustomerTag.objects.for_tenant(tenant)._raw_delete(CustomerTag.objects.db)
    existing = set(Tag.objects.for_tenant(tenant).values_list("name", flat=True))
    Tag.objects.bulk_create([Tag(tenant=tenant, name=n) for n in TAGS if n not in existing])
    tags = dict(Tag.objects.for_tenant(tenant).values_list("name", "pk"))
    ids = list(Customer.objects.for_tenant(tenant).order_by("pk").values_list("pk", flat=True))
    copy_sql = "COPY crm_customertag (tenant_id, customer_id, tag_id) FROM STDIN"
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL session_replication_role = replica")
            with cur.copy(copy_sql) as copy:
                for pk in ids[start : start + CHUNK]:
                    for name, share in TAGS.items():
                        if rng.random() < share:
                            copy.write_row((tenant.pk, pk, tags[name]))
        print(f"{tenant.slug} tag links: {min(start + CHUNK, len(ids)):>9,}", flush=True)


def copy_into(source, target) -> None:
    from django.db import connection

    from crm.models import Customer

    names = [
        f.column
        for f in Customer._meta.concrete_fields
        if f.column not in ("id", "tenant_id", "search_text") and not f.generated
    ]
    cols = ", ".join(names)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO crm_customer (tenant_id, {cols}) "
            f"SELECT %s, {cols} FROM crm_customer WHERE tenant_id = %s",
            [target.pk, source.pk],
        )
    print(f"{target.slug}: {Customer.objects.for_tenant(target).count():,} customers", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args(argv)
    setup()
    from django.db import connection

    from crm.models import Customer, CustomerTag

    started = time.perf_counter()
    now = datetime.now(UTC)
    measured = ensure_tenant(TENANT_SLUG, "Exports bench")
    other = ensure_tenant(OTHER_SLUG, "Exports bench (other tenant)")
    if args.reset:
        for tenant in (measured, other):
            Customer.objects.for_tenant(tenant).delete()
    if Customer.objects.for_tenant(measured).count() != args.customers:
        Customer.objects.for_tenant(measured).delete()
        load_measured(measured, total=args.customers, seed=args.seed, now=now)
        load_tag_links(measured, seed=args.seed)
    if not CustomerTag.objects.for_tenant(measured).exists():
        load_tag_links(measured, seed=args.seed)
    if Customer.objects.for_tenant(other).count() != args.customers:
        Customer.objects.for_tenant(other).delete()
        copy_into(measured, other)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) crm_customer")
        cur.execute("VACUUM (ANALYZE) crm_customertag")
    took = time.perf_counter() - started
    print(f"{Customer.objects.count():,} customers; generated in {took:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
