"""Point changes over a range, the per-client rows behind each figure, the ledger and the
points history: the dashboard's hand-computed scenario (tests/reports/scenario.py) as JSON."""

from __future__ import annotations

from decimal import Decimal

import pytest

from points.models import LedgerEntry
from tests.reports.scenario import END, START, scenario  # noqa: F401

from .conftest import body

pytestmark = pytest.mark.django_db
API = "/api/v1"
RANGE = f"start={START.isoformat()}&end={END.isoformat()}"


def test_point_changes_are_the_four_hand_computed_figures(api_for, scenario):  # noqa: F811
    response = api_for("alice").get(f"{API}/points/changes/?{RANGE}")
    assert response.status_code == 200
    data = body(response)
    assert data["new_sold"] == "85.00"
    assert data["lost_sold"] == "50.00"
    assert data["new_managed"] == "20.00"
    assert data["lost_managed"] == "10.00"
    assert data["range"]["start"] == "2025-03-01" and data["range"]["end"] == "2025-04-30"
    assert data["range"]["preset"] == ""


def test_a_preset_range_is_read_like_the_dashboards(api_for, personas):
    data = body(api_for("alice").get(f"{API}/points/changes/?range=last_90_days"))
    assert data["range"]["preset"] == "last_90_days"
    assert data["range"]["label"].startswith("Last 90 days")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2025-05-01&end=2025-04-01", "non_field_errors"),
        ("start=2025-02-30&end=2025-04-01", "start"),
        ("start=2025-01-01", "non_field_errors"),
        ("range=yesterday", "range"),
        ("start=2010-01-01&end=2025-01-01", "non_field_errors"),
        ("start=", "start"),
    ],
)
def test_a_bad_range_is_a_400_with_a_message(api_for, personas, query, field):
    for url in (f"{API}/points/changes/?{query}", f"{API}/points/changes/new_sold/?{query}"):
        response = api_for("alice").get(url)
        assert response.status_code == 400
        assert field in body(response)


def test_rows_behind_new_sold_are_one_per_client_largest_first(api_for, scenario):  # noqa: F811
    data = body(api_for("alice").get(f"{API}/points/changes/new_sold/?{RANGE}"))
    assert data["count"] == 3
    rows = [(r["client_name"], r["points"], r["entries"], r["deals"]) for r in data["results"]]
    assert rows == [
        ("Alpha Corp", "50.00", 1, None),
        ("Bravo Ltda", "30.00", 1, None),
        ("Charlie Inc", "5.00", 1, None),
    ]


@pytest.mark.parametrize("kind", ["new_sold", "lost_sold", "new_managed", "lost_managed"])
def test_rows_add_up_to_their_figure(api_for, scenario, kind):  # noqa: F811
    alice = api_for("alice")
    figure = body(alice.get(f"{API}/points/changes/?{RANGE}"))[kind]
    rows = body(alice.get(f"{API}/points/changes/{kind}/?{RANGE}"))["results"]
    assert sum(Decimal(r["points"]) for r in rows) == Decimal(figure)


def test_an_unknown_figure_is_a_404(api_for, personas):
    response = api_for("alice").get(f"{API}/points/changes/deals_created/?range=last_30_days")
    assert response.status_code == 404


def test_the_ledger_filters_by_client_track_kind_and_dates(api_for, scenario):  # noqa: F811
    alice = api_for("alice")
    everything = body(alice.get(f"{API}/points/ledger/?page_size=500"))
    assert (
        everything["count"]
        == LedgerEntry.objects.filter(partner=scenario.alpha.deals.first().partner).count()
    )
    days = [r["effective_on"] for r in everything["results"]]
    assert days == sorted(days, reverse=True)

    bravo = body(alice.get(f"{API}/points/ledger/?client={scenario.bravo.pk}"))["results"]
    assert [(r["kind"], r["points"]) for r in bravo] == [
        ("deal_reversed", "-30.000000"),
        ("deal_won", "30.000000"),
    ]
    managed = body(alice.get(f"{API}/points/ledger/?track=managed"))["results"]
    assert {r["client_name"] for r in managed} == {"Charlie Inc"}
    expired = body(alice.get(f"{API}/points/ledger/?kind=sold_expired"))["results"]
    assert [(r["client_name"], r["effective_on"]) for r in expired] == [("Delta LLC", "2025-04-15")]
    april = body(alice.get(f"{API}/points/ledger/?start=2025-04-01&end=2025-04-30"))["results"]
    assert all("2025-04-01" <= r["effective_on"] <= "2025-04-30" for r in april)
    assert len(april) == 3  # Bravo reversed, Charlie's managed drop, Delta expired


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("track=both", "track"),
        ("kind=gift", "kind"),
        ("start=soon", "start"),
        ("client=x", "client"),
    ],
)
def test_bad_ledger_filters_are_400s_per_field(api_for, personas, query, field):
    response = api_for("alice").get(f"{API}/points/ledger/?{query}")
    assert response.status_code == 400
    assert list(body(response)) == [field]


def test_points_history_has_monthly_snapshots_and_a_projection(api_for, world):
    data = body(api_for("alice").get(f"{API}/points/history/"))
    assert len(data["monthly"]) == 1
    assert [m["day"] for m in data["projection"]] == sorted(m["day"] for m in data["projection"])
    assert len(data["projection"]) == 3
    latest = data["monthly"][-1]
    assert Decimal(latest["total"]) == Decimal(latest["sold"]) + Decimal(latest["managed"])
    assert Decimal(latest["sold"]) > 0


def test_points_history_is_empty_before_the_first_recompute(api_for, personas):
    assert body(api_for("alice").get(f"{API}/points/history/")) == {
        "monthly": [],
        "projection": [],
    }


def test_a_range_in_the_first_years_of_the_calendar_is_answered(api_for, personas):
    """Not a crash: a 400 saying the program has no figures before its first day."""
    response = api_for("alice").get(f"{API}/points/changes/?start=0004-01-10&end=0004-01-10")
    assert response.status_code == 400
    assert "program's first day" in body(response)["end"][0]
