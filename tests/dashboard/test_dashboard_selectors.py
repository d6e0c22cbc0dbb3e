"""The dashboard's figures (PROGRAM.md §7–8) against hand-computed fixtures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clients.metrics import account_metrics_of
from clients.models import Deal, Renewal
from clients.overview import (
    csr_months,
    sourced_deals_12m,
    upcoming_renewals,
    upcoming_renewals_count,
)
from clients.selectors import csr_average_12m, median_tool_usage, sourced_mrr_12m
from partners.selectors import partner_pdm
from program import engine
from program.engine import FxRateRule
from program.rules import rules_cache_clear, rules_load
from recompute.services import points_recompute
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    DealFactory,
    MrrFactory,
    PartnerFactory,
    PdmFactory,
    RenewalFactory,
)
from tiers.progress import UnknownTier, program_progress, tier_progression

pytestmark = pytest.mark.django_db


def days_ago(n: int):
    return timezone.localdate() - timedelta(days=n)


def give_gold(partner):
    """8000 USD sourced (8000/100 × 5 = 400 sold) and 10000 USD managed alone (100): Gold."""
    today = timezone.localdate()
    DealFactory(partner=partner, mrr=Decimal("8000"), created_on=today, closed_on=today)
    client = ClientFactory()
    MrrFactory(client=client, date=today, mrr=Decimal("10000"))
    AssignmentFactory(partner=partner, client=client, start=today)
    points_recompute(on=today)


def test_program_progress_reads_the_standing_and_what_the_next_tier_needs(personas):
    give_gold(personas.acme)
    progress = program_progress(partner=personas.acme, on=timezone.localdate())
    summary = progress.summary
    assert (summary.credited_tier, summary.performance_tier) == ("Untiered", "Gold")
    assert (summary.sold, summary.managed, summary.total) == (
        Decimal("400.00"),
        Decimal("100.00"),
        Decimal("500.00"),
    )
    # Platinum: 2,000 total, 400 sold, 400 managed
    assert summary.next_tier == "Platinum"
    assert summary.needs_for_next == engine.Needs(
        total=Decimal("1500.00"), sold=Decimal("0.00"), managed=Decimal("300.00")
    )
    # the only sourced deal: 8000 USD, closed today
    assert progress.sourced_mrr_12m == Decimal("8000.00")
    assert progress.sourced_amount_12m == Decimal("96000.00")


def test_sourced_mrr_counts_sourced_deals_won_in_the_last_twelve_months_in_usd(personas):
    acme = personas.acme
    euro = ClientFactory(currency="EUR")
    pound = ClientFactory(currency="GBP")
    counted = [
        DealFactory(partner=acme, mrr=Decimal("1000"), closed_on=days_ago(10)),  # 1000.00
        DealFactory(partner=acme, client=euro, mrr=Decimal("880"), closed_on=days_ago(20)),
        # 880 EUR × 100 / 88 = 1000.00
        DealFactory(partner=acme, client=pound, mrr=Decimal("37"), closed_on=days_ago(364)),
        # 37 GBP × 100 / 74 = 50.00; 364 days ago is inside the 12 months
    ]
    DealFactory(partner=acme, mrr=Decimal("2000"), closed_on=days_ago(5), deal_type="assisted")
    DealFactory(partner=acme, mrr=Decimal("500"), closed_on=days_ago(400))
    DealFactory(
        partner=acme,
        mrr=Decimal("700"),
        closed_on=days_ago(30),
        stage=Deal.Stage.REVERSED,
        reversed_on=days_ago(2),
    )
    DealFactory(partner=acme, mrr=Decimal("300"), stage=Deal.Stage.IN_FLIGHT, closed_on=None)
    DealFactory(partner=personas.globex, mrr=Decimal("9000"), closed_on=days_ago(3))

    progress = program_progress(partner=acme, on=timezone.localdate())
    # 1000 + 1000 + 50 = 2050 a month; × 12 = 24,600
    assert progress.sourced_mrr_12m == Decimal("2050.00")
    assert progress.sourced_amount_12m == Decimal("24600.00")
    rows = sourced_deals_12m(partner=acme, on=timezone.localdate())
    assert [row.deal.pk for row in rows] == [d.pk for d in counted]
    assert [row.mrr_usd for row in rows] == [Decimal("1000"), Decimal("1000"), Decimal("50")]
    assert sum(row.mrr_usd for row in rows) == sourced_mrr_12m(
        partner=acme, on=timezone.localdate(), rules=rules_load()
    )


def test_csr_average_is_the_mean_of_the_last_twelve_complete_months(personas):
    today = timezone.localdate()
    churn_month = engine.add_months(today.replace(day=1), -3)
    kept = ClientFactory()
    churned = ClientFactory()
    MrrFactory(client=kept, date=days_ago(500), mrr=Decimal("3000"))
    MrrFactory(client=churned, date=days_ago(500), mrr=Decimal("1000"))
    MrrFactory(client=churned, date=churn_month + timedelta(days=9), mrr=Decimal("0"))
    for client in (kept, churned):
        AssignmentFactory(partner=personas.acme, client=client, start=days_ago(500))

    progress = program_progress(partner=personas.acme, on=today)
    # 11 months keep all their MRR (100%); the churn month keeps 3000 of 4000 (75%):
    # (11 × 100 + 75) / 12 = 97.9166… → 97.92
    assert progress.csr_percent == Decimal("97.92")
    months = csr_months(
        metrics=account_metrics_of(partner=personas.acme, on=today, rules=rules_load())
    )
    assert len(months) == 12 and months[-1].month == engine.add_months(today.replace(day=1), -1)
    churn = next(m for m in months if m.month == churn_month)
    assert (churn.start_mrr, churn.retained_mrr, churn.csr_percent) == (
        Decimal("4000.00"),
        Decimal("3000.00"),
        Decimal("75.00"),
    )
    after = [m for m in months if m.month > churn_month]
    assert all(m.start_mrr == Decimal("3000.00") and m.csr_percent == 100 for m in after)
    average = csr_average_12m(partner=personas.acme, on=today, rules=rules_load())
    assert average is not None and engine.round_half_up(average * 100) == progress.csr_percent


def test_csr_is_cached_until_account_data_or_rules_change(personas, django_assert_num_queries):
    today = timezone.localdate()
    client = ClientFactory()
    MrrFactory(client=client, date=days_ago(500), mrr=Decimal("1000"))
    AssignmentFactory(partner=personas.acme, client=client, start=days_ago(500))
    rules = rules_load()
    assert csr_average_12m(partner=personas.acme, on=today, rules=rules) == 1
    with django_assert_num_queries(0):
        assert csr_average_12m(partner=personas.acme, on=today, rules=rules) == 1
    # Saving an MRR record (a churn two months ago) is seen at once: that month keeps 0%, the
    # last month has no MRR at its start and no C$R, the 10 before keep 100%.
    churn = engine.add_months(today.replace(day=1), -2) + timedelta(days=3)
    record = MrrFactory(client=client, date=churn, mrr=Decimal("0"))
    expected = Decimal(10) / Decimal(11)
    assert csr_average_12m(partner=personas.acme, on=today, rules=rules) == expected
    # So is deleting it, and a change of the rule tables.
    record.delete()
    assert csr_average_12m(partner=personas.acme, on=today, rules=rules) == 1
    rules_cache_clear()
    with django_assert_num_queries(3):  # the client set (2 queries) and its MRR records
        csr_average_12m(partner=personas.acme, on=today, rules=rules)
    # Another partner or another day is its own entry.
    assert csr_average_12m(partner=personas.globex, on=today, rules=rules) is None


def test_csr_is_none_without_any_history(personas):
    progress = program_progress(partner=personas.globex, on=timezone.localdate())
    assert progress.csr_percent is None
    assert progress.sourced_mrr_12m == Decimal("0.00")
    metrics = account_metrics_of(partner=personas.globex, on=days_ago(0), rules=rules_load())
    assert all(m.csr_percent is None for m in csr_months(metrics=metrics))


def test_get_to_defaults_to_the_next_tier_up_with_reached_and_needed(personas):
    give_gold(personas.acme)
    progression = tier_progression(partner=personas.acme, on=timezone.localdate())
    assert [t.key for t in progression.choices] == ["gold", "platinum", "diamond", "elite"]
    assert progression.target.key == "platinum"
    # Platinum 2000 / 400 / 400 against 500 total, 400 sold, 100 managed
    assert [
        (r.key, r.reached, r.required, r.needed, r.percent) for r in progression.requirements
    ] == [
        ("total", Decimal("500.00"), Decimal("2000"), Decimal("1500.00"), 25),
        ("sold", Decimal("400.00"), Decimal("400"), Decimal("0"), 100),
        ("managed", Decimal("100.00"), Decimal("400"), Decimal("300.00"), 25),
    ]
    assert not progression.reached


def test_get_to_a_chosen_tier(personas):
    give_gold(personas.acme)
    diamond = tier_progression(partner=personas.acme, on=timezone.localdate(), tier_key="diamond")
    # Diamond 6000 / 1200 / 1200: 500/6000 = 8.3% → 8; 400/1200 = 33.3% → 33; 100/1200 → 8
    assert [(r.needed, r.percent) for r in diamond.requirements] == [
        (Decimal("5500.00"), 8),
        (Decimal("800.00"), 33),
        (Decimal("1100.00"), 8),
    ]
    gold = tier_progression(partner=personas.acme, on=timezone.localdate(), tier_key="gold")
    assert gold.reached and all(r.percent == 100 for r in gold.requirements)


@pytest.mark.parametrize("key", ["untiered", "platinum ", "nope", "GOLD"])
def test_get_to_refuses_anything_but_a_tier_above_untiered(personas, key):
    with pytest.raises(UnknownTier):
        tier_progression(partner=personas.acme, on=timezone.localdate(), tier_key=key)


def test_get_to_defaults_to_the_highest_tier_when_none_is_above(personas):
    DealFactory(partner=personas.acme, mrr=Decimal("60000"), closed_on=days_ago(0))  # 3000 sold
    client = ClientFactory()
    MrrFactory(client=client, date=days_ago(0), mrr=Decimal("1200000"))  # 12000 managed
    AssignmentFactory(partner=personas.acme, client=client, start=days_ago(0))
    personas.acme.elite_invited = True
    personas.acme.save()
    points_recompute(on=days_ago(0))
    progression = tier_progression(partner=personas.acme, on=days_ago(0))
    assert progression.target.key == "elite"
    assert progression.requirements[0].reached == Decimal("15000.00")


def test_upcoming_renewals_are_the_partners_clients_in_the_next_120_days(personas):
    today = timezone.localdate()
    managed = ClientFactory(name="Managed Co")
    won = ClientFactory(name="Won Co")
    old_deal = ClientFactory(name="Old deal Co")
    ended = ClientFactory(name="Ended Co")
    theirs = ClientFactory(name="Globex only Co")
    AssignmentFactory(partner=personas.acme, client=managed, start=days_ago(100))
    AssignmentFactory(partner=personas.acme, client=ended, start=days_ago(100), end=days_ago(1))
    DealFactory(partner=personas.acme, client=won, closed_on=days_ago(5))
    DealFactory(partner=personas.acme, client=old_deal, closed_on=days_ago(400))
    AssignmentFactory(partner=personas.globex, client=theirs, start=days_ago(100))
    in_120 = RenewalFactory(client=managed, date=today + timedelta(days=120), mrr_change=-50)
    in_10 = RenewalFactory(
        client=managed,
        date=today + timedelta(days=10),
        products="Marketing Hub",
        status=Renewal.Status.AT_RISK,
    )
    in_30 = RenewalFactory(client=won, date=today + timedelta(days=30))
    today_renewal = RenewalFactory(client=won, date=today)
    RenewalFactory(client=managed, date=today + timedelta(days=121))
    RenewalFactory(client=managed, date=days_ago(1))
    RenewalFactory(client=old_deal, date=today + timedelta(days=20))
    RenewalFactory(client=ended, date=today + timedelta(days=20))
    RenewalFactory(client=theirs, date=today + timedelta(days=20))

    rows = upcoming_renewals(partner=personas.acme, on=today)
    assert [row.renewal for row in rows] == [today_renewal, in_10, in_30, in_120]
    assert [row.days_to_renew for row in rows] == [0, 10, 30, 120]
    # the deadline is 45 days before the renewal
    assert [row.deadline for row in rows] == [
        today - timedelta(days=45),
        today - timedelta(days=35),
        today - timedelta(days=15),
        today + timedelta(days=75),
    ]
    assert [row.days_to_deadline for row in rows] == [-45, -35, -15, 75]
    assert upcoming_renewals(partner=personas.globex, on=today)[0].renewal.client == theirs
    # The dashboard shows the soonest few and counts the rest in SQL.
    soonest = upcoming_renewals(partner=personas.acme, on=today, limit=2)
    assert [row.renewal for row in soonest] == [today_renewal, in_10]
    assert upcoming_renewals_count(partner=personas.acme, on=today) == 4
    assert upcoming_renewals_count(partner=personas.globex, on=today) == 1


def test_partner_pdm_is_the_partners_own_or_none(personas):
    pdm = PdmFactory(name="Dana PDM")
    personas.acme.pdm = pdm
    personas.acme.save()
    PartnerFactory(pdm=PdmFactory())
    assert partner_pdm(partner=personas.acme) == pdm
    assert partner_pdm(partner=personas.globex) is None


def test_median_tool_usage_takes_each_managed_clients_latest_record(personas):
    on = date(2026, 6, 30)
    first, second, third, no_record, ended = (ClientFactory() for _ in range(5))
    MrrFactory(client=first, date=date(2026, 1, 1), tools_used=9)
    MrrFactory(client=first, date=date(2026, 6, 1), tools_used=2)  # latest on the day
    MrrFactory(client=first, date=date(2026, 7, 1), tools_used=30)  # after the day
    MrrFactory(client=second, date=date(2026, 3, 1), tools_used=5)
    MrrFactory(client=third, date=date(2026, 6, 30), tools_used=4)
    MrrFactory(client=ended, date=date(2026, 3, 1), tools_used=40)
    for client in (first, second, third, no_record):
        AssignmentFactory(partner=personas.acme, client=client, start=date(2025, 1, 1))
    # A second assignment of the same client counts it once.
    AssignmentFactory(partner=personas.acme, client=second, start=date(2025, 6, 1))
    AssignmentFactory(
        partner=personas.acme, client=ended, start=date(2025, 1, 1), end=date(2026, 5, 1)
    )
    AssignmentFactory(partner=personas.globex, client=ClientFactory(), start=date(2025, 1, 1))
    assert median_tool_usage(partner=personas.acme, on=on) == Decimal(4)  # of 2, 4, 5
    assert median_tool_usage(partner=personas.globex, on=on) is None


def test_cached_account_metrics_follow_the_fx_table_and_each_save(personas):
    today = timezone.localdate()
    rules = rules_load()
    kept = ClientFactory(currency="USD")
    churned = ClientFactory(currency="EUR")
    MrrFactory(client=kept, date=days_ago(500), mrr=Decimal("1000"))
    MrrFactory(client=churned, date=days_ago(500), mrr=Decimal("1000"))
    churn = engine.add_months(today.replace(day=1), -2) + timedelta(days=3)
    MrrFactory(client=churned, date=churn, mrr=Decimal("0"))
    for client in (kept, churned):
        AssignmentFactory(partner=personas.acme, client=client, start=days_ago(500))
    DealFactory(partner=personas.acme, client=churned, mrr=Decimal("100"), closed_on=days_ago(5))
    # A draft FX table (the rule simulation's) gives its own figures, never the cached ones.
    cheaper_euro = replace(
        rules,
        fx_rates=(*rules.fx_rates, FxRateRule("EUR", Decimal("50"), days_ago(900))),
    )
    assert cheaper_euro.fx_fingerprint != rules.fx_fingerprint
    for metric in (csr_average_12m, sourced_mrr_12m):
        published = metric(partner=personas.acme, on=today, rules=rules)
        drafted = metric(partner=personas.acme, on=today, rules=cheaper_euro)
        assert drafted != published
        assert metric(partner=personas.acme, on=today, rules=rules) == published
    # Saving a deal or a renewal is seen at once.
    before = sourced_mrr_12m(partner=personas.acme, on=today, rules=rules)
    DealFactory(partner=personas.acme, client=kept, mrr=Decimal("200"), closed_on=days_ago(3))
    assert sourced_mrr_12m(partner=personas.acme, on=today, rules=rules) == before + 200
    assert upcoming_renewals_count(partner=personas.acme, on=today) == 0
    RenewalFactory(client=kept, date=today + timedelta(days=7))
    assert upcoming_renewals_count(partner=personas.acme, on=today) == 1
