"""Reading an import file: storing the upload in the database as chunks (a worker on another
machine reads it back), and streaming its rows back — CSV (UTF-8 with or without a BOM, `;`,
`,` or tab sniffed from the header, quoted fields with newlines) through the standard library,
XLSX through openpyxl's read-only mode. Memory stays bounded: one chunk of bytes, one row at a
time (an XLSX file, a zip that needs seeking, is spooled to a temporary file on the reading
machine while it is read)."""

import codecs
import csv
import io
import itertools
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError

from tenancy.models import Tenant

from ...models import ImportFile, ImportFileChunk, ImportFormat
from ...selectors.exports import is_formula_like

CHUNK_BYTES = 1024 * 1024  # the size of one stored chunk
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_COLUMNS = 200
HEADER_MAX_LENGTH = 255
CELL_MAX_LENGTH = 100_000  # longer cells are a bad row, not a crash (csv's own limit is 128K)
SNIFF_CHARS = 64 * 1024
DELIMITERS = (",", ";", "\t")
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
SPOOL_BYTES = 32 * 1024 * 1024

csv.field_size_limit(CELL_MAX_LENGTH + 1)


class FileProblem(Exception):
    """The file cannot be read as an import file; the message says why, for its user."""


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _read_upload(file: IO[bytes] | bytes) -> Iterator[bytes]:
    if isinstance(file, (bytes, bytearray)):
        for start in range(0, len(file), CHUNK_BYTES):
            yield bytes(file[start : start + CHUNK_BYTES])
        return
    if hasattr(file, "seek"):
        try:
            file.seek(0)
        except (OSError, ValueError):
            pass
    while block := file.read(CHUNK_BYTES):
        if isinstance(block, str):  # a text stream: the CLI's or a test's
            block = block.encode()
        yield block


def _format_of(first: bytes, filename: str) -> str:
    if first.startswith(XLSX_MAGIC):
        return ImportFormat.XLSX
    if first.startswith(OLE_MAGIC):
        raise _file_error(
            "This is an old Excel (.xls) file; save it as .xlsx or CSV (UTF-8) and try again."
        )
    if filename.lower().endswith(".xlsx"):
        raise _file_error("This is not a readable XLSX file.")
    return ImportFormat.CSV


def store_file(*, tenant: Tenant, file: IO[bytes] | bytes, filename: str) -> ImportFile:
    """Keep the upload as chunks of bytes in the database, checking on the way that a CSV is
    UTF-8 text without NUL characters (ValidationError on `file` otherwise). The caller's
    transaction makes it all or nothing."""
    filename = (filename or "import.csv").replace("\x00", "")[:255] or "import.csv"
    stored: ImportFile | None = None
    decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
    size = 0
    seq = 0
    for block in _read_upload(file):
        if stored is None:
            kind = _format_of(block, filename)
            stored = ImportFile.objects.create(tenant=tenant, filename=filename, format=kind)
        if stored.format == ImportFormat.CSV:
            if b"\x00" in block:
                raise _file_error(
                    "This file holds binary data (NUL bytes), not CSV text; save it as CSV "
                    "(UTF-8) or XLSX."
                )
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                raise _file_error(
                    f"This file is not UTF-8 text (bad bytes near byte {size + exc.start:,}); "
                    "save it as CSV (UTF-8) and try again."
                ) from None
        size += len(block)
        if size > MAX_FILE_BYTES:
            raise _file_error(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        ImportFileChunk.objects.create(tenant=tenant, file=stored, seq=seq, data=block)
        seq += 1
    if stored is None or size == 0:
        raise _file_error("The file is empty.")
    if stored.format == ImportFormat.CSV:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise _file_error(
                "This file is not UTF-8 text (it ends inside a character); save it as CSV "
                "(UTF-8) and try again."
            ) from None
    stored.size = size
    stored.save(update_fields=["size"])
    return stored


class _ChunkStream(io.RawIOBase):
    """The stored chunks, read one at a time, as a binary stream."""

    def __init__(self, stored: ImportFile):
        self._chunks = self._blocks(stored)
        self._buffer = b""

    @staticmethod
    def _blocks(stored: ImportFile) -> Iterator[bytes]:
        # One chunk per query: a server-side cursor would need the caller's transaction, and
        # the run commits per batch while it reads.
        seq = 0
        while True:
            data = (
                ImportFileChunk.objects.filter(tenant_id=stored.tenant_id, file=stored, seq=seq)
                .values_list("data", flat=True)
                .first()
            )
            if data is None:
                return
            yield bytes(data)
            seq += 1

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._buffer))
        buffer[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def _header_names(cells: list[Any]) -> list[str]:
    """The header cells as column names: trimmed, blanks named "Column N", repeats numbered
    ("Email (2)"), so every column has one name a mapping can use."""
    names: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells, start=1):
        name = " ".join(cell_text(cell).split())[:HEADER_MAX_LENGTH] or f"Column {index}"
        unique, n = name, 2
        while unique.casefold() in seen:
            unique, n = f"{name} ({n})", n + 1
        seen.add(unique.casefold())
        names.append(unique)
    while names and names[-1].startswith("Column ") and not cell_text(cells[len(names) - 1]):
        names.pop()  # trailing empty header cells (a spreadsheet's padding)
    return names


