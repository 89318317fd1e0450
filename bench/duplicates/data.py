"""The duplicates data set: 200,000 customers in the measured tenant (`dup-00`) and as many in a
second one (so every index serves both), with a `city` custom field (so the name rule's scope is
company|city, the harder case), and planted duplicates: 2% share an address with another
customer (case changed), 1% a phone, 1% a near-identical name at the same company.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_dupbench \\
        .venv/bin/python -m bench.duplicates.data [--customers 200000] [--reset]

Companies: 60% of customers work for one of ~20,000 companies whose sizes fall off like a
power law (most have a handful of customers, a few hundreds); 40% have none, and 70% of those
have a city (one of 40) — so the scopes range from pairs to thousands. Customers go in with
COPY (psycopg 3), 50,000 per transaction; the second tenant's rows are the server's copies."""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atrium_dupbench"
TENANT_SLUG = "dup-00"
OTHER_SLUG = "dup-01"
CHUNK = 50_000
FIRST = [f"{a}{b}" for a in ("An", "Be", "Ca", "Da", "El", "Fa", "Ge", "Ha", "Io", "Jo")
         for b in ("na", "rt", "ra", "vid", "lia", "bio", "org", "nna", "an", "el",
                   "mes", "lo", "ria", "ter", "ena", "ko", "ssa", "ny", "lix", "mir")]  # fmt: skip
LAST = [f"{a}{b}{c}" for a in ("Mül", "Sch", "Kow", "Rod", "Pet", "Nak", "Ols", "Gar", "Ber", "Lee")
        for b in ("ler", "mid", "alski", "rig", "rov", "ata", "sen", "cia", "ger", "ton")
        for c in ("", "a", "i", "o", "son")]  # fmt: skip
CITIES = [f"City {i}" for i in range(40)]
PLANTED = {"email": 0.02, "phone": 0.01, "name": 0.01}


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
        tenant = tenant_create(slug=slug, name=name, industry_template=False)
    if not FieldDefinition.objects.for_tenant(tenant).filter(field_key="city").exists():
        definition_create(
            tenant=tenant,
            by=OPERATOR,
            data={"field_key": "city", "field_label": "City", "field_type": "text"},
        )
    return tenant


def companies(rng: random.Random, total: int) -> list[str]:
    """One company per customer that has one: sizes falling off like a power law."""
    names: list[str] = []
    i = 0
    while len(names) < total:
        size = min(int(rng.paretovariate(1.3)), 400)
        names += [f"Company {i}"] * size
        i += 1
    rng.shuffle(names)
    return names[:total]


def rows(rng: random.Random, total: int, now: datetime):
    """(first, last, email, phone, company, city) per customer, with the planted duplicates."""
    with_company = companies(rng, int(total * 0.6))
    out = []
    for k in range(total):
        company = with_company[k] if k < len(with_company) else ""
        city = "" if company or rng.random() < 0.3 else rng.choice(CITIES)
        if company and rng.random() < 0.5:
            city = rng.choice(CITIES[:4])
        phone = f"+4930{k:08d}" if rng.random() < 0.8 else ""
        out.append([rng.choice(FIRST), rng.choice(LAST), f"c{k}@example.com", phone, company, city])
    order = list(range(total))
    rng.shuffle(order)
    cursor = 0
    for reason, share in PLANTED.items():
        for _ in range(int(total * share)):
            source, target = out[order[cursor]], out[order[cursor + 1]]
            cursor += 2
            if reason == "email":
                target[2] = source[2].upper()
            elif reason == "phone":
                target[3] = source[3] or f"+4940{cursor:08d}"
                source[3] = target[3]
            else:
                target[0], target[1] = source[0] + "e", source[1]  # a typo
                target[4], target[5] = source[4] or "Planted Co", source[5]
                source[4] = target[4]
    return out


def load(tenant, *, total: int, seed: int) -> None:
    from django.db import connection, transaction

    from customfields.models import FieldDefinition

    city = FieldDefinition.objects.for_tenant(tenant).get(field_key="city").mapped_field_name
    now = datetime.now(UTC)
    columns = [
        "tenant_id", "first_name", "last_name", "email", "phone", "company", city,
        "description", "crm_score", "total_interactions", "total_purchases", "total_spent",
        "created_at", "updated_at", "custom_fields_extra",
    ]  # fmt: skip
    copy_sql = f"COPY crm_customer ({', '.join(columns)}) FROM STDIN"
    rng = random.Random(seed)
    data = rows(rng, total, now)
    for start in range(0, total, CHUNK):
        with transaction.atomic(), connection.cursor() as cur, cur.copy(copy_sql) as copy:
            for first, last, email, phone, company, town in data[start : start + CHUNK]:
                copy.write_row(
                    (tenant.pk, first, last, email, phone, company, town or None, "", 0, 0, 0,
                     "0.00", now - timedelta(seconds=rng.randrange(3 * 365 * 86_400)), now, "{}")
                )  # fmt: skip
        print(f"{tenant.slug}: {min(start + CHUNK, total):>9,} / {total:,}", flush=True)


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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args(argv)
    setup()
    from django.db import connection

    from crm.models import Customer

    started = time.perf_counter()
    measured = ensure_tenant(TENANT_SLUG, "Duplicates bench")
    other = ensure_tenant(OTHER_SLUG, "Duplicates bench, other tenant")
    for tenant in (measured, other):
        if args.reset or Customer.objects.for_tenant(tenant).count() != args.customers:
            Customer.objects.for_tenant(tenant)._raw_delete(Customer.objects.db)
    if not Customer.objects.for_tenant(measured).exists():
        load(measured, total=args.customers, seed=args.seed)
    if not Customer.objects.for_tenant(other).exists():
        copy_into(measured, other)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) crm_customer")
    total = Customer.objects.count()
    print(f"{total:,} customers in the table; generated in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
