"""Timing the writes: single-field updates (autocommit over several connections, and inside
one rolled-back transaction with WAL figures), ours' service path in one and in several
processes, bulk COPY of new customers and customer_create."""

import os
import random
import threading
import time
from decimal import Decimal

from bench.lib.querylog import QueryLog

from . import baselines as bl
from .context import TENANT_SLUG, USERNAME, Context
from .data import UPDATE_FIELD

WRITE_THREADS = 8


def update_statement(system: str, ctx: Context) -> str:
    d = ctx.definitions[UPDATE_FIELD]
    if system in ("ours", "naive"):
        table = "crm_customer" if system == "ours" else bl.NAIVE
        return f"UPDATE {table} SET {d.mapped_field_name} = %s, updated_at = now() WHERE id = %s"
    if system == "JSONB":
        return (
            f"UPDATE {bl.JSONB} SET custom = jsonb_set(custom, '{{{UPDATE_FIELD}}}', "
            "to_jsonb(%s::numeric)), updated_at = now() WHERE id = %s"
        )
    if system == "EAV":
        return (
            f"UPDATE {bl.EAV_VALUE} SET value_float = %s, modified = now() WHERE entity_ct_id = "
            f"{bl.ENTITY_CT} AND attribute_id = {d.pk} AND entity_id = %s"
        )
    raise ValueError(system)


def update_rate(system: str, ctx: Context, *, n: int, threads: int, seed: int) -> float:
    """Single-row UPDATEs of one custom field, each its own transaction (autocommit), spread
    over `threads` connections; returns updates/s."""
    import psycopg
    from django.db import connection

    s = connection.settings_dict
    dsn = (
        f"host={s['HOST'] or 'localhost'} port={s['PORT'] or 5432} dbname={s['NAME']} "
        f"user={s['USER']}" + (f" password={s['PASSWORD']}" if s["PASSWORD"] else "")
    )
    rng = random.Random(f"{seed}:{system}:updates")
    ids = rng.sample(ctx.update_ids, n)
    values = [Decimal(rng.randint(0, 5000)) + Decimal("0.5") for _ in range(n)]
    sql = update_statement(system, ctx)
    if system == "EAV":
        values = [float(v) for v in values]
    chunks = [list(range(k, n, threads)) for k in range(threads)]
    conns = [psycopg.connect(dsn, autocommit=True) for _ in range(threads)]

    def work(conn, idx):
        for j in idx:
            conn.execute(sql, (values[j], ids[j]))

    workers = [
        threading.Thread(target=work, args=(conn, idx))
        for conn, idx in zip(conns, chunks, strict=True)
    ]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    for conn in conns:
        conn.close()
    return n / elapsed


