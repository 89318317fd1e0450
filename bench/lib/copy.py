"""COPY for the data generators (psycopg 3): rows in chunks of one transaction each, with the
rate printed per chunk. Far faster than `bulk_create` for large tables: no model instances and
no parameter lists.

The foreign keys are not checked while a generator loads (`SET LOCAL session_replication_role
= replica`, which needs the superuser the bench connects as): its rows refer to rows it has
just made. Each check locks the row it refers to (`FOR KEY SHARE`), which rewrites the wide
customer rows' headers; with the checks, COPY into the customers' history tables ran at ~3,500
rows/s instead of ~20,000, and deferred to the end of one transaction (as the timeline
generator had them) they were most of its 8 minutes. The constraints stay in place for every
later write."""

import time
from collections.abc import Callable, Sequence

CHUNK = 50_000

# The columns of crm_customer a COPY must fill: those without a value PostgreSQL can make up
# (the id, the generated search_text and the nullable ones are left to it).
CUSTOMER_COLUMNS = (
    "tenant_id first_name last_name email phone company description crm_score "
    "total_interactions total_purchases total_spent custom_fields_extra created_at updated_at"
).split()


def copy_rows(
    table: str, columns: Sequence[str], total: int, row: Callable[[int], tuple], *, chunk=CHUNK
) -> None:
    """COPY `row(0)` … `row(total - 1)` into `table` (`columns` in the tuples' order)."""
    from django.db import connection, transaction

    started, loaded = time.perf_counter(), 0
    while loaded < total:
        n = min(chunk, total - loaded)
        with transaction.atomic(), connection.cursor() as cur:
            skip_reference_checks()
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for i in range(loaded, loaded + n):
                    copy.write_row(row(i))
        loaded += n
        rate = loaded / (time.perf_counter() - started)
        print(f"{table}: {loaded:>9,} / {total:,}  ({rate:,.0f} rows/s)", flush=True)


def skip_reference_checks() -> None:
    """No foreign-key checks until the end of the current transaction (see above)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")


def ids_in_order(table: str, where: str, params: Sequence) -> list[int]:
    """The ids of `table` WHERE `where`, in the order they were inserted (ascending ids)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY id", params)
        return [row[0] for row in cur.fetchall()]
