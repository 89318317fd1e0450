"""Slot index strategies tried on crm_customer, switched by raw SQL between measurement phases:

- none: no slot index at all (only crm_customer's core indexes);
- partial: one partial index per slot, `(tenant_id, slot) WHERE slot IS NOT NULL` (90 in all,
  whatever the number of tenants);
- tenant: per tenant, on demand, one partial index per slot the tenant has a field in,
  `(slot) WHERE tenant_id = N AND slot IS NOT NULL` (about 25 per tenant here: ~1,200).

`restore()` puts back what the migrations define, so the database ends as the app expects it.
"""

import time

STRATEGIES = ("none", "partial", "tenant")


def APP_STATEMENTS() -> list[str]:
    return []


def _slot_indexes(cur) -> list[str]:
    """Every slot index on crm_customer, whichever strategy made it."""
    from crm.models import ALL_SLOTS

    cur.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = 'crm_customer'::regclass"
    )
    return [
        name
        for name, definition in cur.fetchall()
        if any(f"({slot})" in definition or f", {slot})" in definition for slot in ALL_SLOTS)
    ]


def drop_all(cur) -> None:
    for name in _slot_indexes(cur):
        cur.execute(f'DROP INDEX IF EXISTS "{name}"')


def partial_statements() -> list[str]:
    from crm.models import ALL_SLOTS

    return [
        f'CREATE INDEX IF NOT EXISTS "customer_{slot}" ON crm_customer '
        f"(tenant_id, {slot}) WHERE {slot} IS NOT NULL"
        for slot in ALL_SLOTS
    ]


def tenant_statements() -> list[str]:
    from customfields.models import FieldDefinition

    definitions = FieldDefinition.objects.filter(mapped_field_name__isnull=False).order_by(
        "tenant_id", "mapped_field_name"
    )
    return [
        f'CREATE INDEX IF NOT EXISTS "cf_t{d.tenant_id}_{d.mapped_field_name}" ON crm_customer '
        f"({d.mapped_field_name}) WHERE tenant_id = {d.tenant_id} "
        f"AND {d.mapped_field_name} IS NOT NULL"
        for d in definitions
    ]


def apply(strategy: str) -> float:
    """Drop every slot index, build the strategy's, ANALYZE; returns the build time (s)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cur:
        drop_all(cur)
        cur.execute("SET maintenance_work_mem = '256MB'")
        statements = {
            "none": [],
            "partial": partial_statements(),
            "tenant": tenant_statements(),
        }[strategy]
        for statement in statements:
            cur.execute(statement)
        cur.execute("RESET maintenance_work_mem")
        cur.execute("VACUUM (ANALYZE) crm_customer")
    return time.perf_counter() - started


def slot_index_sizes(tenant_id: int) -> dict:
    """Size of the slot indexes: all of them, and those that serve `tenant_id`."""
    from django.db import connection

    with connection.cursor() as cur:
        names = _slot_indexes(cur)
        cur.execute(
            "SELECT c.relname, pg_relation_size(c.oid), pg_get_indexdef(c.oid) FROM pg_class c "
            "WHERE c.relname = ANY(%s)",
            [names],
        )
        rows = cur.fetchall()
    total = sum(size for _, size, _ in rows)
    own = sum(size for _, size, d in rows if f"tenant_id = {tenant_id})" in d)
    return {"count": len(rows), "bytes": total, "tenant_bytes": own}


def restore() -> None:
    """The slot indexes the migrations define (what the app runs with)."""
    from django.db import connection

    with connection.cursor() as cur:
        drop_all(cur)
        for statement in APP_STATEMENTS():
            cur.execute(statement)
        cur.execute("VACUUM (ANALYZE) crm_customer")
