"""Commission lines (filtered by month and client) and payments."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from commissions.models import CommissionLine, CommissionPayment

from .conftest import body, content

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_lines_are_the_statements_latest_month_first(api_for, world):
    alice = api_for("alice")
    data = body(alice.get(f"{API}/commissions/lines/?page_size=100"))
    lines = CommissionLine.objects.filter(partner=world.acme.clients[0].deals.first().partner)
    assert data["count"] == lines.count() > 0
    months = [r["month"] for r in data["results"]]
    assert months == sorted(months, reverse=True)
    first = data["results"][0]
    assert first["amount"] and first["currency"] == "USD"


def test_lines_filter_by_month_and_client(api_for, world):
    alice = api_for("alice")
    client = world.acme.clients[0]
    march = body(alice.get(f"{API}/commissions/lines/?month=2025-03"))["results"]
    assert march and {r["month"] for r in march} == {"2025-03-01"}
    one = body(alice.get(f"{API}/commissions/lines/?client={client.pk}"))["results"]
    assert one and {r["client"] for r in one} == {client.pk}
    expected = CommissionLine.objects.filter(client=client, month=date(2025, 3, 1)).count()
    both = body(alice.get(f"{API}/commissions/lines/?client={client.pk}&month=2025-03"))
    assert both["count"] == expected


@pytest.mark.parametrize("query", ["month=2025-13", "month=March", "month=", "client=0"])
def test_bad_line_filters_are_400s(api_for, world, query):
    response = api_for("alice").get(f"{API}/commissions/lines/?{query}")
    assert response.status_code == 400
    assert list(body(response)) == [query.split("=")[0]]


def test_lines_download_as_the_statement_export(api_for, world):
    response = api_for("alice").get(f"{API}/commissions/lines/?month=2025-03&format=csv")
    rows = list(csv.reader(io.StringIO(content(response).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Month", "Client", "Line"]
    assert {row[0] for row in rows[1:]} == {"2025-03"}
    assert (
        len(rows) - 1
        == body(api_for("alice").get(f"{API}/commissions/lines/?month=2025-03"))["count"]
    )


def test_payments_list_the_quarters_with_their_months(api_for, world):
    data = body(api_for("alice").get(f"{API}/commissions/payments/"))
    payments = CommissionPayment.objects.filter(partner__name="Acme Growth Agency")
    assert data["count"] == payments.count() > 0
    quarters = [r["quarter_start"] for r in data["results"]]
    assert quarters == sorted(quarters, reverse=True)
    first = data["results"][0]
    assert first["status"] == "scheduled" and first["lines"] > 0 and first["months"]