def update_cost(system: str, ctx: Context, *, n: int, seed: int) -> dict:
    """Single-row UPDATEs inside one transaction (no commit per row), rolled back: µs per update
    (the CPU, I/O and index maintenance cost without the commit), and from EXPLAIN (ANALYZE,
    WAL) of a sample, WAL records, full-page images and bytes per update."""
    from django.db import connection, transaction

    rng = random.Random(f"{seed}:{system}:batch")
    ids = rng.sample(ctx.update_ids, n)
    sql = update_statement(system, ctx)

    def value():
        number = rng.randint(0, 5000)
        return float(number) if system == "EAV" else Decimal(number)

    wal = {"WAL Records": 0, "WAL FPI": 0, "WAL Bytes": 0}
    sample = ids[: n // 10]
    with connection.cursor() as cur:
        try:
            with transaction.atomic():
                started = time.perf_counter()
                for cid in ids[n // 10 :]:
                    cur.execute(sql, (value(), cid))
                elapsed = time.perf_counter() - started
                for cid in sample:
                    cur.execute(f"EXPLAIN (ANALYZE, WAL, FORMAT JSON) {sql}", (value(), cid))
                    plan = cur.fetchone()[0][0]["Plan"]
                    for key in wal:
                        wal[key] += plan.get(key, 0)
                raise _Rollback
        except _Rollback:
            pass
    return {
        "us": elapsed / (n - len(sample)) * 1e6,
        "wal_records": wal["WAL Records"] / len(sample),
        "wal_fpi": wal["WAL FPI"] / len(sample),
        "wal_bytes": wal["WAL Bytes"] / len(sample),
    }


class _Rollback(Exception):
    pass


def service_update_rate(ctx: Context, *, n: int, seed: int) -> dict:
    """customer_update with one custom field through the app's service (validation, save,
    history), after loading the customer as the API does; one process."""
    from django.db import connection

    from crm.models import Customer
    from crm.services.customers import customer_update

    rng = random.Random(f"{seed}:service-updates")
    ids = rng.sample(ctx.update_ids, n)
    log = QueryLog()
    started = time.perf_counter()
    with connection.execute_wrapper(log):
        for cid in ids:
            customer = Customer.objects.for_tenant(ctx.tenant).get(pk=cid)
            customer_update(
                customer=customer,
                by=ctx.membership,
                data={},
                custom_fields={UPDATE_FIELD: str(rng.randint(0, 5000))},
            )
    elapsed = time.perf_counter() - started
    return {"per_s": n / elapsed, "queries": log.count / n}


def _service_worker(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.db import connections

    connections.close_all()
    ctx_ids, n, seed, k = args
    from crm.models import Customer
    from crm.services.customers import customer_update
    from tenancy.models import Membership, Tenant

    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    membership = Membership.objects.get(tenant=tenant, user__username=USERNAME)
    rng = random.Random(f"{seed}:service-worker:{k}")
    started = time.perf_counter()
    for cid in ctx_ids:
        customer = Customer.objects.for_tenant(tenant).get(pk=cid)
        customer_update(
            customer=customer,
            by=membership,
            data={},
            custom_fields={UPDATE_FIELD: str(rng.randint(0, 5000))},
        )
    return time.perf_counter() - started


def service_update_rate_parallel(ctx: Context, *, n: int, processes: int, seed: int) -> float:
    import multiprocessing

    from django.db import connections

    rng = random.Random(f"{seed}:service-parallel")
    ids = rng.sample(ctx.update_ids, n)
    parts = [(ids[k::processes], n, seed, k) for k in range(processes)]
    connections.close_all()
    pool = multiprocessing.get_context("fork").Pool(processes)
    try:
        started = time.perf_counter()
        pool.map(_service_worker, parts)
        elapsed = time.perf_counter() - started
    finally:
        pool.close()
        pool.join()
    return n / elapsed


def new_customers(ctx: Context, *, n: int, seed: int) -> list:
    """n new customers of the largest tenant, as the generator makes them (other seed)."""
    from datetime import UTC, datetime

    from customfields.models import FieldDefinition

    from .data import plan_tenants
    from .stream import TenantStream

    plan = plan_tenants(seed=3, tenants=50, total=1_000_000, largest=200_000)[0]
    definitions = list(FieldDefinition.objects.for_tenant(ctx.tenant))
    anchor = datetime.combine(ctx.anchor, datetime.min.time(), tzinfo=UTC)
    stream = TenantStream(plan, ctx.tenant, definitions, seed=seed + 1000, anchor=anchor)
    base = 50_000_000
    now = anchor.timestamp()
    return [(base + k, *stream.customer(now - k)) for k in range(n)]


def bulk_insert_rate(layout: str, ctx: Context, rows: list) -> dict:
    """COPY the rows (with every index of the layout in place) in one transaction, rolled
    back; customers/s and, for EAV, value rows/s."""
    from django.db import connection, transaction

    from .load import copy_rows

    values = sum(len(v) for _, _, v in rows)
    with connection.cursor() as cur:
        try:
            with transaction.atomic():
                started = time.perf_counter()
                copy_rows(cur, rows, enum_ids=ctx.enum_ids, layouts=(layout,))
                elapsed = time.perf_counter() - started
                raise _Rollback
        except _Rollback:
            pass
    out = {"per_s": len(rows) / elapsed}
    if layout == "eav":
        out["value_rows_per_s"] = values / elapsed
    return out


def service_create_rate(ctx: Context, rows: list) -> dict:
    """customer_create (validation of every value, save, history), one process; rolled back."""
    from django.db import connection, transaction

    from crm.services.customers import customer_create

    log = QueryLog()
    try:
        with transaction.atomic(), connection.execute_wrapper(log):
            started = time.perf_counter()
            for _, core, values in rows:
                customer_create(
                    tenant=ctx.tenant,
                    by=ctx.membership,
                    data={"first_name": core[1], "last_name": core[2], "email": core[3]},
                    custom_fields={d.field_key: v for d, v in values.items()},
                )
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return {"per_s": len(rows) / elapsed, "queries": log.count / len(rows)}
