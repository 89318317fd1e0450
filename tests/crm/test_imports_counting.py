"""The progress bar's whole (crm.services.imports.reading.count_rows) counts plain lines without
the csv parser, and hands the rest to csv from the first line that is not plain: whatever the
file, the count is the number of rows the run will read."""

import pytest

from crm.services.imports.reading import count_rows, open_rows, store_file

HEADER = "First name;Last name;Email\r\n"
FILES = {
    "plain": "Ada;Lovelace;ada@example.com\r\nAlan;Turing;alan@example.com\r\n",
    "blank and whitespace lines": "Ada;L;a@x.io\n\n   \n;;\n ; ;\t\nAlan;T;t@x.io\n",
    "content only after the mapped columns": "Ada;L;a@x.io\n;;;extra\n; ; ;x;y\nAlan;;\n",
    "a non-breaking space is blank to both": "Ada;L;a@x.io\n\u00a0;;\n\u00a0\n",
    "lone carriage returns": "Ada;L;a@x.io\rAlan;T;t@x.io\r\rGrace;H;g@x.io",
    "no final line end": "Ada;L;a@x.io\nAlan;T;t@x.io",
    "a quoted cell with line ends halfway": (
        'Ada;L;a@x.io\n\nAlan;"T\nu\r\nr;\n";t@x.io\n;;\nGrace;"";g@x.io\n\n'
    ),
    "a quote on the first row": '"Ada";L;a@x.io\n;;\nAlan;T;t@x.io\n',
    "fewer cells than columns": "Ada\nAlan;T\n;\n",
}


def reference(stored) -> int:
    with open_rows(stored) as opened:
        return sum(1 for _ in opened.rows())


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_the_count_is_the_rows_the_run_reads(tenant_a, name, bom):
    data = (bom + HEADER + FILES[name]).encode()
    stored = store_file(tenant=tenant_a, file=data, filename="people.csv")
    expected = reference(stored)
    assert expected > 0
    assert count_rows(stored) == expected


def test_a_comma_file_with_semicolons_in_cells(tenant_a):
    data = b"First name,Last name,Email\nAda,L;x,a@x.io\n;;;,,\n,,;\nAlan,T,t@x.io\n"
    stored = store_file(tenant=tenant_a, file=data, filename="people.csv")
    assert count_rows(stored) == reference(stored) == 4
