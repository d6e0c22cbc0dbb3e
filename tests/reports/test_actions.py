"""The report dialog actions: use in lists, export unsummarized data, save as report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from clients.models import SavedReport, StaticList, StaticListMember
from clients.services import static_list_create
from reports.ranges import DateRange
from reports.reports import ReportSpec

from .factories import bulk_clients
from .scenario import END, START

pytestmark = pytest.mark.django_db
SPEC = {"kind": "new_sold", "range": "custom", "start": START.isoformat(), "end": END.isoformat()}
HTMX = {"HX-Request": "true"}


def csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def members(static_list):
    return sorted(static_list.members.values_list("client__name", flat=True))


def test_use_in_lists_creates_a_new_list_of_the_reports_clients(personas, scenario):
    alice = personas.client_for("alice")
    response = alice.post(reverse("lists:list-add"), {**SPEC, "new_list_name": "March wins"})
    static_list = StaticList.objects.get(partner=personas.acme, name="March wins")
    assert response.status_code == 302
    assert response.url == reverse("lists:list-detail", args=[static_list.pk])
    assert members(static_list) == ["Alpha Corp", "Bravo Ltda", "Charlie Inc"]


def test_adding_to_an_existing_list_never_adds_a_client_twice(personas, scenario):
    static_list = static_list_create(partner=personas.acme, name="Losses")
    alice = personas.client_for("alice")
    lost = {**SPEC, "kind": "lost_sold", "list": static_list.pk}
    alice.post(reverse("lists:list-add"), lost)
    response = alice.post(reverse("lists:list-add"), {**SPEC, "list": static_list.pk}, headers=HTMX)
    assert response.status_code == 200
    assert "Added 2 clients" in response.content.decode()  # Alpha, Charlie; Bravo already there
    assert "(1 already there)" in response.content.decode()
    assert "listChanged" in response["HX-Trigger"]
    assert members(static_list) == ["Alpha Corp", "Bravo Ltda", "Charlie Inc", "Delta LLC"]
    assert StaticListMember.objects.filter(list=static_list).count() == 4


def test_the_htmx_answer_re_renders_the_actions_with_the_new_list(personas, scenario):
    response = personas.client_for("bob").post(
        reverse("lists:list-add"), {**SPEC, "new_list_name": "Fresh"}, headers=HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="report-actions" id="report-actions-new_sold"')
    assert "Fresh (3)" in html


def test_next_redirects_only_to_this_site(personas, scenario):
    alice = personas.client_for("alice")
    response = alice.post(
        reverse("lists:list-add"), {**SPEC, "new_list_name": "A", "next": "/partner/dashboard/?x=1"}
    )
    assert response.url == "/partner/dashboard/?x=1"
    response = alice.post(
        reverse("lists:list-add"), {**SPEC, "new_list_name": "B", "next": "https://evil.example/"}
    )
    assert response.url.startswith("/partner/lists/")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Choose an existing list or name a new one."),
        ({"new_list_name": "   "}, "Choose an existing list or name a new one."),
        ({"new_list_name": "x", "list": "1"}, "not both"),
        ({"list": "abc"}, "Enter a whole number."),
        ({"list": "-4"}, "greater than or equal to 1"),
        ({"new_list_name": "y" * 121}, "at most 120 characters"),
    ],
)
def test_bad_list_input_is_a_form_error_and_writes_nothing(personas, scenario, fields, message):
    alice = personas.client_for("alice")
    response = alice.post(reverse("lists:list-add"), {**SPEC, **fields})
    assert response.status_code == 400
    assert message in response.content.decode()
    htmx = alice.post(reverse("lists:list-add"), {**SPEC, **fields}, headers=HTMX)
    assert htmx.status_code == 200 and message in htmx.content.decode()
    assert not StaticList.objects.exists()


def test_a_taken_list_name_is_a_form_error(personas, scenario):
    static_list_create(partner=personas.acme, name="Mine")
    response = personas.client_for("alice").post(
        reverse("lists:list-add"), {**SPEC, "new_list_name": "  MINE "}
    )
    assert response.status_code == 400
    assert "already have a list named" in response.content.decode()
    assert StaticList.objects.count() == 1


def test_export_has_one_row_per_ledger_entry_under_the_typed_name(personas, scenario):
    response = personas.client_for("alice").post(
        reverse("lists:report-export"),
        {**SPEC, "kind": "lost_sold", "name": "Lost Q1", "format": "csv"},
    )
    assert response["Content-Disposition"] == 'attachment; filename="lost-q1.csv"'
    rows = csv_rows(response)
    assert rows[0][:4] == ["Entry ID", "Effective date", "Client ID", "Client"]
    assert rows[0][7:9] == ["Points", "Exact points"]
    # the points as the pages show them, and the ledger's exact points in a column of their own
    assert [(r[1], r[3], r[7], r[8]) for r in rows[1:]] == [
        ("2025-04-05", "Bravo Ltda", "-30.00", "-30.000000"),
        ("2025-04-15", "Delta LLC", "-20.00", "-20.000000"),
    ]


def test_export_neutralises_formula_cells(personas, scenario):
    scenario.alpha.name = '=HYPERLINK("http://evil")'
    scenario.alpha.save()
    scenario.e1.name = "@SUM(A1)"
    scenario.e1.save()
    alice = personas.client_for("alice")
    rows = csv_rows(
        alice.post(reverse("lists:report-export"), {**SPEC, "name": "x", "format": "csv"})
    )
    assert '\'=HYPERLINK("http://evil")' in [r[3] for r in rows]
    deals = csv_rows(
        alice.post(
            reverse("lists:report-export"),
            {**SPEC, "kind": "deals_created", "name": "d", "format": "csv"},
        )
    )
    assert "'@SUM(A1)" in [r[1] for r in deals]
    xlsx = alice.post(
        reverse("lists:report-export"),
        {**SPEC, "kind": "deals_created", "name": "d", "format": "xlsx"},
    )
    assert xlsx["Content-Disposition"].endswith('filename="d.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [row[1] for row in sheet.iter_rows(values_only=True)]
    # XLSX keeps the text exactly, in a text cell with the quote prefix (never a formula)
    assert values[0] == "Deal" and "@SUM(A1)" in values and len(values) == 4
    cell = next(row[1] for row in sheet.iter_rows() if row[1].value == "@SUM(A1)")
    assert (cell.data_type, cell.quotePrefix) == ("s", True)


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"name": "", "format": "csv"}, 400),
        ({"name": "!!!", "format": "csv"}, 400),
        ({"name": "ok", "format": "pdf"}, 400),
        ({"name": "ok", "format": "csv", "kind": "everything"}, 400),
        ({"name": "ok", "format": "csv", "start": "2025-02-30"}, 400),
        ({"name": "ok", "format": "csv", "start": "2025-05-01"}, 400),
        ({"name": "ok", "format": "csv", "range": "forever"}, 400),
    ],
)
def test_bad_export_input_is_a_400(personas, scenario, fields, status):
    response = personas.client_for("alice").post(reverse("lists:report-export"), {**SPEC, **fields})
    assert response.status_code == status
    assert "Content-Disposition" not in response


def test_save_as_report_stores_the_kind_and_the_exact_range(personas, scenario):
    response = personas.client_for("bob").post(
        reverse("lists:report-save"), {**SPEC, "kind": "lost_managed", "name": " Managed losses "}
    )
    report = SavedReport.objects.get()
    assert response.url == reverse("lists:report-detail", args=[report.pk])
    assert (report.partner, report.name, report.kind) == (
        personas.acme,
        "Managed losses",
        "lost_managed",
    )
    assert (report.start, report.end, report.range_preset) == (START, END, "")
    assert report.created_by == personas.bob.user


def test_save_a_preset_range_keeps_its_days_and_its_preset(personas, scenario):
    response = personas.client_for("alice").post(
        reverse("lists:report-save"),
        {"kind": "new_sold", "range": "last_90_days", "name": "Quarterly"},
        headers=HTMX,
    )
    assert "reportSaved" in response["HX-Trigger"]
    report = SavedReport.objects.get()
    today = timezone.localdate()
    assert (report.start, report.end, report.range_preset) == (
        today - timedelta(days=89),
        today,
        "last_90_days",
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "n" * 121},
        {"name": "ok", "kind": ""},
        {"name": "ok", "range": "custom", "start": "2025-05-01", "end": "2025-04-01"},
    ],
)
def test_bad_save_input_writes_nothing(personas, scenario, fields):
    response = personas.client_for("alice").post(reverse("lists:report-save"), {**SPEC, **fields})
    assert response.status_code == 400
    assert not SavedReport.objects.exists()


def test_actions_only_accept_post(personas):
    alice = personas.client_for("alice")
    for name in ("lists:list-add", "lists:report-export", "lists:report-save"):
        assert alice.get(reverse(name), SPEC).status_code == 405


def test_carol_cannot_add_to_acmes_list_and_gets_only_globex_rows(personas, scenario):
    acme_list = static_list_create(partner=personas.acme, name="Acme only")
    carol = personas.client_for("carol")
    response = carol.post(reverse("lists:list-add"), {**SPEC, "list": acme_list.pk})
    assert response.status_code == 404
    assert not acme_list.members.exists()
    carol.post(reverse("lists:list-add"), {**SPEC, "new_list_name": "Carol's"})
    assert members(StaticList.objects.get(partner=personas.globex)) == ["Alpha Corp"]
    body = b"".join(
        carol.post(
            reverse("lists:report-export"),
            {**SPEC, "kind": "deals_created", "name": "x", "format": "csv"},
        ).streaming_content
    ).decode()
    assert "Globex secret deal" in body
    assert "Alpha expansion" not in body and "Bravo" not in body


def test_actions_need_a_partner_member(client, personas, scenario):
    response = client.post(reverse("lists:report-save"), {**SPEC, "name": "x"})
    assert response.status_code == 302
    staff = personas.client_for("staff")
    assert staff.post(reverse("lists:report-save"), {**SPEC, "name": "x"}).status_code == 403
    assert not SavedReport.objects.exists()


@pytest.mark.parametrize("action", ["list-add", "report-export", "report-save"])
def test_action_query_counts_are_the_same_at_5_and_500_clients(personas, action):
    today = timezone.localdate()
    alice = personas.client_for("alice")
    spec = ReportSpec("new_managed", DateRange(today - timedelta(days=10), today)).as_params()
    fields = {
        "list-add": {"new_list_name": "L"},
        "report-export": {"name": "e", "format": "csv"},
        "report-save": {"name": "r"},
    }[action]

    def count(n):
        with CaptureQueriesContext(connection) as queries:
            response = alice.post(
                reverse(f"lists:{action}"),
                {**spec, **fields, "new_list_name": f"L{n}"}
                if action == "list-add"
                else {**spec, **fields},
            )
            if action == "report-export":
                rows = csv_rows(response)
                assert len(rows) == n + 1
            else:
                assert response.status_code == 302
        return len(queries)

    bulk_clients(partner=personas.acme, count=5, on=today - timedelta(days=3))
    small = count(5)
    bulk_clients(partner=personas.acme, count=495, on=today - timedelta(days=3), prefix="More")
    assert count(500) == small
    assert small <= 14
