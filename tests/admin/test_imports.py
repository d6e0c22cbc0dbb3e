"""Bulk import and export from Django admin: dry run, row errors, all-or-nothing, natural keys."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import tablib
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client as HttpClient
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from clients.models import Client, Deal, ManagedAssignment, MrrRecord, Renewal
from clients.resources import ClientResource, DealResource, MrrRecordResource
from core.resources import import_errors
from partners.models import Partner
from program.models import FxRate
from tests.factories import ClientFactory, PartnerFactory

pytestmark = pytest.mark.django_db

CSV_FORMAT, XLSX_FORMAT = "0", "1"
WATCHED: list[type[Model]] = [Partner, Client, MrrRecord, Deal, ManagedAssignment, Renewal]


def url(model: type[Model], view: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


def csv_bytes(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def dry_run(
    http: HttpClient,
    model: type[Model],
    data: bytes,
    *,
    fmt: str = CSV_FORMAT,
    resource: str = "0",
    name: str = "data.csv",
) -> Any:
    upload = SimpleUploadedFile(name, data)
    return http.post(
        url(model, "import"), {"resource": resource, "format": fmt, "import_file": upload}
    )


def confirm(http: HttpClient, model: type[Model], preview: Any) -> Any:
    form = preview.context["confirm_form"]
    fields = ("import_file_name", "original_file_name", "format", "resource")
    return http.post(url(model, "process_import"), {n: form.initial.get(n, "") for n in fields})


def import_file(http: HttpClient, model: type[Model], data: bytes, **kwargs: Any) -> Any:
    preview = dry_run(http, model, data, **kwargs)
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is not None, preview.context.get("row_error_list")
    return confirm(http, model, preview)


def counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in WATCHED}


CLIENTS = [
    ["name", "domain", "country", "currency"],
    ["Initech", "initech.example", "fr", "eur"],
    ["Umbrella", "UMBRELLA.example", "BR", "USD"],
]


# --- a good file: preview, then confirm ---------------------------------------------------------


def test_dry_run_previews_without_writing(staff: HttpClient) -> None:
    before = counts()
    response = dry_run(staff, Client, csv_bytes(CLIENTS))
    assert response.status_code == 200
    assert response.context["import_counts"] == {"new": 2, "update": 0, "skip": 0}
    assert "2</strong> to create" in response.content.decode()
    assert counts() == before


def test_confirmed_import_creates_rows_with_normalised_codes(staff: HttpClient) -> None:
    response = import_file(staff, Client, csv_bytes(CLIENTS))
    assert response.status_code == 302
    initech = Client.objects.get(domain="initech.example")
    assert (initech.country, initech.currency) == ("FR", "EUR")
    assert Client.objects.filter(domain="umbrella.example").exists()
    assert LogEntry.objects.filter(object_repr="Initech").exists()


def test_reimporting_the_same_file_creates_no_duplicates(staff: HttpClient) -> None:
    import_file(staff, Client, csv_bytes(CLIENTS))
    before = counts()
    preview = dry_run(staff, Client, csv_bytes(CLIENTS))
    assert preview.context["import_counts"] == {"new": 0, "update": 0, "skip": 2}
    confirm(staff, Client, preview)
    assert counts() == before


def test_a_changed_row_updates_by_natural_key(staff: HttpClient) -> None:
    import_file(staff, Client, csv_bytes(CLIENTS))
    renamed = [CLIENTS[0], ["Initech Global", "Initech.example", "FR", "EUR"]]
    preview = dry_run(staff, Client, csv_bytes(renamed))
    assert preview.context["import_counts"] == {"new": 0, "update": 1, "skip": 0}
    confirm(staff, Client, preview)
    assert Client.objects.get(domain="initech.example").name == "Initech Global"
    assert Client.objects.count() == 2


def test_every_kind_of_program_data_imports(staff: HttpClient) -> None:
    partners = [
        ["name", "external_id", "country", "payout_currency", "certified_until", "elite_invited"],
        ["Acme Agency", "ACME-1", "US", "USD", "2027-01-31", "0"],
        ["Globex Digital", "", "BR", "USD", "", "1"],
    ]
    mrr = [
        ["client_domain", "date", "mrr", "tools_used", "products"],
        ["initech.example", "2026-01-01", "1200.50", "3", "CRM"],
        ["initech.example", "2026-02-01", "1300", "3", "CRM"],
    ]
    deals = [
        [
            "partner",
            "client_domain",
            "name",
            "deal_type",
            "mrr",
            "stage",
            "created_on",
            "closed_on",
            "reversed_on",
            "shared_selling",
        ],
        [
            "Acme Agency",
            "initech.example",
            "Initech CRM",
            "sourced",
            "1200.50",
            "closed_won",
            "2026-01-01",
            "2026-01-10",
            "",
            "0",
        ],
        [
            "ACME-1",
            "umbrella.example",
            "",
            "assisted",
            "300",
            "in_flight",
            "2026-02-01",
            "",
            "",
            "1",
        ],
    ]
    assignments = [
        ["partner", "client_domain", "start", "end"],
        ["Globex Digital", "initech.example", "2026-01-01", ""],
    ]
    renewals = [
        [
            "client_domain",
            "date",
            "products",
            "mrr_change",
            "last_active_employee",
            "renewal_manager",
            "status",
        ],
        ["initech.example", "2026-12-01", "CRM", "-50", "Ann", "Bo", "at_risk"],
    ]
    certifications = [["partner", "certified_until"], ["globex digital", "2026-12-31"]]
    for model, rows, resource in (
        (Partner, partners, "0"),
        (Client, CLIENTS, "0"),
        (MrrRecord, mrr, "0"),
        (Deal, deals, "0"),
        (ManagedAssignment, assignments, "0"),
        (Renewal, renewals, "0"),
        (Partner, certifications, "1"),
    ):
        response = import_file(staff, model, csv_bytes(rows), resource=resource)
        assert response.status_code == 302, model
    acme = Partner.objects.get(external_id="ACME-1")
    globex = Partner.objects.get(name="Globex Digital")
    assert globex.external_id is None and globex.elite_invited
    assert globex.certified_until == date(2026, 12, 31)
    assert acme.deals.count() == 2
    won = Deal.objects.get(name="Initech CRM")
    assert (won.stage, won.mrr, won.closed_on) == (
        "closed_won",
        Decimal("1200.50"),
        date(2026, 1, 10),
    )
    assert MrrRecord.objects.filter(client__domain="initech.example").count() == 2
    assert ManagedAssignment.objects.get().partner == globex
    assert Renewal.objects.get().mrr_change == Decimal("-50")
    before = counts()
    for model, rows in ((Deal, deals), (ManagedAssignment, assignments), (Renewal, renewals)):
        preview = dry_run(staff, model, csv_bytes(rows))
        assert preview.context["import_counts"]["new"] == 0, model
    assert counts() == before


def test_xlsx_import_accepts_spreadsheet_dates(staff: HttpClient) -> None:
    client = ClientFactory(domain="initech.example")
    rows = [
        ["client_domain", "date", "mrr", "tools_used", "products"],
        ["initech.example", datetime(2026, 3, 1), 450, 2, "Hub"],
    ]
    response = import_file(staff, MrrRecord, xlsx_bytes(rows), fmt=XLSX_FORMAT, name="mrr.xlsx")
    assert response.status_code == 302
    record = MrrRecord.objects.get(client=client)
    assert (record.date, record.mrr) == (date(2026, 3, 1), Decimal("450"))


def test_certification_for_an_unknown_partner_is_a_row_error(staff: HttpClient) -> None:
    rows = [["partner", "certified_until"], ["Nobody Ltd", "2026-12-31"]]
    response = dry_run(staff, Partner, csv_bytes(rows), resource="1")
    errors = response.context["row_error_list"]
    assert [(e.row, e.column) for e in errors] == [(2, "partner")]
    assert "No partner named" in errors[0].message


# --- bad files: every error kind, and nothing written -------------------------------------------


BAD_FILES = {
    "unknown currency": (
        Client,
        [CLIENTS[0], CLIENTS[1], ["Hooli", "hooli.example", "US", "XYZ"]],
        (3, "currency", "Unknown currency 'XYZ'"),
    ),
    "unknown country": (
        Client,
        [CLIENTS[0], ["Hooli", "hooli.example", "ZZ", "USD"], CLIENTS[2]],
        (2, "country", "Unknown country 'ZZ'"),
    ),
    "duplicate key": (
        Client,
        [*CLIENTS, ["Initech again", "INITECH.example", "FR", "EUR"]],
        (4, "domain", "Duplicate client domain: the same as row 2"),
    ),
    "negative MRR": (
        MrrRecord,
        [
            ["client_domain", "date", "mrr"],
            ["known.example", "2026-01-01", "100"],
            ["known.example", "2026-02-01", "-5"],
        ],
        (3, "mrr", "MRR must not be negative"),
    ),
    "date in the wrong format": (
        MrrRecord,
        [["client_domain", "date", "mrr"], ["known.example", "15/01/2026", "100"]],
        (2, "date", "Enter the date as YYYY-MM-DD"),
    ),
    "deal for a missing client": (
        Deal,
        [
            ["partner", "client_domain", "deal_type", "mrr", "stage", "created_on"],
            ["Known Partner", "known.example", "sourced", "100", "created", "2026-01-01"],
            ["Known Partner", "missing.example", "sourced", "100", "created", "2026-01-01"],
        ],
        (3, "client_domain", "No client with domain 'missing.example'"),
    ),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_row_is_reported_and_nothing_is_written(staff: HttpClient, kind: str) -> None:
    PartnerFactory(name="Known Partner")
    ClientFactory(domain="known.example")
    model, rows, (row, column, message) = BAD_FILES[kind]
    before = counts()
    response = dry_run(staff, model, csv_bytes(rows))
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    errors = response.context["row_error_list"]
    assert any(e.row == row and e.column == column and message in e.message for e in errors), errors
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert f"<td>{column}</td>" in page
    assert counts() == before


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_confirmed_import_with_a_bad_row_rolls_back_every_row(kind: str) -> None:
    PartnerFactory(name="Known Partner")
    ClientFactory(domain="known.example")
    model, rows, _expected = BAD_FILES[kind]
    resource = {Client: ClientResource, MrrRecord: MrrRecordResource, Deal: DealResource}[model]()
    dataset = tablib.Dataset(*rows[1:], headers=rows[0])
    before = counts()
    result = resource.import_data(dataset, dry_run=False)
    assert import_errors(result, resource)
    assert counts() == before


def test_a_file_without_the_key_columns_is_refused(staff: HttpClient) -> None:
    response = dry_run(staff, Client, csv_bytes([["name"], ["Initech"]]))
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert any("domain" in e.message for e in response.context["row_error_list"])
    assert Client.objects.count() == 0


def test_an_unreadable_file_is_a_form_error(staff: HttpClient) -> None:
    response = dry_run(staff, Client, b"\x00\x01 not a workbook", fmt=XLSX_FORMAT, name="x.xlsx")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Client.objects.count() == 0


# --- export --------------------------------------------------------------------------------------


def export(http: HttpClient, model: type[Model], fmt: str, query: str = "") -> Any:
    page = http.get(url(model, "export") + query)
    assert page.status_code == 200
    form = page.context["form"]
    data = {
        name: "on"
        for name, field in form.fields.items()
        if name not in ("resource", "format", "export_items")
    }
    data.update({"resource": "0", "format": fmt})
    return http.post(url(model, "export") + query, data)


def test_export_to_csv_keeps_the_changelist_filters(staff: HttpClient) -> None:
    ClientFactory(name="Brazil Co", domain="br.example", country="BR")
    ClientFactory(name="US Co", domain="us.example", country="US")
    changelist = staff.get(url(Client, "changelist"), {"country": "BR"})
    assert f"{url(Client, 'export')}?country=BR" in changelist.content.decode()
    response = export(staff, Client, CSV_FORMAT, "?country=BR")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["name", "domain", "country", "currency"]
    assert rows[1:] == [["Brazil Co", "br.example", "BR", "USD"]]


def test_export_to_xlsx_round_trips_through_import(staff: HttpClient) -> None:
    client = ClientFactory(domain="initech.example")
    MrrRecord.objects.create(client=client, date=date(2026, 1, 1), mrr=Decimal("99.50"))
    response = export(staff, MrrRecord, XLSX_FORMAT)
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][:3] == ("client_domain", "date", "mrr")
    assert values[1][0] == "initech.example"
    preview = dry_run(staff, MrrRecord, response.content, fmt=XLSX_FORMAT, name="mrr.xlsx")
    assert preview.context["import_counts"] == {"new": 0, "update": 0, "skip": 1}


def test_export_neutralises_formula_text(staff: HttpClient) -> None:
    ClientFactory(name='=HYPERLINK("http://evil.example")', domain="evil.example")
    response = export(staff, Client, CSV_FORMAT)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example")'


# --- only staff -----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Partner, Client, MrrRecord, Deal, ManagedAssignment, Renewal])
@pytest.mark.parametrize("view", ["import", "export"])
def test_partner_users_cannot_import_or_export(
    partner_user: HttpClient, model: type[Model], view: str
) -> None:
    response = partner_user.get(url(model, view))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    response = dry_run(partner_user, model, csv_bytes(CLIENTS))
    assert response.status_code == 302
    assert Client.objects.count() == 0


def test_a_confirmation_that_no_longer_validates_writes_nothing(staff: HttpClient) -> None:
    preview = dry_run(staff, Client, csv_bytes(CLIENTS))
    assert preview.context["confirm_form"] is not None
    FxRate.objects.filter(currency="EUR").delete()  # the rate goes away before the confirmation
    response = confirm(staff, Client, preview)
    assert response.status_code == 302
    assert response["Location"] == url(Client, "import")
    assert Client.objects.count() == 0
    page = staff.get(response["Location"]).content.decode()
    assert "Nothing was imported: row 2 currency: Unknown currency" in page


def test_the_partner_list_offers_import_export_and_recompute(staff: HttpClient) -> None:
    page = staff.get(url(Partner, "changelist")).content.decode()
    for target in ("import", "export", "recompute_all"):
        assert url(Partner, target) in page
