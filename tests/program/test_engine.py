"""Hand-computed examples of PROGRAM.md §1-6: rounding and dates, currencies, markets, point
rates, sold and managed points, point changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from program.engine import (
    ASSISTED,
    MANAGED,
    SOLD,
    SOURCED,
    FxRateRule,
    MarketRule,
    NoRuleInForce,
    PointChanges,
    RuleError,
    SoldGain,
    UnknownCurrency,
    add_months,
    default_rules,
    is_sold_active,
    managed_change,
    managed_points,
    point_changes,
    reversal_loss,
    round_half_up,
    sold_expiry,
    sold_points,
)

D = Decimal
RULES = default_rules()
TODAY = date(2026, 1, 1)


# --- rounding and dates -------------------------------------------------------------------------


def test_round_half_up_rounds_halves_away_from_zero() -> None:
    assert str(round_half_up(D("2.345"))) == "2.35"
    assert str(round_half_up(D("2.344999"))) == "2.34"
    assert str(round_half_up(D("-2.345"))) == "-2.35"
    assert str(round_half_up(D("0.125"))) == "0.13"  # banker's rounding would give 0.12


def test_round_half_up_always_returns_two_places_and_no_negative_zero() -> None:
    assert str(round_half_up(D("7"))) == "7.00"
    assert str(round_half_up(D("-0.001"))) == "0.00"
    assert str(round_half_up(D("1.23456"), 3)) == "1.235"


def test_add_months_clamps_to_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 3, 31), 1) == date(2024, 4, 30)
    assert add_months(date(2024, 11, 15), 2) == date(2025, 1, 15)
    assert add_months(date(2024, 1, 15), -1) == date(2023, 12, 15)


def test_sold_points_expire_after_twelve_months() -> None:
    won = date(2024, 3, 10)
    assert sold_expiry(won) == date(2025, 3, 10)
    assert is_sold_active(won, won)
    assert is_sold_active(won, date(2025, 3, 9))
    assert not is_sold_active(won, date(2025, 3, 10))
    assert not is_sold_active(won, date(2024, 3, 9))


def test_a_feb_29_gain_expires_on_feb_28() -> None:
    won = date(2024, 2, 29)
    assert sold_expiry(won) == date(2025, 2, 28)
    assert is_sold_active(won, date(2025, 2, 27))
    assert not is_sold_active(won, date(2025, 2, 28))


# --- §1 currencies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "usd"),
    [
        ("100", "USD", "100"),
        ("88", "EUR", "100"),
        ("74", "GBP", "100"),
        ("154", "AUD", "100"),
        ("130", "CAD", "100"),
        ("129", "SGD", "100"),
        ("14400", "JPY", "100"),
        ("1768", "ZAR", "100"),
        ("408000", "COP", "100"),
        ("44", "EUR", "50"),
        ("3600", "JPY", "25"),
    ],
)
def test_fx_converts_at_the_fixed_program_rate(amount: str, currency: str, usd: str) -> None:
    assert RULES.usd(D(amount), currency, TODAY) == D(usd)


def test_fx_keeps_full_precision_until_rounded() -> None:
    usd = RULES.usd(D(1000), "EUR", TODAY)
    assert usd != round_half_up(usd)
    assert round_half_up(usd) == D("1136.36")


def test_currency_codes_are_case_insensitive() -> None:
    assert RULES.fx_rate("eur", TODAY) == D(88)
    assert RULES.fx_rate("Gbp", TODAY) == D(74)
    assert RULES.usd(D(88), "eur", TODAY) == D(100)


def test_unknown_currency_is_an_input_error_not_zero() -> None:
    with pytest.raises(UnknownCurrency):
        RULES.fx_rate("XYZ", TODAY)
    with pytest.raises(RuleError):
        RULES.usd(D(100), "BTC", TODAY)


def test_fx_rate_before_any_row_is_in_force_raises() -> None:
    with pytest.raises(NoRuleInForce):
        RULES.fx_rate("EUR", date(2019, 12, 31))


def test_fx_rate_follows_its_effective_dated_history() -> None:
    rules = replace(RULES, fx_rates=(*RULES.fx_rates, FxRateRule("EUR", D(90), date(2026, 7, 1))))
    assert rules.fx_rate("EUR", date(2026, 6, 30)) == D(88)
    assert rules.fx_rate("EUR", date(2026, 7, 1)) == D(90)


# --- §2 markets ---------------------------------------------------------------------------------


def test_growth_markets_have_multiplier_two() -> None:
    for country in ("IN", "BR", "VE", "CN", "KR", "SG", "VN", "TL"):
        assert RULES.multiplier(country, TODAY) == D(2)
        assert RULES.is_growth_market(country, TODAY)


def test_other_markets_have_multiplier_one() -> None:
    for country in ("US", "DE", "GB", "JP", "ZA", "AU"):
        assert RULES.multiplier(country, TODAY) == D(1)
        assert not RULES.is_growth_market(country, TODAY)


def test_country_codes_are_case_insensitive() -> None:
    assert RULES.multiplier("br", TODAY) == D(2)
    assert RULES.is_growth_market("in", TODAY)


def test_default_growth_markets_are_the_forty_listed() -> None:
    growth = {m.country for m in RULES.markets if m.multiplier == 2}
    assert len(growth) == 40
    assert {"IN", "AR", "MX", "MN", "HK", "TW", "LK"} <= growth


def test_a_later_multiplier_of_one_removes_a_growth_market() -> None:
    rules = replace(RULES, markets=(*RULES.markets, MarketRule("BR", D(1), date(2026, 3, 1))))
    assert rules.is_growth_market("BR", date(2026, 2, 28))
    assert not rules.is_growth_market("BR", date(2026, 3, 1))
    assert rules.multiplier("br", date(2026, 3, 1)) == D(1)


# --- §3 point rates and §4 sold points ----------------------------------------------------------


def test_sold_rates_changed_on_2024_02_27() -> None:
    assert RULES.sold_rate(SOURCED, date(2024, 2, 26)) == D(3)
    assert RULES.sold_rate(SOURCED, date(2024, 2, 27)) == D(5)
    assert RULES.sold_rate(ASSISTED, date(2024, 2, 26)) == D(3)
    assert RULES.sold_rate(ASSISTED, date(2024, 2, 27)) == D(3)
    assert RULES.managed_rate(TODAY) == D(1)


def test_unknown_deal_type_raises() -> None:
    with pytest.raises(RuleError):
        RULES.sold_rate("referral", TODAY)


def sold(mrr: str, currency: str, country: str, deal_type: str, closed_on: date) -> Decimal:
    return sold_points(
        RULES,
        mrr=D(mrr),
        currency=currency,
        country=country,
        deal_type=deal_type,
        closed_on=closed_on,
    )


def test_sourced_deal_uses_the_rate_in_force_on_its_close_date() -> None:
    # US$1,000 MRR = 10 hundreds; sourced rate 3 before 2024-02-27, 5 from it
    assert sold("1000", "USD", "US", SOURCED, date(2024, 2, 26)) == D(30)
    assert sold("1000", "USD", "US", SOURCED, date(2024, 2, 27)) == D(50)


def test_assisted_deal_earns_three_before_and_after_the_change() -> None:
    assert sold("1000", "USD", "US", ASSISTED, date(2024, 2, 26)) == D(30)
    assert sold("1000", "USD", "US", ASSISTED, date(2024, 2, 27)) == D(30)


def test_growth_market_doubles_sold_points() -> None:
    assert sold("1000", "USD", "BR", SOURCED, TODAY) == D(100)
    assert sold("1000", "USD", "br", ASSISTED, TODAY) == D(60)


def test_sold_points_convert_the_client_currency() -> None:
    # 880 EUR = US$1,000 -> 10 x 5
    assert sold("880", "EUR", "DE", SOURCED, TODAY) == D(50)
    # 1000 EUR = US$1,136.3636... -> 56.8181...
    assert round_half_up(sold("1000", "EUR", "DE", SOURCED, TODAY)) == D("56.82")
    # 72,000 JPY = US$500 in India -> 5 x 5 x 2
    assert sold("72000", "jpy", "IN", SOURCED, TODAY) == D(50)


def test_negative_mrr_is_rejected() -> None:
    with pytest.raises(RuleError):
        sold("-1", "USD", "US", SOURCED, TODAY)


def test_reversal_loses_the_remaining_active_points() -> None:
    gain = SoldGain(date(2024, 3, 1), D(50))
    assert reversal_loss(gain, reversed_on=date(2024, 9, 1)) == D(50)
    assert reversal_loss(gain, reversed_on=date(2025, 2, 28)) == D(50)


def test_reversal_after_expiry_loses_nothing() -> None:
    gain = SoldGain(date(2024, 3, 1), D(50))
    assert reversal_loss(gain, reversed_on=date(2025, 3, 1)) == D(0)
    assert reversal_loss(gain, reversed_on=date(2026, 1, 1)) == D(0)


def test_reversal_before_the_deal_was_won_is_an_error() -> None:
    with pytest.raises(RuleError):
        reversal_loss(SoldGain(date(2024, 3, 1), D(50)), reversed_on=date(2024, 2, 29))


# --- §5 managed points --------------------------------------------------------------------------


def managed(mrr: str, n: int, country: str = "BR", currency: str = "USD") -> Decimal:
    return managed_points(
        RULES, mrr=D(mrr), currency=currency, country=country, on=TODAY, co_managers=n
    )


def test_managed_points_split_evenly_between_co_managers() -> None:
    # US$1,000 in Brazil: 10 x 1 x 2 = 20 shared between n partners
    assert managed("1000", 1) == D(20)
    assert managed("1000", 2) == D(10)
    assert round_half_up(managed("1000", 3)) == D("6.67")
    assert managed("1000", 3) * 3 == D(20)  # full precision: no cents lost to the split


def test_managed_points_follow_co_managers_joining_and_leaving() -> None:
    balance = D(0)
    history = []
    for n in (1, 2, 3, 2, 1):
        change = managed_change(managed("1000", n), balance)
        balance += change
        history.append(round_half_up(change))
    assert history == [D("20.00"), D("-10.00"), D("-3.33"), D("3.33"), D("10.00")]
    assert balance == D(20)


def test_managed_points_follow_mrr_changes() -> None:
    # Germany, managed alone: 10 -> 15 -> 7.5 -> 0 as MRR changes and service ends
    balance = D(0)
    changes = []
    for mrr in ("1000", "1500", "750", "0"):
        change = managed_change(managed(mrr, 1, country="DE"), balance)
        balance += change
        changes.append(change)
    assert changes == [D(10), D(5), D("-7.5"), D("-7.5")]
    assert balance == 0


def test_managed_change_is_zero_when_the_ledger_already_matches() -> None:
    assert managed_change(D("12.5"), D("12.5")) == 0
    assert managed_change(D("12.5"), D("10")) == D("2.5")
    assert managed_change(D(0), D("10")) == D(-10)


def test_managed_points_need_at_least_one_manager() -> None:
    with pytest.raises(RuleError):
        managed("1000", 0)


# --- §6 point changes ---------------------------------------------------------------------------


def test_point_changes_sum_positives_as_new_and_negatives_as_lost() -> None:
    changes = point_changes(
        [
            (SOLD, D(50)),
            (SOLD, D(30)),
            (SOLD, D(-20)),
            (MANAGED, D(10)),
            (MANAGED, D("-3.5")),
            (MANAGED, D("-1.5")),
            (MANAGED, D(0)),
        ]
    )
    assert changes == PointChanges(D(80), D(20), D(10), D(5))


def test_point_changes_of_nothing_are_zero() -> None:
    assert point_changes([]) == PointChanges(D(0), D(0), D(0), D(0))


def test_point_changes_reject_an_unknown_track() -> None:
    with pytest.raises(RuleError):
        point_changes([("bonus", D(1))])
