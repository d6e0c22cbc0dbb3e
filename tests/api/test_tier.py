"""Tier standing and insights, the Points Breakdown (JSON, CSV, XLSX) and a client's points."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from clients.models import Deal
from tests.tierpage.helpers import give_clients, opt_in

from .conftest import body, content

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_standing_is_the_tier_pages(api_for, personas):
    give_clients(personas.acme, 4)
    data = body(api_for("alice").get(f"{API}/tier/standing/"))
    # 4 clients × US$200 sourced (5 per US$100) = 40 sold; 4 × US$1,000 managed (1) = 40
    assert data["sold"] == "40.00"
    assert data["managed"] == "40.00"
    assert data["total"] == "80.00"
    assert data["as_of"] == timezone.localdate().isoformat()
    assert data["next_tier"] == "Gold"
    assert data["needs_for_next"] == {"total": "420.00", "sold": "60.00", "managed": "60.00"}
    assert [t["name"] for t in data["tiers"]][:2] == ["Gold", "Platinum"]
    assert data["sourced_mrr_12m"] == "800.00"
    assert data["sourced_amount_12m"] == "9600.00"


def test_insights_default_to_the_next_tier_and_take_a_target(api_for, personas):
    give_clients(personas.acme, 4)
    alice = api_for("alice")
    data = body(alice.get(f"{API}/tier/insights/"))
    assert data["target"] == {"key": "gold", "name": "Gold"}
    total = next(r for r in data["requirements"] if r["key"] == "total")
    assert total == {
        "key": "total",
        "label": "Total points",
        "reached": "80.00",
        "required": "500.00",
        "needed": "420.00",
        "percent": 16,
        "met": False,
    }
    assert data["target_reached"] is False
    assert data["credited_tier"] and data["review_on"]
    platinum = body(alice.get(f"{API}/tier/insights/?target=platinum"))
    assert platinum["target"]["key"] == "platinum"
    assert {t["key"] for t in platinum["targets"]} >= {"gold", "platinum"}


def test_an_unknown_target_is_a_400_on_target(api_for, personas):
    response = api_for("alice").get(f"{API}/tier/insights/?target=untiered")
    assert response.status_code == 400
    assert body(response) == {"target": ["Choose a tier from the list."]}


def test_the_breakdown_filters_and_sorts_like_the_page(api_for, personas):
    give_clients(personas.acme, 3, prefix="Home")
    give_clients(personas.acme, 2, prefix="Brazil", country="BR")
    give_clients(personas.acme, 1, prefix="Helped", deal_type=Deal.DealType.ASSISTED)
    alice = api_for("alice")
    everything = body(alice.get(f"{API}/tier/breakdown/"))
    assert everything["count"] == 6
    combined = [Decimal(r["combined"]) for r in everything["results"]]
    assert combined == sorted(combined, reverse=True)
    growth = body(alice.get(f"{API}/tier/breakdown/?market_type=growth"))["results"]
    assert {r["name"] for r in growth} == {"Brazil 000", "Brazil 001"}
    assert {r["market_type"] for r in growth} == {"growth"}
    assisted = body(alice.get(f"{API}/tier/breakdown/?deal_type=assisted"))["results"]
    assert [r["name"] for r in assisted] == ["Helped 000"]
    by_name = body(alice.get(f"{API}/tier/breakdown/?sort=client"))["results"]
    assert [r["name"] for r in by_name] == sorted(r["name"] for r in by_name)
    bad = alice.get(f"{API}/tier/breakdown/?sort=mrr&market_type=moon")
    assert bad.status_code == 400
    assert set(body(bad)) == {"sort", "market_type"}


def test_the_breakdown_downloads_every_filtered_row_as_csv_and_xlsx(api_for, personas):
    give_clients(personas.acme, 60, prefix="Home")
    give_clients(personas.acme, 2, prefix="Brazil", country="BR")
    alice = api_for("alice")
    response = alice.get(f"{API}/tier/breakdown/?market_type=standard&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="points-breakdown-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(content(response).decode("utf-8-sig"))))
    assert rows[0] == ["Client", "Domain", "Country", "Market type", "Sold", "Managed", "Combined"]
    assert len(rows) == 61  # every row, not one page of 50
    assert {row[3] for row in rows[1:]} == {"Standard"}

    response = alice.get(f"{API}/tier/breakdown/?market_type=growth&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(content(response))).active
    values = list(sheet.iter_rows(values_only=True))
    assert [v[0] for v in values[1:]] == ["Brazil 000", "Brazil 001"]
    assert values[1][4] == 20  # sold points stay numbers: US$200 × 5 per US$100 × 2 (growth)


def test_a_clients_points_show_its_sold_entries_and_history(api_for, personas):
    client = give_clients(personas.acme, 1)[0]
    data = body(api_for("alice").get(f"{API}/clients/{client.pk}/points/"))
    assert data["client_name"] == client.name
    assert data["sold"] == "10.00" and data["managed"] == "10.00" and data["combined"] == "20.00"
    assert [(e["status"], e["points"]) for e in data["sold_entries"]] == [("active", "10.00")]
    assert data["co_managers"] == 0
    assert {h["track"] for h in data["history"]} == {"Sold", "Managed"}


def test_the_api_serves_tier_points_without_the_beta_opt_in(api_for, personas):
    """The beta changes the Tier page only; the API serves the same figures either way."""
    give_clients(personas.acme, 2)
    alice = api_for("alice")
    before = body(alice.get(f"{API}/tier/breakdown/"))
    opt_in(personas.alice)
    assert body(alice.get(f"{API}/tier/breakdown/")) == before


@pytest.mark.parametrize("client_id", ["999999", "0", "-1", "abc", "99999999999999999999999"])
def test_a_client_that_is_not_the_partners_is_a_404(api_for, personas, client_id):
    assert api_for("alice").get(f"{API}/clients/{client_id}/points/").status_code == 404
    assert api_for("alice").get(f"{API}/clients/{client_id}/").status_code == 404
