"""Generate the custom-field data set: 1,000,000 customers over 50 tenants (cfb-00 has 200,000),
~20 filled custom fields each, in crm_customer and in the three baseline tables.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_cfbench \\
        .venv/bin/python -m bench.customfields.generate [--reset] [--seed 3] [--anchor YYYY-MM-DD]

Deterministic: the same seed and anchor date give the same rows. Tenants come from
tenant_create, one manager each from member_add, and every field definition from the
customfields services (industry_template_apply, then definition_create for the extra fields),
so slots are allocated exactly as the app does it; tenants cfb-03 and cfb-08 have 17 number
fields, two of which overflow into custom_fields_extra. Customers are generated once and written
with COPY (psycopg 3) to crm_customer, to the JSONB table and to the EAV entity and value tables,
all tenants interleaved in created_at order (as a live database fills up); the naive table is
then copied from crm_customer in the same order. Baseline indexes are built after loading, and
the run ends with VACUUM (ANALYZE). `--reset` removes everything first.
"""

import argparse
import heapq
import json
import os
import random
import sys
import time
from datetime import UTC, date, datetime

from . import baselines as bl
from .data import SLUG_PREFIX, plan_tenants, value_generator

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atrium_cfbench"
BENCH_PASSWORD = "bench-pass-123"
CHUNK = 50_000
HISTORY_DAYS = 3 * 365
DAY = 86_400.0


def setup(allow_any_database: bool = False) -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench._setup import setup_django

    setup_django(allow_any_database=allow_any_database)


# ---------------------------------------------------------------------------------------------
# Tenants and field definitions, through the services


def ensure_tenant(plan):
    from django.db import transaction
    from django.test import override_settings

    from customfields.models import FieldDefinition
    from customfields.services.definitions import definition_create, industry_template_apply
    from tenancy.models import Role, Tenant
    from tenancy.services.members import OPERATOR, member_add
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
        industry_template_apply(tenant=tenant, industry=plan.industry)
        existing = set(
            FieldDefinition.objects.for_tenant(tenant).values_list("field_key", flat=True)
        )
        for order, spec in enumerate(plan.fields, start=100):
            if spec.key in existing:
                continue
            definition_create(
                tenant=tenant,
                data={
                    "field_key": spec.key,
                    "field_label": spec.label,
                    "field_type": spec.type,
                    "order": order,
                    **spec.extras,
                },
            )
    return tenant


# ---------------------------------------------------------------------------------------------
# Customers


class TenantStream:
    """One tenant's customers, generated in created_at order with the tenant's own RNG."""

    def __init__(self, plan, tenant, definitions, *, seed: int, anchor: datetime):
        from bench.vocabulary import COMPANY_NOUNS, COMPANY_PREFIXES, FIRST_NAMES, LAST_NAMES

        self.plan = plan
        self.seed = seed
        self.tenant_id = tenant.pk
        self.rng = random.Random(f"{seed}:{plan.slug}:customers")
        self.anchor = anchor
        by_key = {d.field_key: d for d in definitions}
        fields_rng = random.Random(f"{seed}:{plan.slug}:fields")
        self.fields = [
            (
                spec,
                by_key[spec.key],
                value_generator(spec, anchor.date(), fields_rng),
            )
            for spec in plan.fields
        ]
        self.first, self.last = FIRST_NAMES, LAST_NAMES
        self.prefixes, self.nouns = COMPANY_PREFIXES, COMPANY_NOUNS

    def created_times(self) -> list[float]:
        rng = random.Random(f"{self.seed}:{self.plan.slug}:created")
        end = self.anchor.timestamp()
        span = HISTORY_DAYS * DAY
        return sorted(
            end - span * (1 - rng.random() ** (1 / 1.4)) for _ in range(self.plan.customers)
        )

    def customer(self, created: float) -> tuple[tuple, dict]:
        """(core row without id, {definition: canonical value})."""
        r = self.rng
        first, last = r.choice(self.first), r.choice(self.last)
        company = f"{r.choice(self.prefixes)} {r.choice(self.nouns)}" if r.random() < 0.3 else ""
        email = f"{first.lower()}.{last.lower()}{r.randint(1, 9999)}@example.com"
        phone = f"+49{r.randint(1_000_000_000, 9_999_999_999)}" if r.random() < 0.6 else ""
        purchases = int(r.expovariate(1 / 6))
        spent = f"{purchases * r.uniform(20, 120):.2f}"
        contacted = (
            datetime.fromtimestamp(
                created + r.uniform(0, 1) * (self.anchor.timestamp() - created), UTC
            )
            if r.random() < 0.7
            else None
        )
        created_dt = datetime.fromtimestamp(created, UTC)
        updated = contacted or created_dt
        core = (
            self.tenant_id,
            first,
            last,
            email,
            phone,
            company,
            "",
            r.randint(0, 100),
            contacted,
            int(r.expovariate(1 / 12)),
            purchases,
            spent,
            None,
            created_dt,
            updated,
        )
        values = {}
        person = (first, last)
        for spec, definition, gen in self.fields:
            if spec.fill >= 1.0 or r.random() < spec.fill:
                values[definition] = gen(r, person)
        return core, values


