"""The nightly recompute against hand-computed figures (PROGRAM.md §4–7)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import Deal
from points.models import DailySnapshot, LedgerEntry
from points.selectors import partner_balance
from program.models import Track
from recompute.services import points_recompute
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    DealFactory,
    MrrFactory,
    PartnerFactory,
)
from tiers.models import TierReview, TierStanding

pytestmark = pytest.mark.django_db
D = Decimal


def sold_on(partner, on):
    return partner_balance(partner=partner, on=on)[0]


def managed_on(partner, on):
    return partner_balance(partner=partner, on=on)[1]


def test_closed_won_deal_earns_sold_points_on_its_close_date():
    deal = DealFactory(mrr=D("1000"), closed_on=date(2025, 3, 10))
    summary = points_recompute(on=date(2025, 3, 20))
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.DEAL_WON)
    assert summary.deals_won == 1
    assert (entry.points, entry.effective_on, entry.expires_on) == (
        D("50"),
        date(2025, 3, 10),
        date(2026, 3, 10),
    )
    assert sold_on(deal.partner, date(2025, 3, 9)) == 0
    assert sold_on(deal.partner, date(2025, 3, 10)) == D("50")


def test_deal_closed_before_the_rate_change_earns_the_old_sourced_rate():
    old = DealFactory(mrr=D("1000"), closed_on=date(2024, 2, 26))
    new = DealFactory(mrr=D("1000"), closed_on=date(2024, 2, 27))
    points_recompute(on=date(2024, 3, 1))
    assert sold_on(old.partner, date(2024, 3, 1)) == D("30")
    assert sold_on(new.partner, date(2024, 3, 1)) == D("50")


def test_growth_market_client_in_another_currency_earns_the_multiplier():
    client = ClientFactory(country="BR", currency="EUR")
    deal = DealFactory(
        client=client, mrr=D("880"), deal_type="assisted", closed_on=date(2025, 5, 1)
    )
    points_recompute(on=date(2025, 5, 1))
    # 880 EUR = US$1000; assisted 3 × growth multiplier 2 = 60 points
    assert sold_on(deal.partner, date(2025, 5, 1)) == D("60")


def test_sold_points_expire_after_twelve_months():
    deal = DealFactory(mrr=D("1000"), closed_on=date(2024, 2, 29))
    points_recompute(on=date(2024, 2, 29))
    points_recompute(on=date(2025, 2, 27))
    assert sold_on(deal.partner, date(2025, 2, 27)) == D("50")
    summary = points_recompute(on=date(2025, 2, 28))
    assert summary.sold_expired == 1
    expiry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.SOLD_EXPIRED)
    assert (expiry.points, expiry.effective_on) == (D("-50"), date(2025, 2, 28))
    assert sold_on(deal.partner, date(2025, 2, 28)) == 0


def test_a_late_recompute_dates_the_expiry_on_its_expiry_date():
    deal = DealFactory(mrr=D("1000"), closed_on=date(2024, 6, 1))
    points_recompute(on=date(2025, 8, 1))
    assert LedgerEntry.objects.get(kind=LedgerEntry.Kind.SOLD_EXPIRED).effective_on == date(
        2025, 6, 1
    )
    assert sold_on(deal.partner, date(2025, 5, 31)) == D("50")


def test_reversed_deal_loses_its_remaining_points_on_the_reversal_date_and_never_expires():
    deal = DealFactory(
        mrr=D("1000"),
        closed_on=date(2025, 3, 10),
        stage=Deal.Stage.REVERSED,
        reversed_on=date(2025, 4, 1),
    )
    points_recompute(on=date(2025, 3, 31))
    assert sold_on(deal.partner, date(2025, 3, 31)) == D("50")
    points_recompute(on=date(2025, 4, 1))
    points_recompute(on=date(2026, 4, 1))
    kinds = list(LedgerEntry.objects.order_by("id").values_list("kind", "points", "effective_on"))
    assert kinds == [
        ("deal_won", D("50"), date(2025, 3, 10)),
        ("deal_reversed", D("-50"), date(2025, 4, 1)),
    ]


def test_managed_points_split_evenly_as_co_managers_join_and_leave():
    client = ClientFactory(country="DE", currency="EUR")
    MrrFactory(client=client, date=date(2025, 1, 1), mrr=D("1000"))
    first = AssignmentFactory(client=client, start=date(2025, 1, 1)).partner
    second = AssignmentFactory(client=client, start=date(2025, 2, 1), end=date(2025, 3, 1)).partner
    points_recompute(on=date(2025, 1, 15))
    assert managed_on(first, date(2025, 1, 15)) == D("11.363636")  # 1000 EUR = US$1136.36
    points_recompute(on=date(2025, 2, 15))
    assert managed_on(first, date(2025, 2, 15)) == D("5.681818")
    assert managed_on(second, date(2025, 2, 15)) == D("5.681818")
    points_recompute(on=date(2025, 3, 15))
    assert managed_on(first, date(2025, 3, 15)) == D("11.363636")
    assert managed_on(second, date(2025, 3, 15)) == 0


def test_managed_points_follow_mrr_changes_and_the_end_of_services():
    client = ClientFactory()
    MrrFactory(client=client, date=date(2025, 1, 1), mrr=D("1000"))
    MrrFactory(client=client, date=date(2025, 2, 1), mrr=D("2500"))
    partner = AssignmentFactory(client=client, start=date(2025, 1, 1), end=date(2025, 3, 1)).partner
    points_recompute(on=date(2025, 1, 1))
    points_recompute(on=date(2025, 2, 1))
    assert managed_on(partner, date(2025, 1, 31)) == D("10")
    assert managed_on(partner, date(2025, 2, 1)) == D("25")
    points_recompute(on=date(2025, 3, 1))
    assert managed_on(partner, date(2025, 3, 1)) == 0
    assert list(
        LedgerEntry.objects.filter(track=Track.MANAGED)
        .order_by("id")
        .values_list("points", flat=True)
    ) == [D("10"), D("15"), D("-25")]


def test_recompute_for_the_same_date_twice_writes_nothing_the_second_time():
    client = ClientFactory(country="IN")
    MrrFactory(client=client, date=date(2025, 1, 1), mrr=D("777.77"))
    AssignmentFactory(client=client, start=date(2025, 1, 1))
    AssignmentFactory(client=client, start=date(2025, 1, 1))
    AssignmentFactory(client=client, start=date(2025, 1, 1))
    DealFactory(client=client, closed_on=date(2024, 1, 1))
    first = points_recompute(on=date(2025, 1, 15))
    counts = (
        LedgerEntry.objects.count(),
        DailySnapshot.objects.count(),
        TierStanding.objects.count(),
    )
    second = points_recompute(on=date(2025, 1, 15))
    assert first.changed and not second.changed
    assert second.as_dict()["entries_appended"] == 0
    assert (
        LedgerEntry.objects.count(),
        DailySnapshot.objects.count(),
        TierStanding.objects.count(),
    ) == counts


def test_snapshot_and_standing_reach_gold_and_the_review_credits_it():
    partner = PartnerFactory(certified_until=date(2026, 1, 1))
    DealFactory(partner=partner, mrr=D("8000"), closed_on=date(2025, 6, 1))  # 400 sold
    client = ClientFactory()
    MrrFactory(client=client, date=date(2025, 6, 1), mrr=D("10000"))  # 100 managed
    AssignmentFactory(partner=partner, client=client, start=date(2025, 6, 1))
    points_recompute(on=date(2025, 7, 14))
    before = TierStanding.objects.get(partner=partner, date=date(2025, 7, 14))
    assert (before.performance_tier.key, before.credited_tier.key) == ("gold", "untiered")
    summary = points_recompute(on=date(2025, 7, 15))
    assert summary.review_results_written == 1
    review = TierReview.objects.get(date=date(2025, 7, 15))
    assert review.results.get(partner=partner).tier.key == "gold"
    points_recompute(on=date(2025, 8, 1))
    after = TierStanding.objects.get(partner=partner, date=date(2025, 8, 1))
    assert (after.performance_tier.key, after.credited_tier.key) == ("gold", "gold")
    snapshot = DailySnapshot.objects.get(partner=partner, date=date(2025, 8, 1))
    assert (snapshot.sold, snapshot.managed, snapshot.total) == (D("400"), D("100"), D("500"))


def test_without_certification_no_tier_is_reached():
    partner = PartnerFactory(certified_until=date(2025, 7, 1))
    DealFactory(partner=partner, mrr=D("50000"), closed_on=date(2025, 6, 1))
    client = ClientFactory()
    MrrFactory(client=client, date=date(2025, 6, 1), mrr=D("50000"))
    AssignmentFactory(partner=partner, client=client, start=date(2025, 6, 1))
    points_recompute(on=date(2025, 7, 1))
    points_recompute(on=date(2025, 7, 2))
    tiers = dict(
        TierStanding.objects.filter(partner=partner).values_list("date", "performance_tier__key")
    )
    assert tiers == {date(2025, 7, 1): "platinum", date(2025, 7, 2): "untiered"}


def test_recompute_of_some_partners_leaves_the_others_untouched():
    one = DealFactory(closed_on=date(2025, 1, 1)).partner
    other = DealFactory(closed_on=date(2025, 1, 1)).partner
    points_recompute(on=date(2025, 1, 2), partner_ids=[one.pk])
    assert set(LedgerEntry.objects.values_list("partner_id", flat=True)) == {one.pk}
    assert not TierStanding.objects.filter(partner=other).exists()


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    mrrs=st.lists(st.decimals(min_value=0, max_value=100000, places=2), min_size=1, max_size=4),
    managers=st.integers(min_value=1, max_value=3),
    deals=st.lists(
        st.tuples(st.integers(min_value=0, max_value=500), st.booleans(), st.booleans()), max_size=4
    ),
    offset=st.integers(min_value=0, max_value=500),
)
def test_rerun_writes_nothing_and_balances_never_go_negative(mrrs, managers, deals, offset):
    with transaction.atomic():
        start = date(2024, 1, 1)
        client = ClientFactory(country="MX", currency="COP")
        for month, mrr in enumerate(mrrs):
            MrrFactory(client=client, date=start.replace(month=month + 1), mrr=mrr)
        for _ in range(managers):
            AssignmentFactory(client=client, start=start)
        partner = AssignmentFactory(client=client, start=start).partner
        for days, assisted, reversed_ in deals:
            closed = start + timedelta(days=days)
            DealFactory(
                partner=partner,
                client=client,
                closed_on=closed,
                deal_type="assisted" if assisted else "sourced",
                stage="reversed" if reversed_ else "closed_won",
                reversed_on=closed + timedelta(days=30) if reversed_ else None,
            )
        on = start + timedelta(days=offset)
        points_recompute(on=on)
        assert not points_recompute(on=on).changed
        sold, managed = partner_balance(partner=partner, on=on)
        assert sold >= 0 and managed >= 0
        transaction.set_rollback(True)
