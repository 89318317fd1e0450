"""Two-field indexes made on request: an index on two of one tenant's slot fields together, for
a filter the tenant runs often (`cf_category = x AND cf_last_purchase >= y`).

The slot indexes (customfields.indexing) lead with the tenant, so PostgreSQL never ANDs two of
them (both paths use the same `tenant_id = N` clause): the count of such a filter reads one
slot's index and checks the other slot on every candidate's row, ~10,000 heap rows for a capped
count (docs/benchmarks.md, "The AND of two custom-field filters"). An index on the pair makes
that count index-only:

    CREATE INDEX CONCURRENTLY customer_pair_t7_31_33 ON crm_customer
        (custom_select_1, custom_date_2)
        WHERE tenant_id = 7 AND custom_select_1 IS NOT NULL AND custom_date_2 IS NOT NULL

The equality-type field (select, yes/no, text) comes first and the range type (date, number)
second, so `= x AND >= y` is one contiguous range of the index. Partial on the tenant: it holds
only that tenant's rows with both values (~1.4 MB per 200,000 customers), and a query names the
tenant as a literal (client-side parameter binding), so the planner matches the predicate.
Every statement on the customer table plans against these indexes, which is why they are few
(MAX_PAIRS per tenant) and made by an operator for a known filter, not automatically.

On SQLite the same partial index, built in place. `CREATE INDEX CONCURRENTLY` cannot run inside
a transaction (as for the slot index rebuild, services.indexes); the drop that follows a
field's deletion waits for the commit and is then concurrent too.
"""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Q

from tenancy.models import Tenant

from ..host import host_model
from ..indexing import INDEXED_TYPES
from ..models import FieldDefinition, FieldPairIndex, FieldType

MAX_PAIRS = 3  # per tenant: every statement on the customer table plans against them
EQUALITY_TYPES = (FieldType.SELECT, FieldType.BOOLEAN, FieldType.TEXT)  # first in the index
NAME_PREFIX = "customer_pair_"
DUPLICATE_NAME = "42P07"  # PostgreSQL: a relation of that name exists (not ours to drop)


class PairIndexBuildFailed(RuntimeError):
    """The database did not build the index (a cancelled or failed concurrent build); nothing
    is left behind."""


def pair_index_name(tenant: Tenant, first: FieldDefinition, second: FieldDefinition) -> str:
    return f"{NAME_PREFIX}t{tenant.pk}_{first.pk}_{second.pk}"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _definition(tenant: Tenant, key: str) -> FieldDefinition:
    definition = FieldDefinition.objects.for_tenant(tenant).filter(field_key=key).first()
    if definition is None:
        raise ValidationError(f"The tenant has no field '{key}'.")
    if not definition.in_slot:
        raise ValidationError(
            f"'{key}' is stored in custom_fields_extra (every slot of its type was taken): "
            f"only fields in a slot column can be indexed."
        )
    if definition.field_type not in INDEXED_TYPES:
        raise ValidationError(
            f"'{key}' is a {definition.get_field_type_display().lower()} field: only "
            f"{', '.join(INDEXED_TYPES)} fields are indexed."
        )
    return definition


def _ordered(a: FieldDefinition, b: FieldDefinition) -> tuple[FieldDefinition, FieldDefinition]:
    """Equality type first, range type second; as given when both are of one kind."""
    if a.field_type not in EQUALITY_TYPES and b.field_type in EQUALITY_TYPES:
        return b, a
    return a, b


def _pair(tenant: Tenant, a: FieldDefinition, b: FieldDefinition) -> FieldPairIndex | None:
    return (
        FieldPairIndex.objects.for_tenant(tenant)
        .filter(first__in=[a, b], second__in=[a, b])
        .first()
    )


