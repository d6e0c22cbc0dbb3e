"""Statements, the printable statement, exports and payments: content, tenancy, queries, input."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from commissions.models import CommissionPayment
from commissions.payments import commission_payment_mark_paid
from commissions.services import commissions_accrue
from tests.factories import ClientFactory, DealFactory, MrrFactory

from .factories import bulk_clients

pytestmark = pytest.mark.django_db
STATEMENTS = reverse("commissions:statements")
EXPORT = reverse("commissions:statements_export")
PAYMENTS = reverse("commissions:payments")
# Pinned per page: session, user, membership, then the page's own reads.
MAX_QUERIES = {
    "commissions:statements": 7,
    "commissions:statements_export": 6,
    "commissions:statement": 4,
    "commissions:payments": 5,
    "commissions:payment": 5,
}


def client_with(partner, name, *, currency="USD", mrr="1000", won_on=date(2024, 12, 10)):
    client = ClientFactory(name=name, currency=currency)
    MrrFactory(client=client, date=date(2024, 1, 1), mrr=Decimal(mrr))
    DealFactory(partner=partner, client=client, closed_on=won_on)
    return client


@pytest.fixture
def history(personas):
    """Acme: Alpha (USD) and Beta (EUR) from Dec 2024; Globex: Gamma from Feb 2025.

    Shared Co has deals from both partners. Accrued Dec 2024 - Mar 2025.
    """
    alpha = client_with(personas.acme, "Alpha Co")
    beta = client_with(personas.acme, "Beta GmbH", currency="EUR", mrr="880")
    gamma = client_with(personas.globex, "Gamma Ltda", mrr="500", won_on=date(2025, 2, 3))
    shared = client_with(personas.acme, "Shared Co", mrr="3000", won_on=date(2025, 3, 1))
    DealFactory(partner=personas.globex, client=shared, closed_on=date(2025, 3, 2))
    commissions_accrue(month=date(2025, 3, 1), restate_months=3)
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "shared": shared}


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_statements_show_the_latest_month_with_per_client_lines_and_totals(personas, history):
    html = html_of(personas.client_for("bob").get(STATEMENTS))
    assert 'data-statement="2025-03"' in html and 'data-statement="2025-02"' not in html
    assert html.count("data-line=") == 3  # Alpha, Beta and Shared Co in March
    assert "1,000.00 USD" in html and "880.00 EUR" in html  # MRR in the client's currency
    assert "EUR 88.00" in html  # the program rate: no month-end rate recorded
    assert "Estimated" in html and "Final" in html
    # Alpha 1000 × 20% = 200.00; Beta 880 EUR × 20% × 100/88 = 200.00; Shared 3000 × 20% = 600.00
    assert 'data-total="USD">1,000.00 USD<' in html
    for month in ("2024-12", "2025-01", "2025-02", "2025-03"):
        assert f'data-month="{month}"' in html
    assert "Gamma Ltda" not in html


def test_statements_filter_by_month_and_client(personas, history):
    alice = personas.client_for("alice")
    january = html_of(alice.get(STATEMENTS, {"month": "2025-01"}))
    assert 'data-statement="2025-01"' in january and january.count("data-line=") == 2
    alpha = html_of(alice.get(STATEMENTS, {"client": history["alpha"].pk}))
    assert alpha.count("data-line=") == 4 and alpha.count("data-statement=") == 4  # Dec - Mar
    both = html_of(alice.get(STATEMENTS, {"month": "2025-02", "client": history["beta"].pk}))
    assert both.count("data-line=") == 1 and "Beta GmbH" in both
    empty = html_of(alice.get(STATEMENTS, {"month": "2023-01"}))
    assert "No commission lines match this choice." in empty


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month": "2025-13"}, "is not a month"),
        ({"month": "garbage"}, "A month is written YYYY-MM"),
        ({"month": "x" * 5000}, "A month is written YYYY-MM"),
        ({"client": "abc"}, "There is no client"),
        ({"client": "-1"}, "There is no client"),
        ({"client": "99999999999999999999"}, "There is no client"),
    ],
)
def test_bad_filters_answer_with_a_message_not_an_error(personas, history, query, message):
    html = html_of(personas.client_for("alice").get(STATEMENTS, query))
    assert message in html and 'role="alert"' in html
    export = personas.client_for("alice").get(EXPORT, {**query, "format": "csv"})
    assert export.status_code == 400 and "400.html" in [t.name for t in export.templates]
    assert message in export.content.decode() and "Content-Disposition" not in export


def test_an_htmx_request_gets_only_the_statement_partial(personas, history):
    response = personas.client_for("alice").get(
        STATEMENTS, {"month": "2025-01"}, HTTP_HX_REQUEST="true"
    )
    html = html_of(response)
    assert html.lstrip().startswith('<section class="card" id="statement"')
    assert "<html" not in html and 'data-statement="2025-01"' in html


def test_the_csv_export_has_exactly_the_lines_shown(personas, history):
    response = personas.client_for("alice").get(EXPORT, {"month": "2025-01", "format": "csv"})
    assert response.status_code == 200
    assert 'filename="commission-statement-2025-01.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Month", "Client", "Line"]
    assert [(r[0], r[1], r[4], r[6], r[9], r[10], r[11]) for r in rows[1:]] == [
        # 1000 USD × 20% = 200.00, final
        ("2025-01", "Alpha Co", "1000.00", "100.00", "200.00", "USD", "Final"),
        # 880 EUR × 20% × 100/88 = 200.00 USD at the program rate, estimated
        ("2025-01", "Beta GmbH", "880.00", "88.00", "200.00", "USD", "Estimated"),
    ]


def test_the_xlsx_export_follows_the_filters(personas, history):
    response = personas.client_for("alice").get(
        EXPORT, {"client": history["alpha"].pk, "format": "xlsx"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 5 and {r[1] for r in rows[1:]} == {"Alpha Co"}  # header + Dec - Mar


@pytest.mark.parametrize("fmt", ["", "pdf", "CSV;rm"])
def test_an_unknown_export_format_is_a_400(personas, history, fmt):
    response = personas.client_for("alice").get(EXPORT, {"format": fmt})
    assert response.status_code == 400 and "Content-Disposition" not in response
    assert "choose CSV or XLSX" in response.content.decode()


def test_the_print_statement_shows_one_month_with_its_total(personas, history):
    url = reverse("commissions:statement", args=["2025-03"])
    html = html_of(personas.client_for("bob").get(url))
    assert "Commission statement: March 2025" in html and "Acme Growth Agency" in html
    assert html.count("data-line=") == 3
    # 200.00 + 200.00 + 600.00
    assert 'data-figure="statement-total">1,000.00 USD<' in html
    assert "?month=2025-03&amp;format=csv" in html


@pytest.mark.parametrize("month", ["2023-01", "2025-13", "2025-00"])
def test_a_statement_of_a_month_without_lines_or_no_month_is_a_404(personas, history, month):
    url = reverse("commissions:statement", args=[month])
    assert personas.client_for("alice").get(url).status_code == 404


def test_payments_list_paid_and_scheduled_with_dates_references_and_statements(personas, history):
    q4 = CommissionPayment.objects.get(partner=personas.acme, quarter_start=date(2024, 10, 1))
    commission_payment_mark_paid(payment=q4, paid_on=date(2025, 2, 14), reference="ACME-2024Q4")
    html = html_of(personas.client_for("bob").get(PAYMENTS))
    assert html.count("data-payment=") == 2
    assert "2024 Q4" in html and "2025 Q1" in html
    assert "ACME-2024Q4" in html and "14 Feb 2025" in html and "15 May 2025" in html
    # Q4 2024: Dec Alpha 200 + Beta 200 = 400.00; Q1 2025: 3 × 400 + Shared Co 600 = 1,800.00
    assert "400.00 USD" in html and "1,800.00 USD" in html
    assert reverse("commissions:statement", args=["2025-02"]) in html
    assert '<span class="badge paid">Paid</span>' in html
    assert '<span class="badge scheduled">Scheduled</span>' in html


def test_a_payment_page_lists_the_lines_it_gathers(personas, history):
    q1 = CommissionPayment.objects.get(partner=personas.acme, quarter_start=date(2025, 1, 1))
    html = html_of(personas.client_for("alice").get(reverse("commissions:payment", args=[q1.pk])))
    assert html.count("data-line=") == 7  # Jan 2 + Feb 2 + Mar 3
    assert 'data-figure="payment-amount">1,800.00 USD<' in html


def test_carol_gets_404_for_acmes_statements_and_payments(personas, history):
    carol = personas.client_for("carol")
    acme_payment = CommissionPayment.objects.filter(partner=personas.acme).first()
    assert carol.get(reverse("commissions:payment", args=[acme_payment.pk])).status_code == 404
    # only Acme has lines in December 2024
    assert carol.get(reverse("commissions:statement", args=["2024-12"])).status_code == 404


def test_carol_sees_only_her_own_lines_even_on_a_shared_client(personas, history):
    carol = personas.client_for("carol")
    pages = [
        html_of(carol.get(STATEMENTS, {"month": "2025-03"})),
        html_of(carol.get(STATEMENTS, {"client": history["shared"].pk})),
        html_of(carol.get(reverse("commissions:statement", args=["2025-03"]))),
        html_of(carol.get(PAYMENTS)),
    ]
    for html in pages:
        for secret in ("Alpha Co", "Beta GmbH", "Acme Growth", "1,000.00", "1,800.00"):
            assert secret not in html
    # her own March lines: Gamma 500 × 20% = 100.00 and Shared Co (her deal of Mar 2)
    # 3000 × 20% = 600.00; total 700.00
    assert pages[0].count("data-line=") == 2 and "Gamma Ltda" in pages[0]
    assert 'data-total="USD">700.00 USD<' in pages[0]
    probe = html_of(carol.get(STATEMENTS, {"client": history["alpha"].pk}))
    assert "There is no client" in probe and "Alpha Co" not in probe
    export = carol.get(EXPORT, {"client": history["alpha"].pk, "format": "csv"})
    refused = export.content.decode()
    assert export.status_code == 400 and "There is no client" in refused
    assert "Alpha Co" not in refused and "Acme Growth" not in refused
    own = carol.get(EXPORT, {"month": "2025-03", "format": "csv"})
    text = b"".join(own.streaming_content).decode("utf-8-sig")
    assert "Alpha Co" not in text and "Beta GmbH" not in text and "Gamma Ltda" in text


@pytest.mark.parametrize(
    ("name", "args", "query"),
    [
        ("commissions:statements", [], {}),
        ("commissions:statements", [], {"client": "first"}),
        ("commissions:statements_export", [], {"format": "csv"}),
        ("commissions:statements_export", [], {"format": "xlsx"}),
        ("commissions:statement", ["2025-03"], {}),
        ("commissions:payments", [], {}),
        ("commissions:payment", ["first"], {}),
    ],
)
def test_query_count_is_the_same_at_5_and_500_clients(personas, name, args, query):
    alice = personas.client_for("alice")
    first = bulk_clients(personas.acme, 5, prefix="Few")[0]
    commissions_accrue(month=date(2025, 3, 1), restate_months=2)
    payment = CommissionPayment.objects.get(partner=personas.acme)
    args = [payment.pk if a == "first" else a for a in args]
    query = {k: (first.pk if v == "first" else v) for k, v in query.items()}

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = alice.get(reverse(name, args=args), query)
            assert response.status_code == 200
            if response.streaming:
                b"".join(response.streaming_content)
        return len(queries)

    small = count()
    bulk_clients(personas.acme, 495, prefix="Many")
    commissions_accrue(month=date(2025, 3, 1), restate_months=2)
    assert count() == small
    assert small <= MAX_QUERIES[name], small
