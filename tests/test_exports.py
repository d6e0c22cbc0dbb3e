"""The shared CSV/XLSX export: streaming, safe names and formula neutralisation."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from partner_portal.exports import ExportError, export_filename, export_response, neutralise

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
