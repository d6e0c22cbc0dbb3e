"""An admin export, imported again through the admin, changes nothing: for every model whose
admin imports (found in the admin registry, so a new one is covered as soon as it is
registered), every resource it offers and every import format.

The rows hold text that a spreadsheet would run as a formula ("+Plus Digital", "=1+1", "-minus",
"@at"), text that starts with an apostrophe, Unicode, Decimals with as many digits as the
fields hold (past what a spreadsheet's double keeps), negative amounts, empty optional values,
booleans and dates. Text is stored stripped (the admin's forms and the import strip it), so
no value starts or ends with a space.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import tablib
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Model
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse
from import_export.admin import ImportMixin
from openpyxl import load_workbook

from clients.models import Client, Deal, ManagedAssignment, MrrRecord, Renewal
from core.exports import runs_as_formula
from core.formats import XLSX
from partners.models import Partner, PartnerManagerContact
from tests.admin.registry import MODELS
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

# The largest amount of the 18-digit, 2-place fields, more digits than a double keeps (SQLite
# keeps decimals as doubles: there, the largest of 15 digits).
HUGE = {"postgresql": Decimal("9999999999999999.99")}.get(
    connection.vendor, Decimal("9999999999999.99")
)
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # an amount as CSV writes it ("-12.50")
TEXTS = ["+Plus Digital", "=1+1", "-minus", "@at", "'quoted", "''=1+1", "'=SUM(A1)", "Ünïcødé €"]


def import_cases() -> list[tuple[type[Model], int, int]]:
    """(model, resource index, format index) of every import the admin offers."""
    request = RequestFactory().get("/")
    cases = []
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ImportMixin):
            continue
        resources = model_admin.get_import_resource_classes(request)
        for resource in range(len(resources)):
            for fmt in range(len(model_admin.get_import_formats())):
                cases.append((model, resource, fmt))
    return cases


def case_id(case: Any) -> str:
    if isinstance(case, type):
        return case._meta.label
    return str(case)


def url(model: type[Model], view: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


@pytest.fixture
def staff(personas: Personas) -> HttpClient:
    return personas.client_for("staff")


@pytest.fixture
def awkward(personas: Personas) -> None:
    """Rows of every importable model, each with awkward values."""
    pdm = PartnerManagerContact.objects.create(name="=Pat", email="pat@vendor.example")
    partners = [
        Partner.objects.create(
            name=name,
            external_id=[f"={n}", None, "'ext", "+ext", None, "@ext", "-ext", "ünï"][n],
            country=["US", "BR", "FR"][n % 3],
            payout_currency=["USD", "EUR"][n % 2],
            certified_until=date(2026 + n, 12, 31) if n % 2 else None,
            elite_invited=bool(n % 2),
            pdm=pdm if n % 3 else None,
        )
        for n, name in enumerate(TEXTS)
    ]
    clients = [
        Client.objects.create(
            name=name,
            domain=f"{name.lower()}.example",
            country=["US", "BR"][n % 2],
            currency=["EUR", "USD"][n % 2],
        )
        for n, name in enumerate(reversed(TEXTS))
    ]
    amounts = [HUGE, -HUGE, Decimal("0.01"), Decimal("1234567890123.45"), Decimal(0)]
    for n, (client, text) in enumerate(zip(clients, TEXTS, strict=True)):
        partner = partners[n]
        amount = amounts[n % len(amounts)]
        day = date(2024 + n % 3, 1 + n, 28 if n % 2 else 1)
        MrrRecord.objects.create(
            client=client, date=day, mrr=abs(amount), tools_used=n, products=text
        )
        Deal.objects.create(
            partner=partner,
            client=client,
            name=text if n % 4 else "",
            deal_type=["sourced", "assisted"][n % 2],
            mrr=abs(amount),
            stage=["created", "closed_won", "reversed", "in_flight"][n % 4],
            created_on=day,
            closed_on=day if n % 4 in (1, 2) else None,
            reversed_on=day if n % 4 == 2 else None,
            shared_selling=bool(n % 2),
        )
        ManagedAssignment.objects.create(
            partner=partner, client=client, start=day, end=date(2030, 6, 30) if n % 2 else None
        )
        Renewal.objects.create(
            client=client,
            date=day,
            products=TEXTS[-1 - n],
            mrr_change=-amount if n % 2 else amount,
            last_active_employee=text,
            renewal_manager=TEXTS[(n + 3) % len(TEXTS)],
            status=["upcoming", "at_risk", "churned"][n % 3],
        )


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row and field of the program's tables."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values()) for model in MODELS
    }


def export(http: HttpClient, model: type[Model], resource: int, fmt: int) -> bytes:
    """What the admin's export page downloads: every field of the resource, every row."""
    page = http.get(url(model, "export"))
    assert page.status_code == 200
    options = ("resource", "format", "export_items")
    data = {name: "on" for name in page.context["form"].fields if name not in options}
    response = http.post(url(model, "export"), {**data, "resource": resource, "format": fmt})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content