def _json_value(definition, value):
    if definition.field_type == "number":
        return float(value)
    return value


def copy_rows(cur, rows, *, enum_ids: dict[str, int], layouts=("ours", "jsonb", "eav")) -> None:
    """COPY customers [(id, core row, {definition: value})] into each layout's tables:
    "ours" (crm_customer), "naive" (same columns, its own table), "jsonb", "eav"."""
    from customfields.slots import ALL_SLOTS

    slot_index = {slot: i for i, slot in enumerate(ALL_SLOTS)}
    core_columns = ", ".join(bl.CORE_COLUMNS)
    slot_columns = ", ".join((*bl.CORE_COLUMNS, *ALL_SLOTS, "custom_fields_extra"))
    empty_slots = [None] * len(ALL_SLOTS)
    for layout in layouts:
        if layout in ("ours", "naive"):
            table = "crm_customer" if layout == "ours" else bl.NAIVE
            with cur.copy(f"COPY {table} ({slot_columns}) FROM STDIN") as copy:
                for cid, core, values in rows:
                    slots = empty_slots.copy()
                    extra = {}
                    for d, v in values.items():
                        if d.mapped_field_name:
                            slots[slot_index[d.mapped_field_name]] = v
                        else:
                            extra[d.field_key] = _json_value(d, v)
                    copy.write_row((cid, *core, *slots, json.dumps(extra)))
        elif layout == "jsonb":
            with cur.copy(f"COPY {bl.JSONB} ({core_columns}, custom) FROM STDIN") as copy:
                for cid, core, values in rows:
                    custom = {d.field_key: _json_value(d, v) for d, v in values.items()}
                    copy.write_row((cid, *core, json.dumps(custom)))
        elif layout == "eav":
            with cur.copy(f"COPY {bl.EAV_ENTITY} ({core_columns}) FROM STDIN") as copy:
                for cid, core, _ in rows:
                    copy.write_row((cid, *core))
            value_columns = ", ".join(bl.EAV_VALUE_COLUMNS)
            with cur.copy(f"COPY {bl.EAV_VALUE} ({value_columns}) FROM STDIN") as copy:
                for cid, core, values in rows:
                    stamp = core[-2]
                    for d, v in values.items():
                        t = d.field_type
                        copy.write_row(
                            (
                                bl.ENTITY_CT,
                                d.pk,
                                cid,
                                v if t in ("text", "email", "phone", "url") else "",
                                float(v) if t == "number" else None,
                                v if t == "date" else None,
                                v if t == "boolean" else None,
                                enum_ids[v] if t == "select" else None,
                                stamp,
                                stamp,
                                core[0],
                            )
                        )
        else:
            raise ValueError(layout)


def _tagged(times: list[float], index: int):
    return ((ts, index) for ts in times)


