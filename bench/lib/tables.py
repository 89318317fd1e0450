"""Tables after a load: VACUUM (ANALYZE), their sizes and their indexes' sizes, and how many
rows each bench tenant holds."""


def vacuum_analyze(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"VACUUM (ANALYZE) {table}")


def sizes(table: str) -> tuple[int, int]:
    """(table bytes, bytes of all its indexes)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_table_size(%s::regclass), pg_indexes_size(%s::regclass)", [table] * 2
        )
        heap, indexes = cur.fetchone()
    return heap or 0, indexes or 0


def pretty_sizes(table: str) -> tuple[str, str]:
    """(table size, indexes size) as PostgreSQL prints them ("87 MB")."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_size_pretty(pg_table_size(%s::regclass)), "
            "pg_size_pretty(pg_indexes_size(%s::regclass))",
            [table] * 2,
        )
        return cur.fetchone()


def relation_size(name: str) -> int:
    """Bytes of one relation (a table's heap alone, or one index)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_relation_size(%s::regclass)", [name])
        return cur.fetchone()[0] or 0


def rows_per_tenant(table: str, slug_prefix: str, *, empty_too: bool) -> list[tuple[str, int]]:
    """(slug, rows of `table`) for the tenants whose slug starts with the prefix, largest
    first; tenants with no rows are listed only when `empty_too`."""
    from django.db import connection

    from tenancy.models import Tenant

    join = "LEFT JOIN" if empty_too else "JOIN"
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT t.slug, count(r.id) FROM {Tenant._meta.db_table} t {join} {table} r "
            "ON r.tenant_id = t.id WHERE t.slug LIKE %s GROUP BY t.slug ORDER BY 2 DESC",
            [slug_prefix + "%"],
        )
        return cur.fetchall()
