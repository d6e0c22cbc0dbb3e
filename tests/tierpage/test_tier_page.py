"""Partner > Tier: the classic page, the Tier Points beta view, insights and progress over time."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.selectors import account_data_changed
from points.models import DailySnapshot
from program.rules import rules_load
from recompute.services import points_recompute
from tests.factories import AssignmentFactory, ClientFactory, DealFactory, MrrFactory

from .helpers import give_clients, opt_in

pytestmark = pytest.mark.django_db


def test_the_classic_page_shows_mrr_against_the_thresholds_and_the_beta_button(personas):
    today = timezone.localdate()
    DealFactory(partner=personas.acme, mrr=Decimal("8000"), closed_on=today)
    client = ClientFactory()
    MrrFactory(client=client, date=today, mrr=Decimal("3000"))
    AssignmentFactory(partner=personas.acme, client=client, start=today)
    AssignmentFactory(client=client, start=today)  # a co-manager halves Acme's managed MRR
    points_recompute(on=today)
    html = personas.client_for("bob").get(reverse("tiers:tier")).content.decode()
    assert 'data-figure="sold-mrr">8,000.00<' in html
    assert 'data-figure="managed-mrr">1,500.00<' in html
    # Gold: 100 sold points = US$2,000 MRR at 5 per US$100; 100 managed = US$10,000 at 1
    assert "US$ 2,000.00" in html and "US$ 10,000.00" in html
    assert "sourced rate of 5 points per US$100" in html
    assert "Try the new Tier Points beta" in html
    assert "Preview Tier Points" not in html and "Progress Over Time" not in html


def test_an_opted_in_user_sees_the_banner_and_the_points_view(personas):
    today = timezone.localdate()
    DealFactory(partner=personas.acme, mrr=Decimal("8000"), closed_on=today)
    points_recompute(on=today)
    opt_in(personas.bob)
    bob = personas.client_for("bob").get(reverse("tiers:tier")).content.decode()
    assert "Preview Tier Points" in bob and "Tier Insights" in bob
    assert 'data-figure="tier-progress-figure"' in bob and 'id="tier-progress-figure"' in bob
    assert "Try the new Tier Points beta" not in bob
    # the beta is per user: alice still sees the classic page
    alice = personas.client_for("alice").get(reverse("tiers:tier")).content.decode()
    assert "Try the new Tier Points beta" in alice and "Tier Insights" not in alice
    classic = personas.client_for("bob").get(reverse("tiers:tier"), {"view": "classic"})
    assert "Preview Tier Points" in classic.content.decode()
    assert "Sold and managed MRR" in classic.content.decode()


def test_insights_show_what_to_maintain_move_up_and_what_expires_before_the_review(personas):
    today = timezone.localdate()
    rules_review = None
    rules_review = rules_load().next_review_date(today)
    # won 11 months and a day before the review: expires before it
    closes = today - timedelta(days=5)
    DealFactory(partner=personas.acme, mrr=Decimal("4000"), closed_on=closes)
    client = ClientFactory()
    MrrFactory(client=client, date=closes, mrr=Decimal("30000"))
    AssignmentFactory(partner=personas.acme, client=client, start=closes)
    points_recompute(on=today)
    opt_in(personas.alice)
    html = personas.client_for("alice").get(reverse("tiers:tier")).content.decode()
    # 200 sold + 300 managed = 500: performs at Gold, credited Untiered until the review
    assert (
        "To move up to <strong>Platinum</strong>: 1,500.00 more total points, "
        "200.00 sold, 100.00 managed" in html
    )
    assert "not credited a tier yet" in html
    assert f"before the next review on {rules_review:%-d %b %Y}" in html
    assert "Projected tier at that review: <strong>Gold</strong>" in html


def test_progress_over_time_uses_the_last_snapshot_of_each_month_and_projects_three_months(
    personas,
):
    today = timezone.localdate()
    first = today.replace(day=1)
    DailySnapshot.objects.create(
        partner=personas.acme,
        date=first - timedelta(days=20),
        sold=Decimal(1),
        managed=Decimal(1),
        total=Decimal(2),
    )
    DailySnapshot.objects.create(
        partner=personas.acme,
        date=first - timedelta(days=1),
        sold=Decimal(7),
        managed=Decimal(3),
        total=Decimal(10),
    )
    opt_in(personas.alice)
    html = personas.client_for("alice").get(reverse("tiers:tier")).content.decode()
    assert 'id="over-time-figure"' in html
    assert (first - timedelta(days=1)).isoformat() in html
    assert (first - timedelta(days=20)).isoformat() not in html
    assert '"dash": "dash"' in html and "(projected)" in html


def test_carol_sees_only_globex_on_the_tier_page(personas):
    give_clients(personas.acme, 3, prefix="Acmeonly")
    opt_in(personas.carol)
    html = personas.client_for("carol").get(reverse("tiers:tier")).content.decode()
    assert "Acmeonly" not in html and "Acme Growth" not in html
    assert 'data-figure="sold-points">0.00<' in html


def _count(http, url, **params):
    account_data_changed()  # counts the page with its account metrics computed, not cached
    with CaptureQueriesContext(connection) as queries:
        assert http.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("beta", [False, True], ids=["classic", "points"])
def test_tier_page_queries_do_not_grow_from_5_to_500_clients(personas, beta):
    if beta:
        opt_in(personas.alice)
    alice = personas.client_for("alice")
    give_clients(personas.acme, 5)
    small = _count(alice, reverse("tiers:tier"))
    give_clients(personas.acme, 495, prefix="More")
    assert _count(alice, reverse("tiers:tier")) == small


@pytest.mark.parametrize("view", ["sideways", "", "x" * 5000])
def test_odd_view_parameters_show_the_default_view(personas, view):
    assert (
        personas.client_for("alice").get(reverse("tiers:tier"), {"view": view}).status_code == 200
    )
