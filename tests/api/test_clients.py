"""Clients, a client's record, deals and renewals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clients.models import Deal, Renewal
from tests.factories import ClientFactory, DealFactory, MrrFactory
from tests.tierpage.helpers import give_clients

from .conftest import body

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_clients_list_with_points_and_mrr_and_a_search(api_for, personas):
    give_clients(personas.acme, 3, prefix="Zeta")
    give_clients(personas.acme, 2, prefix="Alpha")
    alice = api_for("alice")
    data = body(alice.get(f"{API}/clients/"))
    assert data["count"] == 5
    assert [r["name"] for r in data["results"]] == [
        "Alpha 000",
        "Alpha 001",
        "Zeta 000",
        "Zeta 001",
        "Zeta 002",
    ]
    first = data["results"][0]
    assert (first["sold"], first["managed"], first["current_mrr"]) == ("10.00", "10.00", "1000.00")
    found = body(alice.get(f"{API}/clients/?search=zeta 001"))["results"]
    assert [r["name"] for r in found] == ["Zeta 001"]
    assert alice.get(f"{API}/clients/?search={'x' * 101}").status_code == 400


def test_pages_are_stable_and_complete(api_for, personas):
    give_clients(personas.acme, 7)
    alice = api_for("alice")
    seen = []
    url = f"{API}/clients/?page_size=3"
    while url:
        page = body(alice.get(url))
        seen += [r["id"] for r in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 7
    assert alice.get(f"{API}/clients/?page=9").status_code == 404
    for page in ("", "0", "-1", "two", "1.0"):
        assert alice.get(f"{API}/clients/?page={page}").status_code == 400, page
        assert alice.get(f"{API}/clients/?page={page}&format=csv").status_code == 400, page
    for size in ("many", "0", "-1", ""):
        assert alice.get(f"{API}/clients/?page_size={size}").status_code == 400, size


def test_the_client_record_shows_only_this_partners_deals(api_for, personas):
    client = ClientFactory(name="Shared Co")
    MrrFactory(client=client, date=date(2025, 1, 1), mrr=Decimal("900"))
    MrrFactory(client=client, date=date(2025, 6, 1), mrr=Decimal("1200"))
    DealFactory(partner=personas.acme, client=client, name="Acme deal")
    DealFactory(partner=personas.globex, client=client, name="Globex deal")
    renews = timezone.localdate() + timedelta(days=50)
    Renewal.objects.create(client=client, date=renews, products="Sales Hub")
    data = body(api_for("alice").get(f"{API}/clients/{client.pk}/"))
    assert data["client"]["name"] == "Shared Co"
    assert [d["name"] for d in data["deals"]] == ["Acme deal"]
    assert [(m["date"], m["mrr"]) for m in data["mrr_history"]] == [
        ("2025-01-01", "900.00"),
        ("2025-06-01", "1200.00"),
    ]
    assert data["current_mrr"] == "1200.00"
    assert data["renewals"] == [
        {
            "date": renews.isoformat(),
            "deadline": (renews - timedelta(days=45)).isoformat(),
            "products": "Sales Hub",
            "mrr_change": "0.00",
            "status": "upcoming",
        }
    ]
    assert data["managed"] is False


def test_deals_filter_by_stage_sharing_type_client_and_creation_date(api_for, personas):
    client = ClientFactory()
    DealFactory(partner=personas.acme, client=client, name="won", created_on=date(2025, 1, 1))
    DealFactory(
        partner=personas.acme,
        name="open shared",
        stage=Deal.Stage.IN_FLIGHT,
        closed_on=None,
        shared_selling=True,
        created_on=date(2025, 3, 1),
    )
    DealFactory(
        partner=personas.acme,
        name="assisted",
        deal_type=Deal.DealType.ASSISTED,
        created_on=date(2025, 2, 1),
    )
    DealFactory(partner=personas.globex, client=client, name="not ours")
    alice = api_for("alice")

    def names(query: str) -> list[str]:
        response = alice.get(f"{API}/deals/?{query}")
        assert response.status_code == 200
        return [r["name"] for r in body(response)["results"]]

    assert names("") == ["open shared", "assisted", "won"]
    assert names("stage=in_flight") == ["open shared"]
    assert names("shared_selling=true") == ["open shared"]
    assert names("shared_selling=false") == ["assisted", "won"]
    assert names("deal_type=assisted") == ["assisted"]
    assert names(f"client={client.pk}") == ["won"]
    assert names("start=2025-02-01&end=2025-02-28") == ["assisted"]
    for bad in ("stage=lost", "shared_selling=maybe", "start=2025-13-01", "stage="):
        response = alice.get(f"{API}/deals/?{bad}")
        assert response.status_code == 400, bad
        assert list(body(response)) == [bad.split("=")[0]]


def test_renewals_are_the_dashboards_soonest_first(api_for, personas):
    today = timezone.localdate()
    late, soon = give_clients(personas.acme, 2)
    Renewal.objects.create(client=late, date=today + timedelta(days=100), products="B")
    Renewal.objects.create(client=soon, date=today + timedelta(days=5), products="A")
    Renewal.objects.create(client=soon, date=today + timedelta(days=200), products="C")
    alice = api_for("alice")
    rows = body(alice.get(f"{API}/renewals/"))["results"]
    assert [(r["products"], r["days_to_renew"]) for r in rows] == [("A", 5), ("B", 100)]
    assert rows[0]["deadline"] == (today + timedelta(days=5 - 45)).isoformat()
    assert rows[0]["days_to_deadline"] == -40
    assert [r["products"] for r in body(alice.get(f"{API}/renewals/?days=30"))["results"]] == ["A"]
    assert alice.get(f"{API}/renewals/?days=0").status_code == 400
