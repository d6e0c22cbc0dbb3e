"""The shared CSV/XLSX export: streaming, safe names and formula neutralisation."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from core.exports import ExportError, export_filename, export_response, neutralise

ROWS = [
    ('=HYPERLINK("http://evil")', Decimal("-12.50")),
    ("+1", 3),
    ("@SUM(A1)", None),
    ("plain", True),
]


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_csv_streams_and_neutralises_formula_cells():
    response = export_response(
        header=["Client", "Points"], rows=iter(ROWS), name="My report", fmt="csv"
    )
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="my-report.csv"'
    assert read_csv(response) == [
        ["Client", "Points"],
        ['\'=HYPERLINK("http://evil")', "-12.50"],
        ["'+1", "3"],
        ["'@SUM(A1)", ""],
        ["plain", "yes"],
    ]


def test_xlsx_keeps_numbers_as_numbers_and_text_as_text():
    response = export_response(header=["Client", "Points"], rows=ROWS, name="x.xlsx", fmt="XLSX")
    assert response["Content-Disposition"].endswith('filename="x.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1] == ('\'=HYPERLINK("http://evil")', -12.5)
    assert values[2] == ("'+1", 3)


@pytest.mark.parametrize(("name", "fmt"), [("", "csv"), ("!!!", "csv"), ("ok", "pdf"), ("ok", "")])
def test_bad_names_and_formats_are_refused(name, fmt):
    with pytest.raises(ExportError):
        export_filename(name, fmt)


@given(st.text())
def test_no_text_cell_ever_starts_like_a_formula(text):
    cell = neutralise(text)
    assert not str(cell).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_xlsx_keeps_dates_empty_cells_and_drops_characters_xml_cannot_carry():
    rows = [
        (date(2026, 3, 1), datetime(2026, 3, 1, 14, 30, 15), 'a\x00b\x1fc <&> "q"', ""),
        (date(1999, 12, 31), datetime(2026, 3, 1, 12, 0, tzinfo=UTC), "ünïcødé €", 0),
    ]
    response = export_response(
        header=["Day", "At", "Text", "Blank"], rows=rows, name="d", fmt="xlsx"
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Day", "At", "Text", "Blank")
    assert values[1] == (
        datetime(2026, 3, 1),
        datetime(2026, 3, 1, 14, 30, 15),
        'abc <&> "q"',
        None,
    )
    assert values[2][0] == datetime(1999, 12, 31)
    assert values[2][2:] == ("ünïcødé €", 0)
    assert sheet["A2"].number_format == "yyyy-mm-dd"  # type: ignore[index]


def test_xlsx_streams_before_the_last_row_is_read():
    read = []

    def rows():
        for n in range(5000):
            read.append(n)
            yield (f"Client {n}", Decimal(n) / 4)

    response = export_response(header=["Client", "Points"], rows=rows(), name="big", fmt="xlsx")
    assert response.streaming
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first.startswith(b"PK") and read == []  # the fixed parts leave before any row
    second = next(chunks)
    assert second and len(read) < 5000
    body = first + second + b"".join(chunks)
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 5001
    assert values[-1] == ("Client 4999", 1249.75)
