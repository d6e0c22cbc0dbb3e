"""Downloads: every list endpoint answers CSV and XLSX with the same filters, and a cell a
spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from clients.models import Client
from tests.tierpage.helpers import give_clients

from .conftest import body, content, grow
from .endpoints import list_urls

pytestmark = pytest.mark.django_db
API = "/api/v1"
FORMULA = '=HYPERLINK("http://evil.example","x")'


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content(response).decode("utf-8-sig"))))


def test_every_list_answers_csv_and_xlsx_with_as_many_rows_as_json(api_for, personas):
    grown = grow(personas.acme, 3, prefix="Acme")
    alice = api_for("alice")
    for name, url in list_urls(grown).items():
        joiner = "&" if "?" in url else "?"
        count = body(alice.get(url))["count"]
        as_csv = alice.get(f"{url}{joiner}format=csv")
        assert as_csv.status_code == 200, name
        assert as_csv["Content-Type"].startswith("text/csv"), name
        assert "attachment;" in as_csv["Content-Disposition"], name
        assert len(_csv(as_csv)) - 1 >= count > 0, name
        as_xlsx = alice.get(f"{url}{joiner}format=xlsx")
        assert as_xlsx.status_code == 200, name
        sheet = load_workbook(io.BytesIO(content(as_xlsx))).active
        assert sheet.max_row - 1 >= count, name


def test_downloads_follow_the_filters(api_for, personas):
    give_clients(personas.acme, 3, prefix="Home")
    give_clients(personas.acme, 2, prefix="Brazil", country="BR")
    alice = api_for("alice")
    rows = _csv(alice.get(f"{API}/points/ledger/?track=managed&format=csv"))
    assert {r[4] for r in rows[1:]} == {"Managed"}
    rows = _csv(alice.get(f"{API}/clients/?search=brazil&format=csv"))
    assert [r[1] for r in rows[1:]] == ["Brazil 000", "Brazil 001"]


def test_a_bad_filter_on_a_download_is_a_json_400(api_for, personas):
    response = api_for("alice").get(f"{API}/points/ledger/?track=x&format=csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "track" in body(response)


def test_a_detail_endpoint_has_no_download(api_for, personas):
    assert api_for("alice").get(f"{API}/me/?format=csv").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_cells_are_neutralised(api_for, personas, fmt):
    client = give_clients(personas.acme, 1)[0]
    Client.objects.filter(pk=client.pk).update(name=FORMULA)
    response = api_for("alice").get(f"{API}/clients/?format={fmt}")
    if fmt == "csv":
        cells = _csv(response)[1]
        assert "'" + FORMULA in cells
        assert FORMULA not in cells
    else:
        # XLSX keeps the text exactly, in a text cell with the quote prefix (never a formula)
        sheet = load_workbook(io.BytesIO(content(response))).active
        row = next(sheet.iter_rows(min_row=2))
        cells = [c.value for c in row]
        assert FORMULA in cells
        assert "'" + FORMULA not in cells
        cell = next(c for c in row if c.value == FORMULA)
        assert (cell.data_type, cell.quotePrefix) == ("s", True)
