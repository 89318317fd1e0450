"""The segments data set: 1,000,000 customers over five tenants, the measured one (`seg-00`)
with 200,000, tags on most of them, four custom fields, and interactions, purchases and last
contacts spread over a year.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_segbench \\
        .venv/bin/python -m bench.segments.data [--customers 200000] [--tenants 5] [--reset]

Tenants, fields and tags come from the services; seg-00's customers and their tag links go in
with COPY (psycopg 3), 50,000 per transaction; the other tenants get copies of those rows made
by the server (`INSERT … SELECT`), so the table holds five times the measured tenant and every
index serves all of them, as in production."""

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atrium_segbench"
TENANT_SLUG = "seg-00"
CHUNK = 50_000
FIELDS = (
    ("tier", "Tier", "select", {"select_options": ["Gold", "Silver", "Bronze"]}),
    ("points", "Points", "number", {}),
    ("birthday", "Birthday", "date", {}),
    ("vip", "VIP", "boolean", {}),
)
# name: share of customers carrying it
TAGS = {
    "newsletter": 0.40,
    "webinar": 0.20,
    "trade-show": 0.10,
    "partner": 0.05,
    "vip": 0.05,
    "churn-risk": 0.08,
    "b2b": 0.30,
    "b2c": 0.30,
    "referral": 0.07,
    "beta": 0.02,
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


def ensure_tags(tenant) -> dict[str, int]:
    from crm.models import Tag

    existing = set(Tag.objects.for_tenant(tenant).values_list("name", flat=True))
    Tag.objects.bulk_create([Tag(tenant=tenant, name=n) for n in TAGS if n not in existing])
    return dict(Tag.objects.for_tenant(tenant).values_list("name", "pk"))


def load_measured(tenant, *, total: int, seed: int, now: datetime) -> None:
    from django.db import connection, transaction

    from customfields.models import FieldDefinition

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
                k = loaded + i
                contacted = (
                    now - timedelta(seconds=rng.randrange(365 * 86_400))
                    if rng.random() < 0.75
                    else None
                )
                interactions = rng.randint(0, 40) if contacted else 0
                purchases = rng.choice([0, 0, 0, 1, 2, 3, 5, 8])
                copy.write_row(
                    (
                        tenant.pk, f"First{k % 5000}", f"Last{k % 7919}",
                        f"c{k}@example.com", f"+4930{k:08d}", rng.choice(COMPANIES), "",
                        rng.randint(0, 100), contacted, interactions, purchases,
                        f"{purchases * rng.randint(10, 400)}.00",
                        now - timedelta(seconds=rng.randrange(3 * 365 * 86_400)), now, "{}",
                        rng.choice(["Gold", "Silver", "Bronze", None]),
                        rng.randint(0, 5000) if rng.random() < 0.6 else None,
                        date(1950, 1, 1) + timedelta(days=rng.randrange(20_000))
                        if rng.random() < 0.5
                        else None,
                        rng.random() < 0.1 if rng.random() < 0.7 else None,
                    )
                )  # fmt: skip
        loaded += n
        print(f"{tenant.slug} customers: {loaded:>9,} / {total:,}", flush=True)


def load_tag_links(tenant, *, seed: int) -> None:
    """Tag links for seg-00's customers (about 1.6 per customer), drawn afresh."""
    from django.db import connection, transaction

    from crm.models import Customer, CustomerTag

    rng = random.Random(seed + 1)
    CustomerTag.objects.for_tenant(tenant)._raw_delete(CustomerTag.objects.db)
    tags = ensure_tags(tenant)
    ids = list(Customer.objects.for_tenant(tenant).order_by("pk").values_list("pk", flat=True))
    copy_sql = "COPY crm_customertag (tenant_id, customer_id, tag_id) FROM STDIN"
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic(), connection.cursor() as cur:
            # The links are built from the rows just read: skip the deferred foreign-key checks,
            # which lock each customer row at commit (minutes for 300,000 links).
            cur.execute("SET LOCAL session_replication_role = replica")
            with cur.copy(copy_sql) as copy:
                for pk in ids[start : start + CHUNK]:
                    for name, share in TAGS.items():
                        if rng.random() < share:
                            copy.write_row((tenant.pk, pk, tags[name]))
        print(f"{tenant.slug} tag links: {min(start + CHUNK, len(ids)):>9,} customers", flush=True)


def tag_links(tenant) -> int:
    from crm.models import CustomerTag

    return CustomerTag.objects.for_tenant(tenant).count()


def copy_into(source, target) -> None:
    """The other tenants' customers: the server copies seg-00's rows (and their slot values,
    whose columns the tenants' identical fields map to the same slots)."""
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
    parser.add_argument("--tenants", type=int, default=5)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args(argv)
    setup()
    from django.db import connection

    from crm.models import Customer

    started = time.perf_counter()
    now = datetime.now(UTC)
    tenants = [ensure_tenant(f"seg-{i:02d}", f"Segments bench {i}") for i in range(args.tenants)]
    measured = tenants[0]
    if args.reset:
        for tenant in tenants:
            Customer.objects.for_tenant(tenant).delete()
    if Customer.objects.for_tenant(measured).count() != args.customers:
        Customer.objects.for_tenant(measured).delete()
        load_measured(measured, total=args.customers, seed=args.seed, now=now)
    expected_links = sum(TAGS.values()) * args.customers
    if not 0.95 * expected_links <= tag_links(measured) <= 1.05 * expected_links:
        load_tag_links(measured, seed=args.seed)
    for tenant in tenants[1:]:
        if Customer.objects.for_tenant(tenant).count() != args.customers:
            Customer.objects.for_tenant(tenant).delete()
            copy_into(measured, tenant)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) crm_customer")
        cur.execute("VACUUM (ANALYZE) crm_customertag")
    total = Customer.objects.count()
    print(f"{total:,} customers in the table; generated in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