def cell_text(value: Any) -> str:
    """A cell as text: XLSX numbers, dates and booleans written the way the API takes them."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == time.min:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def _sniff_delimiter(sample: str) -> str:
    """The delimiter the header line uses most (outside quotes); a comma when none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in sample:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _unguarded(text: str) -> str:
    """A CSV cell as it was before an export guarded it: the export writes formula-like text
    ("=SUM(A1)", "@x") behind an apostrophe so a spreadsheet shows it rather than runs it; the
    import takes that apostrophe back off, so an export imports back unchanged."""
    if text[:1] == "'" and is_formula_like(text[1:]):
        return text[1:]
    return text


class Rows:
    """An open import file: `headers` and `rows()`, an iterator of (row number, cells) with
    exactly one cell (text) per header; the header is row 1, blank rows are left out."""

    def __init__(
        self,
        headers: list[str],
        records: Iterator[list[Any]],
        *,
        csv_file=False,
        lines: Iterator[str] | None = None,
        delimiter: str = ",",
    ):
        self.headers = headers
        self._records = records
        self._csv = csv_file
        self._lines = lines  # CSV: the text lines the records are parsed from
        self._delimiter = delimiter

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        width = len(self.headers)
        number = 1
        try:
            for record in self._records:
                number += 1
                if self._csv:
                    # csv gives text already; only a guarded cell ("'=…") is changed.
                    cells = [_unguarded(c) if c[:1] == "'" else c for c in record[:width]]
                else:
                    cells = [cell_text(c) for c in record[:width]]
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) < width:
                    cells += [""] * (width - len(cells))
                yield number, cells
        except csv.Error as exc:
            raise FileProblem(f"Row {number + 1} cannot be read: {exc}.") from None
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
            raise FileProblem(f"Row {number + 1} cannot be read ({exc}).") from None


@contextmanager
def open_rows(stored: ImportFile) -> Iterator[Rows]:
    """The stored file's rows, read as they are needed. FileProblem when it cannot be read."""
    if stored.format == ImportFormat.XLSX:
        with _open_xlsx(stored) as rows:
            yield rows
        return
    stream = io.TextIOWrapper(
        io.BufferedReader(_ChunkStream(stored), buffer_size=CHUNK_BYTES),
        encoding="utf-8-sig",
        newline="",
    )
    try:
        # Whole lines only: the sample's lines are read first and the stream's after them.
        sample = stream.read(SNIFF_CHARS)
        sample += stream.readline()
    except UnicodeDecodeError:
        raise FileProblem("This file is not UTF-8 text; save it as CSV (UTF-8).") from None
    delimiter = _sniff_delimiter(sample)

    def text() -> Iterator[str]:
        # The sample, then the rest of the stream, as lines csv can split.
        yield from io.StringIO(sample, newline="")
        yield from stream

    lines = text()
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise FileProblem(f"The header row cannot be read: {exc}.") from None
    try:
        yield Rows(
            _headers_or_fail(header), reader, csv_file=True, lines=lines, delimiter=delimiter
        )
    finally:
        stream.close()


