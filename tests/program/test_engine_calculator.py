"""Hand-computed examples of PROGRAM.md §10, the points calculator, and of the rules object."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from program.engine import (
    ASSISTED,
    MANAGED,
    SOURCED,
    FxRateRule,
    MarketRule,
    NoRuleInForce,
    PointRateRule,
    RuleError,
    Rules,
    TierRule,
    add_months,
    currency_to_points,
    default_rules,
    estimate_points,
    performance_tier,
    points_to_currency,
)

D = Decimal
RULES = default_rules()
TODAY = date(2026, 1, 1)

# --- §10 points calculator ----------------------------------------------------------------------


def test_calculator_example_in_euros() -> None:
    estimate = estimate_points(
        RULES,
        amount=D(1000),
        currency="EUR",
        country="DE",
        deal_type=SOURCED,
        will_manage=True,
        other_managers=1,
        on=TODAY,
    )
    assert str(estimate.sold_points) == "56.82"
    assert str(estimate.managed_points) == "5.68"
    assert str(estimate.total_points) == "62.50"
    assert str(estimate.usd_equivalent) == "1136.36"
    assert estimate.multiplier == D(1)


def test_calculator_in_a_growth_market_without_managing() -> None:
    estimate = estimate_points(
        RULES,
        amount=D(1000),
        currency="usd",
        country="br",
        deal_type=SOURCED,
        will_manage=False,
        other_managers=3,
        on=TODAY,
    )
    assert str(estimate.sold_points) == "100.00"
    assert str(estimate.managed_points) == "0.00"
    assert str(estimate.total_points) == "100.00"
    assert estimate.multiplier == D(2)


def test_calculator_total_is_the_sum_of_rounded_parts() -> None:
    # 1 USD assisted, managed with 2 others: 0.03 + 0.003333... -> 0.03 + 0.00
    estimate = estimate_points(
        RULES,
        amount=D("1.5"),
        currency="USD",
        country="US",
        deal_type=ASSISTED,
        will_manage=True,
        other_managers=2,
        on=TODAY,
    )
    assert (estimate.sold_points, estimate.managed_points) == (D("0.05"), D("0.01"))
    assert estimate.total_points == D("0.06")


@pytest.mark.parametrize(
    "bad",
    [
        {"amount": D(-1)},
        {"amount": D(10) ** 12 + 1},
        {"amount": D("NaN")},
        {"currency": "XYZ"},
        {"country": "B1"},
        {"country": ""},
        {"other_managers": 101},
        {"other_managers": -1},
        {"deal_type": "referral"},
    ],
)
def test_calculator_rejects_bad_input(bad: dict[str, object]) -> None:
    args: dict[str, object] = {
        "amount": D(1000),
        "currency": "USD",
        "country": "US",
        "deal_type": SOURCED,
        "will_manage": True,
        "other_managers": 0,
        "on": TODAY,
    }
    args.update(bad)
    with pytest.raises(RuleError):
        estimate_points(RULES, **args)


def test_calculator_accepts_the_limits() -> None:
    estimate = estimate_points(
        RULES,
        amount=D(10) ** 12,
        currency="COP",
        country="US",
        deal_type=SOURCED,
        will_manage=True,
        other_managers=100,
        on=TODAY,
    )
    assert estimate.sold_points == D("12254901.96")  # 10^12 / 4080 x 5


def test_points_to_currency_in_a_growth_market() -> None:
    sold_value, managed_value = points_to_currency(
        RULES, currency="USD", country="BR", sold_points=D(100), managed_points=D(20), on=TODAY
    )
    # 100 x 100 / (5 x 2) and 20 x 100 / (1 x 2)
    assert str(sold_value) == "1000.00"
    assert str(managed_value) == "1000.00"


def test_currency_to_points_in_a_growth_market() -> None:
    sold_pts, managed_pts = currency_to_points(
        RULES, currency="USD", country="BR", sold_value=D(1000), managed_value=D(1000), on=TODAY
    )
    assert (str(sold_pts), str(managed_pts)) == ("100.00", "20.00")


def test_currency_tab_converts_other_currencies() -> None:
    sold_pts, managed_pts = currency_to_points(
        RULES, currency="eur", country="DE", sold_value=D(880), managed_value=D(88), on=TODAY
    )
    assert (sold_pts, managed_pts) == (D("50.00"), D("1.00"))
    values = points_to_currency(
        RULES, currency="JPY", country="IN", sold_points=D(1), managed_points=D(1), on=TODAY
    )
    assert values == (D("1440.00"), D("7200.00"))


def test_currency_tab_uses_the_sourced_rate_in_force() -> None:
    before = date(2024, 2, 26)
    values = points_to_currency(
        RULES, currency="USD", country="US", sold_points=D(3), managed_points=D(0), on=before
    )
    assert values == (D("100.00"), D("0.00"))


# --- rules object -------------------------------------------------------------------------------


def test_rules_accept_lists_and_later_duplicate_rows_win() -> None:
    start = date(2020, 1, 1)
    fx_rows = [FxRateRule("USD", D(100), start), FxRateRule("USD", D(101), start)]
    rules = Rules(
        fx_rates=fx_rows,
        markets=(),
        point_rates=(PointRateRule(MANAGED, "", D(1), start),),
        tiers=(),
        review_dates=(),
    )
    assert isinstance(rules.fx_rates, tuple)
    assert rules.fx_rate("USD", start) == D(101)
    assert rules.review_dates_on(start) == []
    assert rules.last_review_date(start) is None
    with pytest.raises(NoRuleInForce):
        rules.next_review_date(start)
    with pytest.raises(NoRuleInForce):
        performance_tier(
            rules, start, sold=D(0), managed=D(0), certified=False, invited=False, csr=None
        )


def test_rule_rows_reject_impossible_values() -> None:
    with pytest.raises(RuleError):
        FxRateRule("EUR", D(0), TODAY)
    with pytest.raises(RuleError):
        MarketRule("BR", D(-2), TODAY)
    with pytest.raises(RuleError):
        PointRateRule("bonus", "", D(1), TODAY)
    with pytest.raises(RuleError):
        TierRule("x", "X", 1, D(-1), D(0), D(0), True, False, None, TODAY)


def test_rules_lookups_scale_to_many_rows() -> None:
    start = date(2000, 1, 1)
    rows = tuple(FxRateRule("EUR", D(80 + i % 20), add_months(start, i)) for i in range(2000))
    rules = replace(RULES, fx_rates=(*RULES.fx_rates, *rows))
    assert rules.fx_rate("EUR", add_months(start, 1999)) == D(80 + 1999 % 20)
    assert rules.fx_rate("EUR", add_months(start, 5)) == D(85)