def data_rows(content: bytes, extension: str) -> list[list[Any]]:
    if extension == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize(("model", "resource", "fmt"), import_cases(), ids=case_id)
def test_an_admin_export_imports_back_unchanged(
    awkward: None, staff: HttpClient, model: type[Model], resource: int, fmt: int
) -> None:
    model_admin = admin.site._registry[model]
    assert model._default_manager.exists(), f"add {model._meta.label} rows to the fixture"
    resource_class = model_admin.get_import_resource_classes(None)[resource]
    import_format = model_admin.get_import_formats()[fmt]
    # The export offers the same resource and format, under their own indexes.
    export_resource = list(model_admin.get_export_resource_classes(None)).index(resource_class)
    export_format = list(model_admin.get_export_formats()).index(import_format)
    extension = import_format().get_extension()
    content = export(staff, model, export_resource, export_format)
    rows = data_rows(content, extension)
    exported = resource_class().get_queryset().count()
    assert len(rows) == exported > 0
    before = snapshot()

    upload = SimpleUploadedFile(f"export.{extension}", content)
    preview = staff.post(
        url(model, "import"), {"resource": resource, "format": fmt, "import_file": upload}
    )
    assert preview.status_code == 200
    assert not preview.context["form"].errors, preview.context["form"].errors
    assert preview.context.get("row_error_list") == [], preview.context.get("row_error_list")
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert preview.context["import_counts"] == {"new": 0, "update": 0, "skip": exported}

    form = preview.context["confirm_form"]
    fields = ("import_file_name", "original_file_name", "format", "resource")
    confirmed = staff.post(
        url(model, "process_import"), {name: form.initial.get(name, "") for name in fields}
    )
    assert confirmed.status_code == 302
    assert confirmed["Location"] == url(model, "changelist")
    notes = [str(m) for m in get_messages(confirmed.wsgi_request)]
    assert any(f"0 new, 0 updated, 0 deleted and {exported} skipped" in n for n in notes), notes
    assert snapshot() == before


def test_every_import_is_covered() -> None:
    """The cases above include every importable model's every resource, in CSV and XLSX."""
    cases = import_cases()
    models = {model for model, _, _ in cases}
    assert {Partner, Client, MrrRecord, Deal, ManagedAssignment, Renewal} <= models
    assert (Partner, 1, 1) in cases  # certifications, as XLSX
    for model in models:
        formats = admin.site._registry[model].get_import_formats()
        assert {f().get_extension() for f in formats} >= {"csv", "xlsx"}, model


@pytest.mark.parametrize(("model", "resource", "fmt"), import_cases(), ids=case_id)
def test_an_admin_export_holds_no_formula(
    awkward: None, staff: HttpClient, model: type[Model], resource: int, fmt: int
) -> None:
    """CSV text that would run as a formula carries the apostrophe guard; XLSX holds it as a
    text cell with the quote prefix, and numbers stay numbers."""
    model_admin = admin.site._registry[model]
    export_format = model_admin.get_import_formats()[fmt]
    content = export(
        staff, model, resource, list(model_admin.get_export_formats()).index(export_format)
    )
    if export_format().get_extension() == "csv":
        cells = [cell for row in data_rows(content, "csv") for cell in row]
        assert not [cell for cell in cells if runs_as_formula(cell) and not NUMBER.fullmatch(cell)]
        assert any(cell.startswith("'") for cell in cells)
        return
    cells = [cell for row in load_workbook(io.BytesIO(content)).active.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    quoted = [cell for cell in cells if isinstance(cell.value, str) and runs_as_formula(cell.value)]
    assert quoted and all(cell.quotePrefix for cell in quoted)
    assert not any(cell.quotePrefix for cell in cells if cell not in quoted)


def test_xlsx_keeps_decimals_a_double_cannot_hold_as_their_exact_text() -> None:
    dataset = tablib.Dataset(
        [Decimal("9999999999999999.99"), Decimal("-1234567890123.45"), "=1+1", "#N/A"],
        headers=["huge", "exact", "text", "error-like"],
    )
    sheet = load_workbook(io.BytesIO(XLSX().export_data(dataset))).worksheets[0]
    values = ["9999999999999999.99", -1234567890123.45, "=1+1", "#N/A"]
    assert [cell.value for cell in sheet[2]] == values
    assert [cell.data_type for cell in sheet[2]] == ["s", "n", "s", "s"]
    assert XLSX().create_dataset(XLSX().export_data(dataset))[0] == tuple(values)
