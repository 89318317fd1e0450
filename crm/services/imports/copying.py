"""COPY on PostgreSQL, for rows that cannot conflict with a unique constraint (COPY has no ON
CONFLICT): `copy_in` inserts tuples into a model's table, `copy_lines` turns rows into COPY's
text format, `copy_events` writes one event per customer into the outbox; elsewhere (SQLite)
copy_in and copy_events fall back to bulk_create and emit_many. Used by the import's writers
and by campaigns' automation (its action runs). Helpers, not a way in: they write what their
callers give them."""

import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from tenancy.events import EventSpec, clean_data, clean_event_type, emit_many
from tenancy.events.wakeup import process_after_commit
from tenancy.models import EventStatus, OutboxEvent, Tenant


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
COPY_LINES = 5_000  # lines sent to the server per write


def copy_text(value: Any) -> str:
    """A value as a field of COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, date | datetime):
        value = value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def copy_in(
    model, columns: Sequence[str], rows: Iterable[tuple], *, fixed: Mapping[str, Any] | None = None
) -> None:
    """Insert `rows` (tuples of `columns`, attribute names), each with the `fixed` values
    besides (the same for every row), into `model`'s table: COPY on PostgreSQL (no model
    instances, no parameter lists), bulk_create elsewhere. For rows that cannot conflict with
    a unique constraint (COPY has no ON CONFLICT). The lines are written as text, the fixed
    part turned into text once and a whole number as it is: psycopg's `write_row` took ~4 µs
    a row, and an import writes ~5 of these rows per customer."""
    fixed = dict(fixed or {})
    if not is_postgres():
        model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True)), **fixed) for row in rows],
            batch_size=500,
        )
        return
    tail = "".join(f"\t{copy_text(value)}" for value in fixed.values())
    copy_text_in(model, [*columns, *fixed], copy_lines(rows, tail=tail))


def copy_text_in(model, columns: Sequence[str], chunks: Iterable[str]) -> None:
    """COPY into `model`'s table (PostgreSQL only) `chunks` of lines already in COPY's text
    format, their fields in the order of `columns` (attribute names)."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy:
            for chunk in chunks:
                copy.write(chunk)


def copy_lines(rows: Iterable[Sequence], *, tail: str = "") -> Iterator[str]:
    """COPY text of `rows` (each followed by `tail`, fields already as text), COPY_LINES
    lines at a time: a whole number as it is, a printable text without a backslash as it is
    (nothing in it for COPY to escape), None as COPY's null, anything else through copy_text."""
    end = tail + "\n"
    lines = (
        "\t".join(
            [
                str(v)
                if v.__class__ is int
                else v
                if v.__class__ is str and v.isprintable() and "\\" not in v
                else "\\N"
                if v is None
                else copy_text(v)
                for v in row
            ]
        )
        + end
        for row in rows
    )
    while chunk := "".join(itertools.islice(lines, COPY_LINES)):
        yield chunk


def copy_events(*, tenant: Tenant, event_type: str, customer_ids: Sequence[int], data: dict) -> int:
    """One event of `event_type` with the same `data` for each of `customer_ids` (an import's
    new customers, or those a tag was added to), in the caller's transaction: one COPY on
    PostgreSQL — the payload checked and turned into JSON once, no model instance per event —
    emit_many elsewhere. The rows are emit_many's (pending, due now, no key)."""
    if not customer_ids:
        return 0
    if not is_postgres():
        return emit_many(
            tenant=tenant,
            events=(EventSpec(event_type, customer_id=pk, data=data) for pk in customer_ids),
        )
    now = timezone.now()
    fixed = {
        "tenant_id": tenant.pk,
        "event_type": clean_event_type(event_type),
        "data": clean_data(data),
        "event_id": None,
        "occurred_at": now,
        "recorded_at": now,
        "available_at": now,
        "status": EventStatus.PENDING,
        "attempts": 0,
        "last_error": "",
    }
    copy_in(OutboxEvent, ("customer_id",), ((pk,) for pk in customer_ids), fixed=fixed)
    process_after_commit()
    return len(customer_ids)
