"""The campaign bench's data set: one tenant (`camp-00`) with 200,000 customers, ~97% of them
with an email, and three custom fields (a number, a text and a date) that the campaign's content
uses as personalisation tags. 1% of the customers with an email opted out of the email channel.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_campbench \\
        .venv/bin/python -m bench.campaigns.data [--reset] [--customers 200000] [--seed 5]

The tenant comes from tenant_create (its default campaign catalogue included) and the field
definitions from definition_create, so slots are allocated as the app does it; the customers and
the opt-outs go in with COPY (psycopg 3), 50,000 per transaction. Deterministic for a seed.
Ends with VACUUM (ANALYZE).
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta

from bench.lib.tenants import ensure_bench_tenant

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atrium_campbench"
TENANT_SLUG = "camp-00"
CUSTOMERS = 200_000
CHUNK = 50_000
NO_EMAIL_SHARE = 0.03
OPT_OUT_SHARE = 0.01
FIELDS = (  # (key, label, type): the tags the bench campaign's content uses
    ("loyalty_points", "Loyalty points", "number"),
    ("home_city", "Home city", "text"),
    ("member_since", "Member since", "date"),
)
CITIES = "Berlin Hamburg Munich Lyon Paris Madrid Milan Vienna Zurich Prague Warsaw Lisbon".split()


def setup() -> None:
    from bench.lib.setup import setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)


def create_database() -> None:
    """Create the database if missing (bench.lib.createdb); before Django."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib import createdb

    createdb.main()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def ensure_tenant():
    return ensure_bench_tenant(slug=TENANT_SLUG, name="Campaign bench", fields=FIELDS)


def reset() -> None:
    """Remove the bench tenant's campaigns, executions, opt-outs and customers (raw SQL)."""
    from django.db import connection, transaction

    from tenancy.models import Tenant

    tenant = Tenant.objects.filter(slug=TENANT_SLUG).first()
    if tenant is None:
        return
    with transaction.atomic(), connection.cursor() as cur:
        for table in (
            "campaigns_campaignresponse",
            "campaigns_campaignexecution",
            "campaigns_unsubscribe",
        ):
            cur.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant.pk])
        cur.execute(
            "DELETE FROM campaigns_campaignvariant WHERE tenant_id = %s; "
            "DELETE FROM campaigns_campaignchannelplan WHERE tenant_id = %s; "
            "DELETE FROM campaigns_campaign WHERE tenant_id = %s; "
            "DELETE FROM crm_customertag WHERE customer_id IN "
            "(SELECT id FROM crm_customer WHERE tenant_id = %s); "
            "DELETE FROM crm_customer WHERE tenant_id = %s",
            [tenant.pk] * 5,
        )
    print("reset: removed the bench tenant's customers and campaigns")


def load_customers(tenant, *, total: int, seed: int) -> None:
    from django.db import connection, transaction

    from bench.customfields.baselines import CORE_COLUMNS
    from bench.lib.vocabulary import COMPANY_NOUNS, COMPANY_PREFIXES, FIRST_NAMES, LAST_NAMES
    from campaigns.models import CampaignChannel
    from crm.models import Customer
    from customfields.models import FieldDefinition

    done = Customer.objects.for_tenant(tenant).count()
    if done == total:
        print(f"customers: all {total:,} already loaded")
        return
    if done:
        raise SystemExit(f"Found {done:,} customers, not {total:,}; run again with --reset.")
    slots = {
        d.field_key: d.mapped_field_name
        for d in FieldDefinition.objects.for_tenant(tenant).filter(
            field_key__in=[key for key, _, _ in FIELDS]
        )
    }
    if not all(slots.values()):
        raise SystemExit("The bench fields must live in slots.")
    email_channel = CampaignChannel.objects.get(tenant=tenant, channel_code="EMAIL")
    columns = [c for c in CORE_COLUMNS if c != "id"]
    slot_columns = [slots[key] for key, _, _ in FIELDS]
    copy_sql = (
        f"COPY crm_customer ({', '.join((*columns, *slot_columns, 'custom_fields_extra'))}) "
        "FROM STDIN"
    )
    rng = random.Random(f"{seed}:customers")
    anchor = datetime(2025, 1, 1, tzinfo=UTC)
    started = time.perf_counter()
    loaded = 0
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM crm_customer")
        first_id = cur.fetchone()[0] + 1
    opt_outs = []
    while loaded < total:
        n = min(CHUNK, total - loaded)
        with transaction.atomic(), connection.cursor() as cur:
            with cur.copy(copy_sql) as copy:
                for i in range(n):
                    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                    number = loaded + i
                    email = (
                        ""
                        if rng.random() < NO_EMAIL_SHARE
                        else f"{first.lower()}.{last.lower()}.{number}@example.com"
                    )
                    if email and rng.random() < OPT_OUT_SHARE:
                        opt_outs.append(first_id + number)
                    created = anchor - timedelta(seconds=rng.randrange(3 * 365 * 86_400))
                    company = (
                        f"{rng.choice(COMPANY_PREFIXES)} {rng.choice(COMPANY_NOUNS)}"
                        if rng.random() < 0.3
                        else ""
                    )
                    copy.write_row(
                        (
                            tenant.pk,
                            first,
                            last,
                            email,
                            "",
                            company,
                            "",
                            rng.randint(0, 100),
                            None,
                            0,
                            0,
                            "0.00",
                            None,
                            created,
                            created,
                            f"{rng.randint(0, 5000)}.00" if rng.random() < 0.9 else None,
                            rng.choice(CITIES) if rng.random() < 0.8 else None,
                            date(2015, 1, 1) + timedelta(days=rng.randrange(3650)),
                            "{}",
                        )
                    )
        loaded += n
        rate = loaded / (time.perf_counter() - started)
        print(f"customers: {loaded:>9,} / {total:,}  ({rate:,.0f} customers/s)", flush=True)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id) FROM crm_customer WHERE tenant_id = %s", [tenant.pk])
        low, high = cur.fetchone()
        if (low, high) != (first_id, first_id + total - 1):
            raise SystemExit(f"Unexpected customer ids {low}..{high} (concurrent writes?).")
        now = datetime.now(UTC)
        with cur.copy(
            "COPY campaigns_unsubscribe (tenant_id, customer_id, channel_id, created_at) FROM STDIN"
        ) as copy:
            for customer_id in opt_outs:
                copy.write_row((tenant.pk, customer_id, email_channel.pk, now))
    print(f"opt-outs: {len(opt_outs):,} customers opted out of EMAIL")


def vacuum() -> None:
    from bench.lib.tables import vacuum_analyze

    vacuum_analyze("crm_customer", "campaigns_unsubscribe", "campaigns_campaignexecution")


def ensure_data(*, total: int = CUSTOMERS, seed: int = 5, do_reset: bool = False):
    """Database, migrations, tenant, fields and customers; returns the tenant."""
    started = time.perf_counter()
    migrate()
    if do_reset:
        reset()
    tenant = ensure_tenant()
    from crm.models import Customer

    if Customer.objects.for_tenant(tenant).count() != total:
        load_customers(tenant, total=total, seed=seed)
        vacuum()
        print(f"data set ready in {time.perf_counter() - started:.1f}s")
    return tenant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    create_database()
    setup()
    ensure_data(total=args.customers, seed=args.seed, do_reset=args.reset)


if __name__ == "__main__":
    main()
    sys.exit(0)