def _drop_invalid(cursor, name: str) -> None:
    """A failed `CREATE INDEX CONCURRENTLY` leaves the index behind, INVALID (no query uses
    it, every write still maintains it). Not one another session is building (invalid until
    it is done)."""
    cursor.execute(
        "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE NOT i.indisvalid AND c.relname = %s AND NOT EXISTS ("
        "  SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid)",
        [name],
    )
    if cursor.fetchone():
        how = "" if connection.in_atomic_block else "CONCURRENTLY "
        cursor.execute(f"DROP INDEX {how}IF EXISTS {_quote(name)}")


def _build(pair: FieldPairIndex, *, concurrently: bool) -> None:
    table = host_model()._meta.db_table
    tenant_column = host_model()._meta.get_field("tenant").column
    a, b = _quote(pair.first_slot), _quote(pair.second_slot)
    postgresql = connection.vendor == "postgresql"
    how = "CONCURRENTLY " if concurrently and postgresql else ""
    sql = (
        f"CREATE INDEX {how}{_quote(pair.index_name)} ON {_quote(table)} ({a}, {b}) "
        f"WHERE {_quote(tenant_column)} = {int(pair.tenant_id)} "
        f"AND {a} IS NOT NULL AND {b} IS NOT NULL"
    )
    with connection.cursor() as cursor:
        if postgresql:
            _drop_invalid(cursor, pair.index_name)  # left by an earlier failed build
        if postgresql and connection.in_atomic_block:
            # A plain build in a transaction that wrote customers: PostgreSQL refuses to index
            # a table with deferred checks pending, so they run now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        try:
            cursor.execute(sql)
        except DatabaseError as exc:
            ours = getattr(exc.__cause__, "sqlstate", None) != DUPLICATE_NAME
            if postgresql and ours and not connection.in_atomic_block:
                _drop_invalid(cursor, pair.index_name)
            raise PairIndexBuildFailed(
                f"The index {pair.index_name} was not built ({exc}). Nothing was left behind; "
                f"run the command again."
            ) from exc


def _drop_index(name: str, *, concurrently: bool = True) -> None:
    how = "CONCURRENTLY " if concurrently and not connection.in_atomic_block else ""
    if connection.vendor != "postgresql":
        how = ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {how}IF EXISTS {_quote(name)}")


def _refuse_concurrently_in_transaction(concurrently: bool) -> None:
    if concurrently and connection.vendor == "postgresql" and connection.in_atomic_block:
        raise RuntimeError("CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction.")


def pair_index_create(
    *, tenant: Tenant, key_a: str, key_b: str, concurrently: bool = True
) -> FieldPairIndex:
    """Index the tenant's fields `key_a` and `key_b` together. Refused (ValidationError): an
    unknown key, the same field twice, a field not in an indexed slot, a pair already indexed,
    more than MAX_PAIRS pairs. `concurrently` (the default) lets the tenants work meanwhile and
    cannot run inside a transaction."""
    if key_a == key_b:
        raise ValidationError("Give two different fields.")
    first, second = _ordered(_definition(tenant, key_a), _definition(tenant, key_b))
    if _pair(tenant, first, second) is not None:
        raise ValidationError(f"'{first.field_key}' and '{second.field_key}' are indexed already.")
    if FieldPairIndex.objects.for_tenant(tenant).count() >= MAX_PAIRS:
        raise ValidationError(
            f"A tenant has at most {MAX_PAIRS} two-field indexes: drop one it no longer needs."
        )
    _refuse_concurrently_in_transaction(concurrently)
    pair = FieldPairIndex(
        tenant=tenant,
        first=first,
        second=second,
        first_slot=first.mapped_field_name,
        second_slot=second.mapped_field_name,
        index_name=pair_index_name(tenant, first, second),
    )
    _build(pair, concurrently=concurrently)
    try:
        pair.save()
    except DatabaseError:
        _drop_index(pair.index_name, concurrently=concurrently)
        raise
    return pair


