"""Partner > Dashboard: the queries of each page and section, the same at 5 and at 500 clients."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.metrics import account_metrics_refresh
from clients.models import Client, Deal, ManagedAssignment, MrrRecord, Renewal
from program.rules import rules_cache_clear, rules_load
from recompute.services import points_recompute

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def give_clients(partner, count: int, prefix: str) -> None:
    """``count`` clients, each managed, with a shared-selling deal won and a renewal soon."""
    today = timezone.localdate()
    clients = Client.objects.bulk_create(
        Client(name=f"{prefix} {n:04d}", domain=f"{prefix.lower()}{n}.{partner.pk}.test")
        for n in range(count)
    )
    MrrRecord.objects.bulk_create(
        MrrRecord(client=c, date=today - timedelta(days=400), mrr=Decimal("1000")) for c in clients
    )
    ManagedAssignment.objects.bulk_create(
        ManagedAssignment(partner=partner, client=c, start=today - timedelta(days=400))
        for c in clients
    )
    Deal.objects.bulk_create(
        Deal(
            partner=partner,
            client=c,
            deal_type="sourced",
            mrr=Decimal("100"),
            stage="closed_won",
            created_on=today - timedelta(days=20),
            closed_on=today - timedelta(days=3),
            shared_selling=True,
        )
        for c in clients
    )
    Renewal.objects.bulk_create(
        Renewal(client=c, date=today + timedelta(days=1 + n % 100)) for n, c in enumerate(clients)
    )
    points_recompute(on=today)


# (URL name, query, htmx?, most queries): session, user and membership are the first 3.
QUERY_URLS = [
    # D3 and D4 share one range: one report_totals; D6 reads its first rows and a count.
    ("partners:dashboard", {}, False, 10),
    ("partners:dashboard", {"d3-range": "last_90_days", "get_to": "elite"}, False, 12),
    ("partners:dashboard-progression", {"get_to": "diamond"}, True, 4),
    ("partners:dashboard-point-changes", {"d3-range": "last_12_months"}, True, 5),
    ("partners:dashboard-shared-selling", {}, True, 5),
    ("partners:dashboard-report", {"kind": "new_managed", "range": "last_90_days"}, True, 5),
    ("partners:dashboard-report", {"kind": "deals_closed_won", "range": "this_quarter"}, False, 5),
    ("partners:dashboard-explain", {}, False, 4),
    ("partners:dashboard-renewals", {"renewals": "all"}, True, 4),
    ("partners:dashboard-team", {}, False, 4),
]


def fresh_rules() -> None:
    """Load the rule tables into the cache now, so that they never expire between counts.

    Clearing them also drops the cached account metrics: every count is of the uncached page.
    """
    rules_cache_clear()
    rules_load()


@pytest.mark.parametrize(("name", "params", "htmx", "most"), QUERY_URLS)
def test_query_count_is_the_same_at_5_and_500_clients(personas, name, params, htmx, most):
    alice = personas.client_for("alice")
    url = reverse(name, args=["sourced"]) if name.endswith("explain") else reverse(name)
    extra = HTMX if htmx else {}

    def count() -> int:
        fresh_rules()
        # As deployed: the nightly recompute has stored the day's account metrics.
        account_metrics_refresh(on=timezone.localdate(), rules=rules_load())
        with CaptureQueriesContext(connection) as queries:
            response = alice.get(url, params, **extra)
            assert response.status_code == 200
        assert not [q for q in queries if "clients_mrrrecord" in q["sql"]], "read MRR history"
        return len(queries)

    give_clients(personas.acme, 5, "Small")
    small = count()
    give_clients(personas.acme, 495, "Large")
    assert count() == small
    assert small <= most


def test_the_csr_explanation_query_count_is_the_same_at_5_and_500_clients(personas):
    alice = personas.client_for("alice")
    url = reverse("partners:dashboard-explain", args=["csr"])
    give_clients(personas.acme, 5, "Small")
    fresh_rules()
    with CaptureQueriesContext(connection) as small:
        alice.get(url)
    give_clients(personas.acme, 495, "Large")
    fresh_rules()
    with CaptureQueriesContext(connection) as large:
        alice.get(url)
    assert len(small) == len(large)
