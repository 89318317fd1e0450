"""Generate the custom-field data set: 1,000,000 customers over 50 tenants (cfb-00 has 200,000),
~20 filled custom fields each, in crm_customer and in the three baseline tables.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_cfbench \\
        .venv/bin/python -m bench.customfields.generate [--reset] [--seed 3] [--anchor YYYY-MM-DD]

Deterministic: the same seed and anchor date give the same rows. Tenants come from
tenant_create, one manager each from member_add, and every field definition from the
customfields services (tenant_create applies the industry template, then definition_create for
the extra fields), so slots are allocated exactly as the app does it; tenants cfb-03 and cfb-08
have 17 number fields, two of which overflow into custom_fields_extra. Customers are generated
once and written with COPY (psycopg 3) to crm_customer, to the JSONB table and to the EAV entity
and value tables, all tenants interleaved in created_at order (as a live database fills up); the
naive table is then copied from crm_customer in the same order. Baseline indexes are built after
loading, and the run ends with VACUUM (ANALYZE). `--reset` removes everything first. """

import argparse
import sys
import time
from datetime import UTC, date, datetime

from bench.lib.setup import database_label, setup_django
from bench.lib.tables import rows_per_tenant, vacuum_analyze

from . import baselines as bl
from .data import SLUG_PREFIX, plan_tenants
from .load import build_naive_and_indexes, load_customers, load_eav_catalogue
from .stream import TenantStream

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atrium_cfbench"
BENCH_PASSWORD = "bench-pass-123"


def setup(allow_any_database: bool = False) -> None:
    setup_django(allow_any_database=allow_any_database, default_url=DEFAULT_DATABASE_URL)


# ---------------------------------------------------------------------------------------------
# Tenants and field definitions, through the services


def ensure_tenant(plan):
    from django.db import transaction
    from django.test import override_settings

    from customfields.models import FieldDefinition
    from customfields.services.definitions import definition_create
    from tenancy.actors import OPERATOR
    from tenancy.models import Role, Tenant
    from tenancy.services.members import member_add
    from tenancy.services.tenants import tenant_create

    tenant = Tenant.objects.filter(slug=plan.slug).first()
    if tenant is not None:
        return tenant
    with (
        transaction.atomic(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        tenant = tenant_create(
            slug=plan.slug, name=plan.name, industry=plan.industry, timezone=plan.timezone
        )
        member_add(
            by=OPERATOR,
            tenant=tenant,
            username=f"{plan.slug}-manager",
            role=Role.MANAGER,
            password=BENCH_PASSWORD,
            email=f"{plan.slug}-manager@example.com",
        )
        existing = set(
            FieldDefinition.objects.for_tenant(tenant).values_list("field_key", flat=True)
        )
        for order, spec in enumerate(plan.fields, start=100):
            if spec.key in existing:
                continue
            definition_create(
                tenant=tenant,
                by=OPERATOR,
                data={
                    "field_key": spec.key,
                    "field_label": spec.label,
                    "field_type": spec.type,
                    "order": order,
                    **spec.extras,
                },
            )
    return tenant


def vacuum() -> None:
    started = time.perf_counter()
    vacuum_analyze("crm_customer", "customfields_fielddefinition", *bl.TABLES)
    print(f"vacuum analyze: {time.perf_counter() - started:.1f} s")


def reset() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from tenancy.models import Tenant

    with transaction.atomic(), connection.cursor() as cur:
        for statement in bl.drop_tables():
            cur.execute(statement)
        cur.execute(
            "TRUNCATE crm_customertag, customfields_fieldhistory, crm_customer "
            "RESTART IDENTITY CASCADE"
        )
        Tenant.objects.filter(slug__startswith=SLUG_PREFIX).delete()
        get_user_model().objects.filter(username__startswith=SLUG_PREFIX).delete()
    print("reset: removed the bench tenants, customers and baseline tables")


def create_tables() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [bl.EAV_VALUE])
        if cur.fetchone()[0] is not None:
            return
        for statement in bl.CREATE_TABLES:
            cur.execute(statement)


def summary() -> None:
    from django.db import connection

    rows = rows_per_tenant("crm_customer", "", empty_too=False)
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {bl.EAV_VALUE}")
        values = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*), count(mapped_field_name), count(*) - count(mapped_field_name) "
            "FROM customfields_fielddefinition"
        )
        definitions, in_slots, overflow = cur.fetchone()
    sizes = [n for _, n in rows]
    total = sum(sizes)
    print(
        f"tenants: {len(rows)}, customers: {total:,} (largest {sizes[0]:,} = {rows[0][0]}, "
        f"median {sizes[len(sizes) // 2]:,}, smallest {sizes[-1]:,})"
    )
    print(
        f"field definitions: {definitions} ({in_slots} in slots, {overflow} overflow); "
        f"filled values: {values:,} ({values / total:.1f} per customer)"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--customers", type=int, default=1_000_000, help="over all tenants")
    parser.add_argument("--largest", type=int, default=200_000, help="customers of cfb-00")
    parser.add_argument(
        "--anchor",
        type=date.fromisoformat,
        default=date(2026, 11, 1),
        help="'now' of the data (YYYY-MM-DD): customers span the 3 years before it",
    )
    parser.add_argument("--reset", action="store_true", help="remove the bench data first")
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)
    setup(args.allow_any_database)
    from django.db import connection

    from crm.models import Customer
    from customfields.models import FieldDefinition

    from . import strategies

    anchor = datetime.combine(args.anchor, datetime.min.time(), tzinfo=UTC)
    print(f"database: {database_label()}; seed {args.seed}; anchor {args.anchor}")
    started = time.perf_counter()
    if args.reset:
        reset()
    plans = plan_tenants(
        seed=args.seed, tenants=args.tenants, total=args.customers, largest=args.largest
    )
    step = time.perf_counter()
    tenants = [ensure_tenant(plan) for plan in plans]
    print(f"tenants, managers, field definitions: {time.perf_counter() - step:.1f} s")
    create_tables()
    definitions = list(
        FieldDefinition.objects.filter(tenant__slug__startswith=SLUG_PREFIX).order_by("pk")
    )
    enum_ids = load_eav_catalogue(definitions)
    by_tenant: dict[int, list] = {}
    for d in definitions:
        by_tenant.setdefault(d.tenant_id, []).append(d)
    streams = [
        TenantStream(plan, tenant, by_tenant[tenant.pk], seed=args.seed, anchor=anchor)
        for plan, tenant in zip(plans, tenants, strict=True)
    ]
    step = time.perf_counter()
    fresh = not Customer.objects.exists()
    if fresh:  # the slot indexes are built once after loading, not row by row
        with connection.cursor() as cur:
            strategies.drop_all(cur)
    load_customers(streams, total=args.customers, enum_ids=enum_ids)
    print(f"customers (ours, JSONB, EAV): {time.perf_counter() - step:.1f} s")
    if fresh:
        step = time.perf_counter()
        strategies.restore()
        print(f"slot indexes as the migrations define them: {time.perf_counter() - step:.1f} s")
    build_naive_and_indexes()
    vacuum()
    summary()
    print(f"generation took {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
