"""Slot index strategies tried on crm_customer, switched between measurement phases:

- none: no slot index at all (only crm_customer's core indexes);
- partial: one partial index per slot, `(tenant_id, slot) WHERE slot IS NOT NULL`, on all 90
  slots, whatever the number of tenants;
- typed: the same on the slots of the types filtered by value or range (text, number, date,
  boolean, select: 65), none on email, phone and url — customfields/indexing.py, the app's
  choice;
- tenant: per tenant, on demand, one partial index per slot the tenant has a field in,
  `(slot) WHERE tenant_id = N AND slot IS NOT NULL` (1,404 for the 50 bench tenants).

The static strategies are built from customfields.indexing's Index objects through Django's
schema editor, so the bench builds exactly what the migration builds. `restore()` puts back
what Customer.Meta declares, so the database ends as the app expects it.
"""

import time

STRATEGIES = ("none", "partial", "typed", "tenant")


def _index_sql(indexes) -> list[str]:
    from django.db import connection

    from crm.models import Customer

    with connection.schema_editor(atomic=False, collect_sql=True) as editor:
        return [str(index.create_sql(Customer, editor)) for index in indexes]


def _slot_indexes(cur) -> list[str]:
    """Every slot index on crm_customer, whichever strategy made it."""
    from customfields.slots import ALL_SLOTS

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


def statements(strategy: str) -> list[str]:
    from customfields import indexing
    from customfields.models import FieldDefinition
    from customfields.slots import ALL_SLOTS, SLOT_LAYOUT

    if strategy == "none":
        return []
    if strategy == "partial":
        return _index_sql(indexing.slot_index(slot) for slot in ALL_SLOTS)
    if strategy == "typed":
        return _index_sql(indexing.slot_indexes(SLOT_LAYOUT))
    if strategy == "tenant":
        definitions = FieldDefinition.objects.filter(mapped_field_name__isnull=False).order_by(
            "tenant_id", "mapped_field_name"
        )
        return [
            f'CREATE INDEX "cf_t{d.tenant_id}_{d.mapped_field_name}" ON crm_customer '
            f"({d.mapped_field_name}) WHERE tenant_id = {d.tenant_id} "
            f"AND {d.mapped_field_name} IS NOT NULL"
            for d in definitions
        ]
    raise ValueError(strategy)


def _name(statement: str) -> str:
    return statement.split('"')[1]


def apply(strategy: str) -> float:
    """Drop every slot index, build the strategy's, VACUUM ANALYZE; returns the build time (s).
    Nothing is rebuilt when the strategy's indexes are already in place."""
    from django.db import connection

    started = time.perf_counter()
    wanted = statements(strategy)
    with connection.cursor() as cur:
        if set(_slot_indexes(cur)) == {_name(s) for s in wanted}:
            cur.execute("ANALYZE crm_customer")
            return 0.0
        drop_all(cur)
        cur.execute("SET maintenance_work_mem = '256MB'")
        for statement in wanted:
            cur.execute(statement)
        cur.execute("RESET maintenance_work_mem")
        cur.execute("VACUUM (ANALYZE) crm_customer")
    return time.perf_counter() - started


def slot_index_sizes(tenant_id: int) -> dict:
    """Size of the slot indexes: all of them, and those that serve `tenant_id` alone."""
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
    """The slot indexes Customer.Meta declares (what the migrations build)."""
    from django.db import connection

    from crm.models import Customer
    from customfields.indexing import slot_index_name

    prefix = slot_index_name("custom_")
    wanted = _index_sql(i for i in Customer._meta.indexes if i.name.startswith(prefix))

    with connection.cursor() as cur:
        if set(_slot_indexes(cur)) == {_name(s) for s in wanted}:
            return
        drop_all(cur)
        for statement in wanted:
            cur.execute(statement)
        cur.execute("VACUUM (ANALYZE) crm_customer")
