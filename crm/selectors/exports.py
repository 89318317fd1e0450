"""Exports: the rows of a file of customers or leads, read for any queryset the caller has
already scoped and filtered (the list's filters, a segment, an agent's leads, the admin's
changelist), and the two writers (CSV and XLSX).

Rows are read in chunks by keyset on the primary key with `values_list` (no model instances),
and the tags of a chunk come in one query, so an export of N rows costs about N / CHUNK_SIZE × 2
queries and holds one chunk in memory. When the caller asks for an order (`ordered=True`, the
list's `?ordering=`), the ordered primary keys are read first (integers only) and the rows
follow in chunks of them.

Columns are named so the import maps them back by itself: the writable core fields by their
names, `tags` (one comma-separated cell), then every active custom field by its `field_key`
(`custom.<key>` when a key is also a core column's name, so no header is ambiguous). Leads carry
the contract's lead fields with `status`, `source`, `sub_source` and `channel` as their codes,
`assigned_to` as the username, `customer` and `campaign` as ids.

Values: dates and times in ISO form (times in the tenant's zone), decimals plain (`1234.50`),
booleans `true`/`false`, empty for none. A text cell that a spreadsheet would read as a formula
(starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'` in CSV and is
written as text in XLSX — except a cell of digits with only `+ - ( ) . /` and spaces around
them (a phone number `+1 555 0100`, `-12`), which can call nothing and stays as it is.
"""

import csv
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from customfields.models import FieldDefinition, FieldType
from customfields.services.values import active_definitions
from customfields.slots import EXTRA_FIELD
from tenancy.models import Tenant

from ..models import Customer, CustomerTag, Lead, LeadTag
from ..services.customers import CUSTOMER_FIELDS
from ..services.leads import EDITABLE_FIELDS as LEAD_FIELDS

CHUNK_SIZE = 2000
TAGS_COLUMN = "tags"
CUSTOM_PREFIX = "custom."
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
# The longest text an XLSX cell holds (Excel's limit).
XLSX_CELL_MAX = 32_767

# Lead columns read through a relation: the header -> what values_list reads.
_LEAD_LOOKUPS = {
    "source": "source__source_code",
    "sub_source": "sub_source__sub_source_code",
    "channel": "channel__channel_code",
    "assigned_to": f"assigned_to__{get_user_model().USERNAME_FIELD}",
    "customer": "customer_id",
    "campaign": "campaign_id",
}


@dataclass
class Export:
    """An export ready to write: its headers, its rows (typed values, read lazily) and a name
    for its file."""

    headers: list[str]
    rows: Iterable[list[Any]]
    name: str
    # One per column: "text", "number", "date", "datetime" or "bool" (how the writers show it).
    kinds: list[str]
    zone: Any  # the tenant's time zone, for the times


# ---------------------------------------------------------------------------------------------
# Reading


def _custom_headers(definitions: Iterable[FieldDefinition], core: Iterable[str]) -> list[str]:
    taken = {*core, TAGS_COLUMN}
    return [
        f"{CUSTOM_PREFIX}{d.field_key}" if d.field_key in taken else d.field_key
        for d in definitions
    ]


def _custom_reader(definitions: list[FieldDefinition]) -> tuple[list[str], Callable]:
    """(the columns values_list reads for the custom fields, a function turning their values
    into one value per field): slot columns as they are, overflow fields out of the JSON."""
    columns = [d.mapped_field_name for d in definitions if d.in_slot]
    overflow = [d for d in definitions if not d.in_slot]
    if not overflow:
        return columns, list
    columns.append(EXTRA_FIELD)
    position = {}
    slot = 0
    for d in definitions:
        if d.in_slot:
            position[d.field_key] = slot
            slot += 1

    def parse(d: FieldDefinition, value: Any) -> Any:
        if value is None:
            return None
        try:
            if d.field_type == FieldType.NUMBER:
                return Decimal(str(value)).quantize(Decimal("0.01"))
            if d.field_type == FieldType.DATE:
                return date.fromisoformat(value)
        except (ArithmeticError, TypeError, ValueError):
            return str(value)  # a value kept before its type was checked: as it is
        if d.field_type == FieldType.BOOLEAN and not isinstance(value, bool):
            return str(value)
        return value if isinstance(value, (bool, str)) else str(value)

    def read(values: Iterable[Any]) -> list[Any]:
        values = list(values)
        extra = values.pop() or {}
        return [
            values[position[d.field_key]] if d.in_slot else parse(d, extra.get(d.field_key))
            for d in definitions
        ]

    return columns, read


def _pk_in(queryset: QuerySet, column: str, ids: list[int]) -> QuerySet:
    """`queryset` narrowed to rows whose `column` is one of `ids`: on PostgreSQL one array
    parameter (`= ANY(%s)`: building an IN list of 2,000 parameters costs more than running
    the query), elsewhere `__in`."""
    if connection.vendor == "postgresql":
        table = queryset.model._meta.db_table
        return queryset.extra(where=[f'"{table}"."{column}" = ANY(%s)'], params=[ids])
    return queryset.filter(**{f"{column}__in": ids})


