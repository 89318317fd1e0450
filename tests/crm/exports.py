"""Reading exports back in the tests: a CSV or XLSX download as a header and rows of text."""

import csv
import io

from openpyxl import load_workbook


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def read_csv(response) -> list[list[str]]:
    data = body_of(response)
    assert data.startswith("\ufeff".encode()), data[:20]
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(response) -> list[list]:
    book = load_workbook(io.BytesIO(body_of(response)), read_only=True)
    sheet = book.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    # A read-only sheet leaves off a row's trailing empty cells.
    width = len(rows[0]) if rows else 0
    return [row + [None] * (width - len(row)) for row in rows]


def as_dicts(table: list[list]) -> list[dict]:
    header, *rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


def column(table: list[list], name: str) -> list:
    header, *rows = table
    at = header.index(name)
    return [row[at] for row in rows]