def load_customers(streams, *, total: int, enum_ids: dict[str, int]) -> None:
    from django.db import connection, transaction

    from crm.models import Customer

    done = Customer.objects.count()
    if done == total:
        print(f"customers: all {total:,} already loaded")
        return
    if done:
        raise SystemExit(f"Found {done:,} customers, not {total:,}; run again with --reset.")
    order = heapq.merge(*(_tagged(stream.created_times(), i) for i, stream in enumerate(streams)))
    next_id = 1
    loaded = 0
    started = time.perf_counter()
    while True:
        batch = []
        for ts, i in order:
            batch.append((ts, i))
            if len(batch) == CHUNK:
                break
        if not batch:
            break
        rows = []
        for ts, i in batch:
            core, values = streams[i].customer(ts)
            rows.append((next_id, core, values))
            next_id += 1
        with transaction.atomic(), connection.cursor() as cur:
            copy_rows(cur, rows, enum_ids=enum_ids)
        loaded += len(rows)
        rate = loaded / (time.perf_counter() - started)
        print(f"customers: {loaded:>9,} / {total:,}  ({rate:,.0f} customers/s)", flush=True)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('crm_customer', 'id'), %s)", [next_id - 1]
        )


def enum_value_ids(definitions) -> dict[str, int]:
    """eav2's EnumValue ids: every select option of every tenant, numbered in sorted order."""
    options = sorted({o for d in definitions for o in d.select_options})
    return {value: i for i, value in enumerate(options, start=1)}


def load_eav_catalogue(definitions) -> dict[str, int]:
    """Attributes (one per field definition, same id) and the global enum values."""
    from django.db import connection

    datatype = {
        "text": "text",
        "email": "text",
        "phone": "text",
        "url": "text",
        "number": "float",
        "date": "date",
        "boolean": "bool",
        "select": "enum",
    }
    enum_ids = enum_value_ids(definitions)
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {bl.EAV_ATTRIBUTE}")
        if cur.fetchone()[0]:
            return enum_ids
        with cur.copy(f"COPY {bl.EAV_ENUM} (id, value) FROM STDIN") as copy:
            for value, i in enum_ids.items():
                copy.write_row((i, value))
        with cur.copy(
            f"COPY {bl.EAV_ATTRIBUTE} (id, tenant_id, name, slug, datatype, required, "
            "display_order, entity_ct_id) FROM STDIN"
        ) as copy:
            for d in definitions:
                copy.write_row(
                    (
                        d.pk,
                        d.tenant_id,
                        d.field_label[:100],
                        d.field_key,
                        datatype[d.field_type],
                        d.is_required,
                        d.order,
                        bl.ENTITY_CT,
                    )
                )
    return enum_ids


def build_naive_and_indexes() -> None:
    from django.db import connection

    from customfields.slots import ALL_SLOTS

    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {bl.NAIVE}")
        if cur.fetchone()[0] == 0:
            step = time.perf_counter()
            cur.execute(f"INSERT INTO {bl.NAIVE} SELECT * FROM crm_customer ORDER BY id")
            print(f"naive table copied: {time.perf_counter() - step:.1f} s", flush=True)
        cur.execute("SELECT relname FROM pg_class UNION SELECT conname FROM pg_constraint")
        existing = {row[0] for row in cur.fetchall()}
        step = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '512MB'")
        for name, statement in bl.create_indexes():
            if name not in existing:
                cur.execute(statement)
        print(
            f"baseline indexes ({len(ALL_SLOTS)} on the naive table): "
            f"{time.perf_counter() - step:.1f} s",
            flush=True,
        )


def vacuum_analyze() -> None:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cur:
        for table in ("crm_customer", "customfields_fielddefinition", *bl.TABLES):
            cur.execute(f"VACUUM (ANALYZE) {table}")
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

    with connection.cursor() as cur:
        cur.execute(
            "SELECT t.slug, count(c.id) FROM crm_tenant t JOIN crm_customer c "
            "ON c.tenant_id = t.id GROUP BY t.slug ORDER BY 2 DESC"
        )
        rows = cur.fetchall()
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

    from bench._setup import database_label
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
    vacuum_analyze()
    summary()
    print(f"generation took {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