def _tags_of(through, owner: str, tenant: Tenant, pks: list[int]) -> dict[int, str]:
    """{owner pk: "a, b"} for one chunk, in one query."""
    names: dict[int, list[str]] = defaultdict(list)
    links = _pk_in(through.objects.filter(tenant=tenant), f"{owner}_id", pks)
    for pk, name in links.order_by().values_list(f"{owner}_id", "tag__name"):
        names[pk].append(name)
    return {pk: ", ".join(sorted(tags)) for pk, tags in names.items()}


def _ordered_pks(rows) -> list[int]:
    """The primary keys of `rows` in their order: a queryset, or customfields'
    ValuesThenEmpty (the customers with a value, then the empty ones)."""
    if isinstance(rows, QuerySet):
        return list(rows.prefetch_related(None).values_list("pk", flat=True))
    return [*_ordered_pks(rows.values), *_ordered_pks(rows.empty)]


def _model_of(rows) -> type:
    return rows.model if isinstance(rows, QuerySet) else rows.queryset.model


def _chunks(
    queryset: QuerySet, columns: list[str], *, tenant: Tenant, ordered: bool
) -> Iterator[list[tuple]]:
    """Lists of `("pk", *columns)` tuples, CHUNK_SIZE at a time: by keyset on pk, or, when
    `ordered`, in the queryset's order (its primary keys first, then their rows)."""
    fields = ["pk", *columns]
    if not ordered:
        base = queryset.prefetch_related(None).order_by("pk")
        last = None
        while True:
            page = base if last is None else base.filter(pk__gt=last)
            rows = list(page.values_list(*fields)[:CHUNK_SIZE])
            if not rows:
                return
            yield rows
            if len(rows) < CHUNK_SIZE:
                return
            last = rows[-1][0]
    pks = _ordered_pks(queryset)
    table = _model_of(queryset).objects.filter(tenant=tenant)
    for start in range(0, len(pks), CHUNK_SIZE):
        chunk = pks[start : start + CHUNK_SIZE]
        found = {row[0]: row for row in _pk_in(table, "id", chunk).values_list(*fields)}
        yield [found[pk] for pk in chunk if pk in found]


def _kind(field) -> str:
    if isinstance(field, models.BooleanField):
        return "bool"
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, (models.CharField, models.TextField)):
        return "text"
    return "number"


_CUSTOM_KINDS = {FieldType.NUMBER: "number", FieldType.DATE: "date", FieldType.BOOLEAN: "bool"}


def customer_export(*, tenant: Tenant, customers: QuerySet[Customer], ordered=False) -> Export:
    """The export of `customers` (already scoped to `tenant` and filtered by the caller): the
    writable core fields, `tags`, and the tenant's active custom fields."""
    definitions = list(active_definitions(tenant).values())
    custom_columns, read_custom = _custom_reader(definitions)
    core = list(CUSTOMER_FIELDS)
    headers = [*core, TAGS_COLUMN, *_custom_headers(definitions, core)]
    kinds = [
        *(_kind(Customer._meta.get_field(name)) for name in core),
        "text",
        *(_CUSTOM_KINDS.get(d.field_type, "text") for d in definitions),
    ]
    n_core = len(core)

    def rows() -> Iterator[list[Any]]:
        for chunk in _chunks(customers, [*core, *custom_columns], tenant=tenant, ordered=ordered):
            tags = _tags_of(CustomerTag, "customer", tenant, [row[0] for row in chunk])
            for row in chunk:
                yield [*row[1 : n_core + 1], tags.get(row[0], ""), *read_custom(row[n_core + 1 :])]

    return Export(headers=headers, rows=rows(), name="customers", kinds=kinds, zone=tenant.tzinfo)


def lead_export(*, tenant: Tenant, leads: QuerySet[Lead], ordered=False) -> Export:
    """The export of `leads` (already scoped to `tenant` and to what the member sees, and
    filtered by the caller): the contract's lead fields and `tags`."""
    core = list(LEAD_FIELDS)
    columns = [_LEAD_LOOKUPS.get(name, name) for name in core]
    headers = [*core, TAGS_COLUMN]
    kinds = [
        "number" if name in ("customer", "campaign")
        else "text" if name in _LEAD_LOOKUPS
        else _kind(Lead._meta.get_field(name))
        for name in core
    ] + ["text"]  # fmt: skip

    def rows() -> Iterator[list[Any]]:
        for chunk in _chunks(leads, columns, tenant=tenant, ordered=ordered):
            tags = _tags_of(LeadTag, "lead", tenant, [row[0] for row in chunk])
            for row in chunk:
                yield [*row[1:], tags.get(row[0], "")]

    return Export(headers=headers, rows=rows(), name="leads", kinds=kinds, zone=tenant.tzinfo)


