"""Upkeep of the custom-field slot indexes (customfields.indexing): rebuild them when they have
grown with updates and bulk imports.

A B-tree does not shrink by itself: an UPDATE of a slot adds an entry for the new row version,
and the dead ones only leave room that later entries of the same range may reuse, so an index
of slots that were rewritten many times (a bulk import that updates, a day of edits) carries
pages it no longer needs — 51.2 MB per 200,000 customers after the bench's update and import
runs, against 48.9 MB freshly built (docs/benchmarks.md, issue 18). `REINDEX INDEX
CONCURRENTLY` builds a fresh copy beside the old one while reads and writes go on, then swaps
them: no lock that stops the tenants' work, at the cost of scanning the table once per index.

On PostgreSQL only: SQLite rewrites nothing here (its indexes are rebuilt by VACUUM, which this
does not run), so the rebuild answers that there was nothing to do.

Run it with `manage.py reindex_slots` (docs/operations.md says when); the import job queues it
after a big customer import (crm.services.import_followups).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection

from tenancy.models import Tenant

from ..indexing import INDEXED_TYPES, slot_index_name
from ..models import FieldDefinition
from ..slots import slot_names


@dataclass(frozen=True)
class Rebuilt:
    index: str
    bytes_before: int
    bytes_after: int


def indexed_slots(*, tenant: Tenant | None = None) -> list[str]:
    """Every indexed slot, or only those `tenant`'s field definitions hold (deleted fields
    give their slot back, so a definition's slot is one the tenant's values are in)."""
    slots = [slot for field_type in INDEXED_TYPES for slot in slot_names(field_type)]
    if tenant is None:
        return slots
    used = set(
        FieldDefinition.objects.filter(tenant=tenant, mapped_field_name__isnull=False).values_list(
            "mapped_field_name", flat=True
        )
    )
    return [slot for slot in slots if slot in used]


def _size(cursor, index: str) -> int:
    cursor.execute("SELECT coalesce(pg_relation_size(to_regclass(%s)), 0)", [index])
    return cursor.fetchone()[0]


def _drop_leftovers(cursor, index: str, concurrently: bool) -> None:
    """An interrupted REINDEX CONCURRENTLY leaves an invalid copy (`<index>_ccnew`, numbered
    when it happened more than once) that every write still maintains: drop it first."""
    cursor.execute(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE NOT i.indisvalid AND c.relname LIKE %s",
        [f"{index}\\_ccnew%"],
    )
    for (name,) in cursor.fetchall():
        how = "CONCURRENTLY " if concurrently else ""
        cursor.execute(f"DROP INDEX {how}IF EXISTS {connection.ops.quote_name(name)}")


def slot_indexes_rebuild(
    *,
    slots: Iterable[str],
    concurrently: bool = True,
    on_index: Callable[[Rebuilt], None] | None = None,
) -> list[Rebuilt]:
    """Rebuild the indexes of `slots` (see `indexed_slots`) one after the other and answer their
    sizes before and after; an empty list on a database other than PostgreSQL. `concurrently`
    (the default) lets the tenants read and write meanwhile; it cannot run inside a
    transaction. `on_index(rebuilt)` is called after each index (the command prints it)."""
    if connection.vendor != "postgresql":
        return []
    if concurrently and connection.in_atomic_block:
        raise RuntimeError("REINDEX CONCURRENTLY cannot run inside a transaction.")
    how = "CONCURRENTLY " if concurrently else ""
    done = []
    with connection.cursor() as cursor:
        for slot in slots:
            index = slot_index_name(slot)
            _drop_leftovers(cursor, index, concurrently)
            before = _size(cursor, index)
            if not before:
                continue  # not created (a migration not applied yet)
            cursor.execute(f"REINDEX INDEX {how}{connection.ops.quote_name(index)}")
            rebuilt = Rebuilt(index=index, bytes_before=before, bytes_after=_size(cursor, index))
            done.append(rebuilt)
            if on_index is not None:
                on_index(rebuilt)
    return done


def slot_indexes_size() -> int:
    """Bytes in all the slot indexes (0 on a database other than PostgreSQL)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        return sum(_size(cursor, slot_index_name(slot)) for slot in indexed_slots())