def pair_index_drop(
    *, tenant: Tenant, key_a: str, key_b: str, concurrently: bool = True
) -> FieldPairIndex:
    """Drop the tenant's index of `key_a` and `key_b` (either order); ValidationError if none."""
    definitions = FieldDefinition.objects.for_tenant(tenant).filter(field_key__in=[key_a, key_b])
    found = {d.field_key: d for d in definitions}
    pair = None
    if key_a in found and key_b in found and key_a != key_b:
        pair = _pair(tenant, found[key_a], found[key_b])
    if pair is None:
        raise ValidationError(f"The tenant has no index of '{key_a}' and '{key_b}'.")
    _refuse_concurrently_in_transaction(concurrently)
    _drop_index(pair.index_name, concurrently=concurrently)
    pair.delete()
    return pair


def pair_indexes_drop_for(definition: FieldDefinition) -> list[str]:
    """Forget the pairs `definition` is part of (its deletion, or its values leaving their
    slot); the indexes themselves are dropped once the transaction commits, concurrently, so
    the deletion does not lock the customer table for every tenant until then."""
    pairs = list(
        FieldPairIndex.objects.for_tenant(definition.tenant).filter(
            Q(first=definition) | Q(second=definition)
        )
    )
    for pair in pairs:
        pair.delete()
        transaction.on_commit(partial(_drop_index, pair.index_name))
    return [pair.index_name for pair in pairs]


def pair_index_names() -> set[str]:
    """The two-field indexes that exist on the customer table (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s",
            [host_model()._meta.db_table, NAME_PREFIX.replace("_", "\\_") + "%"],
        )
        return {name for (name,) in cursor.fetchall()}


def pair_indexes_rebuild(
    *, tenant: Tenant | None = None, concurrently: bool = True, on_index=None
) -> list[str]:
    """With the slot indexes (`manage.py reindex_slots`): rebuild every two-field index
    (REINDEX, like the slot indexes), build one found missing, drop a pair whose fields no
    longer sit in the slots it was built on, and drop an index no pair records (a drop after
    a field's deletion that never ran; not when only `tenant`'s are rebuilt). Answers what
    was done, one line each; PostgreSQL only."""
    if connection.vendor != "postgresql":
        return []
    _refuse_concurrently_in_transaction(concurrently)
    how = "CONCURRENTLY " if concurrently else ""
    existing = pair_index_names()
    done = []
    pairs = FieldPairIndex.objects.select_related("first", "second")
    if tenant is not None:
        pairs = pairs.for_tenant(tenant)
    for pair in pairs:
        slots = (pair.first.mapped_field_name, pair.second.mapped_field_name)
        if slots != (pair.first_slot, pair.second_slot):
            _drop_index(pair.index_name, concurrently=concurrently)
            pair.delete()
            line = f"{pair.index_name}: dropped, its fields moved to other slots"
        elif pair.index_name not in existing:
            _build(pair, concurrently=concurrently)
            line = f"{pair.index_name}: built (it was missing)"
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"REINDEX INDEX {how}{_quote(pair.index_name)}")
            line = f"{pair.index_name}: rebuilt"
        existing.discard(pair.index_name)
        done.append(line)
        if on_index is not None:
            on_index(line)
    for name in sorted(existing) if tenant is None else ():
        _drop_index(name, concurrently=concurrently)
        done.append(f"{name}: dropped, no two-field index records it")
        if on_index is not None:
            on_index(done[-1])
    return done


def pair_indexes_size(tenant: Tenant | None = None) -> int:
    """Bytes in the two-field indexes (of one tenant, or all); 0 on other databases."""
    if connection.vendor != "postgresql":
        return 0
    names = FieldPairIndex.objects.all()
    if tenant is not None:
        names = names.for_tenant(tenant)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_relation_size(to_regclass(n))), 0) FROM unnest(%s::text[]) n",
            [list(names.values_list("index_name", flat=True))],
        )
        return int(cursor.fetchone()[0])