# ---------------------------------------------------------------------------------------------
# Writing

# Text a spreadsheet reads as a formula, and the harmless numbers among it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FIRST = frozenset("".join(FORMULA_STARTS))
_PLAIN_NUMBER = re.compile(r"[+-]?[\d ().+/-]*\d[\d ().+/-]*\Z")
# Characters XML 1.0 cannot carry (openpyxl refuses them); dropped from XLSX cells.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_formula_like(text: str) -> bool:
    if not text.startswith(FORMULA_STARTS):
        return False
    if text[0] in "+-" and text[1:].isdigit():  # +493012345678: a phone, not a formula
        return False
    return not _PLAIN_NUMBER.match(text)


def _csv_text(value: str) -> str:
    return "'" + value if value[0] in _FIRST and is_formula_like(value) else value


def cell_text(value: Any) -> str:
    """How one value is written in CSV (the writer does the same column by column)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = str(value)
    return _csv_text(text) if text else text


def _columns(export: Export, kind: str) -> list[int]:
    return [i for i, k in enumerate(export.kinds) if k == kind]


def _prepared(
    export: Export, *, text: Callable[[str], Any], first: frozenset | None = None
) -> Iterator[list[Any]]:
    """The rows with booleans as true/false, times in the tenant's zone in ISO form, and each
    non-empty text through `text` (the writer's guard; with `first`, only the texts starting
    with one of those characters); only the columns that need it are touched. Numbers and
    dates stay as they are (the database's decimals are plain: `120.50`)."""
    texts, flags, times = (_columns(export, k) for k in ("text", "bool", "datetime"))
    zone = export.zone
    for row in export.rows:
        for i in texts:
            value = row[i]
            if value and (first is None or value[0] in first):
                row[i] = text(value)
        for i in flags:
            value = row[i]
            if value is not None:
                row[i] = "true" if value else "false"
        for i in times:
            value = row[i]
            if value is not None:
                row[i] = value.astimezone(zone).isoformat()
        yield row


class _Lines:
    """A file-like object csv.writer writes into, emptied by the caller."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> bytes:
        text = "".join(self.parts)
        self.parts = []
        return text.encode()


def csv_chunks(export: Export, rows_per_piece: int = 1000) -> Iterator[bytes]:
    """The export as CSV (UTF-8 with a byte-order mark so Excel reads it as UTF-8, `,`
    separated, quoted where needed), `rows_per_piece` rows at a time. Empty values are empty
    cells, dates ISO (a date's `str`), decimals as the database gives them (`120.50`)."""
    buffer = _Lines()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([_csv_text(h) for h in export.headers])
    piece: list[list[Any]] = []
    for row in _prepared(export, text=_csv_text, first=_FIRST):
        piece.append(row)
        if len(piece) == rows_per_piece:
            writer.writerows(piece)
            piece = []
            yield buffer.take()
    writer.writerows(piece)
    yield buffer.take()


def _xlsx_text(sheet) -> Callable[[str], Any]:
    def text(value: str) -> Any:
        if _XML_ILLEGAL.search(value):
            value = _XML_ILLEGAL.sub("", value)
        value = value[:XLSX_CELL_MAX]
        if value.startswith("="):
            # openpyxl would store it as a formula: a text cell instead.
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    return text


def xlsx_file(export: Export, title: str | None = None) -> IO[bytes]:
    """The export as an XLSX workbook written by openpyxl in write-only mode (rows go to disk as
    they come) into a temporary file, returned open at its start; closing it removes it.
    Numbers are number cells; dates ISO text, as in the CSV."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or export.name.capitalize())[:31])
    text = _xlsx_text(sheet)
    dates = _columns(export, "date")
    sheet.append([text(h) for h in export.headers])
    for row in _prepared(export, text=text):
        for i in dates:
            if row[i] is not None:
                row[i] = row[i].isoformat()
        sheet.append(row)
    target = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        workbook.save(target)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target


def export_filename(export: Export, fmt: str, *, tenant: Tenant) -> str:
    stamp = timezone.localtime(timezone.now(), tenant.tzinfo).strftime("%Y-%m-%d")
    return f"{export.name}-{stamp}.{fmt}"


def download(export: Export, fmt: str, *, tenant: Tenant) -> HttpResponseBase:
    """The export as a download, for the API, the pages and the admin alike: CSV streamed as
    its rows are read, XLSX written to a temporary file first and streamed from it."""
    filename = export_filename(export, fmt, tenant=tenant)
    if fmt == "xlsx":
        return FileResponse(
            xlsx_file(export), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
        )
    response = StreamingHttpResponse(csv_chunks(export), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