def _headers_or_fail(header: list[Any] | None) -> list[str]:
    if header is None:
        raise FileProblem("The file is empty.")
    names = _header_names(list(header))
    if not names:
        raise FileProblem("The first row (the column names) is empty.")
    if len(names) > MAX_COLUMNS:
        raise FileProblem(f"The file has {len(names)} columns; at most {MAX_COLUMNS}.")
    return names


@contextmanager
def _open_xlsx(stored: ImportFile) -> Iterator[Rows]:
    from openpyxl import load_workbook

    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        source = _ChunkStream(stored)
        while block := source.read(CHUNK_BYTES):
            spool.write(block)
        spool.seek(0)
        try:
            workbook = load_workbook(spool, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a broken zip or workbook
            raise FileProblem("This is not a readable XLSX file.") from None
        try:
            sheet = workbook.worksheets[0] if workbook.worksheets else None
            if sheet is None:
                raise FileProblem("The workbook has no sheet.")
            records = sheet.iter_rows(values_only=True)
            try:
                header = next(records, None)
            except Exception:
                raise FileProblem("This is not a readable XLSX file.") from None
            yield Rows(_headers_or_fail(list(header) if header else None), records)
        finally:
            workbook.close()


def peek(stored: ImportFile, *, rows: int = 1) -> tuple[list[str], list[list[str]]]:
    """The headers and the first `rows` data rows; FileProblem when the file cannot be read or
    has no data row."""
    with open_rows(stored) as opened:
        first: list[list[str]] = []
        for _, cells in opened.rows():
            first.append(cells)
            if len(first) >= rows:
                break
        if not first:
            raise FileProblem("The file has no rows under its column names.")
        return opened.headers, first


def count_rows(stored: ImportFile) -> int:
    """How many data rows (blank ones left out): the progress bar's whole. CSV records are
    counted as the parser splits them, without turning their cells into values."""
    with open_rows(stored) as opened:
        if stored.format != ImportFormat.CSV:
            return sum(1 for _ in opened.rows())
        width = len(opened.headers)
        counted, rest = _count_plain_lines(opened._lines, opened._delimiter, width)
        if rest is None:
            return counted
        records = csv.reader(rest, delimiter=opened._delimiter)
        try:
            return counted + sum(1 for record in records if any(c.strip() for c in record[:width]))
        except csv.Error as exc:
            raise FileProblem(f"The file cannot be read: {exc}.") from None


def _count_plain_lines(
    lines: Iterator[str], delimiter: str, width: int
) -> tuple[int, Iterator[str] | None]:
    """Count the non-blank records of CSV lines as long as each line is a record of its own
    — no quote character, no NUL, no cell csv would refuse as too long — without the csv
    parser: such a line's cells are `line.split(delimiter)`, so it is blank when its first
    `width` cells are whitespace, as `Rows.rows` decides. Returns the count and, from the
    first line that is not plain, the lines left for csv to count (None when none are)."""
    counted = 0
    for line in lines:
        if '"' in line or "\0" in line or len(line) > CELL_MAX_LENGTH:
            return counted, itertools.chain([line], lines)
        if not line.replace(delimiter, "").strip():
            continue  # every cell blank
        if line.count(delimiter) >= width and not any(
            c.strip() for c in line.split(delimiter, width)[:width]
        ):
            continue  # something after the mapped columns only
        counted += 1
    return counted, None
