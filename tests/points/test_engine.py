"""Hand-computed examples of every rule in PROGRAM.md §1-8 and §10."""

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
    Needs,
    NoRuleInForce,
    PointChanges,
    PointRateRule,
    ReviewDateRule,
    RuleError,
    Rules,
    SoldGain,
    TierRule,
    UnknownCurrency,
    add_months,
    credited_tier,
    csr_average,
    csr_month,
    currency_to_points,
    default_rules,
    estimate_points,
    is_sold_active,
    managed_change,
    managed_points,
    median_tool_usage,
    meets,
    monthly_projection,
    needs_for,
    performance_tier,
    point_changes,
    points_to_currency,
    project_next_review,
    reversal_loss,
    round_half_up,
    sold_expiring_before,
    sold_expiry,
    sold_points,
)

D = Decimal
RULES = default_rules()
TODAY = date(2026, 1, 1)


def tier_key(
    *,
    sold: Decimal,
    managed: Decimal,
    certified: bool = True,
    invited: bool = False,
    csr: Decimal | None = None,
    on: date = TODAY,
) -> str:
    return performance_tier(
        RULES, on, sold=sold, managed=managed, certified=certified, invited=invited, csr=csr
    ).key


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


# --- §7 tiers -----------------------------------------------------------------------------------


def test_default_tiers_are_ranked_with_their_thresholds() -> None:
    tiers = RULES.tiers_on(TODAY)
    assert [t.key for t in tiers] == ["untiered", "gold", "platinum", "diamond", "elite"]
    assert [t.name for t in tiers] == ["Untiered", "Gold", "Platinum", "Diamond", "Elite"]
    assert [t.total_points for t in tiers] == [D(0), D(500), D(2000), D(6000), D(15000)]
    assert [t.sold_min for t in tiers] == [D(0), D(100), D(400), D(1200), D(3000)]
    assert [t.managed_min for t in tiers] == [D(0), D(100), D(400), D(1200), D(3000)]
    elite = RULES.tier("elite", TODAY)
    assert elite.by_invitation and elite.min_csr == D("0.85")
    assert not RULES.tier("untiered", TODAY).requires_certification
    assert all(t.requires_certification for t in tiers[1:])


def test_exact_gold_thresholds_make_gold() -> None:
    assert tier_key(sold=D(400), managed=D(100)) == "gold"
    assert tier_key(sold=D(100), managed=D(400)) == "gold"


def test_one_cent_below_gold_total_is_untiered() -> None:
    assert tier_key(sold=D("399.99"), managed=D(100)) == "untiered"


def test_gold_minimums_apply_even_with_enough_total() -> None:
    assert tier_key(sold=D("99.99"), managed=D(1000)) == "untiered"
    assert tier_key(sold=D(1000), managed=D("99.99")) == "untiered"


def test_missing_certification_keeps_a_partner_untiered() -> None:
    assert tier_key(sold=D(5000), managed=D(5000), certified=False) == "untiered"


def test_platinum_and_diamond_boundaries() -> None:
    assert tier_key(sold=D(1600), managed=D(400)) == "platinum"
    assert tier_key(sold=D("1599.99"), managed=D(400)) == "gold"
    assert tier_key(sold=D(1200), managed=D(4800)) == "diamond"
    assert tier_key(sold=D(1200), managed=D("4799.99")) == "platinum"


def test_elite_needs_invitation_and_csr_of_85_percent() -> None:
    sold, managed = D(12000), D(3000)
    assert tier_key(sold=sold, managed=managed, invited=True, csr=D("0.85")) == "elite"
    assert tier_key(sold=sold, managed=managed, invited=True, csr=D("0.8499")) == "diamond"
    assert tier_key(sold=sold, managed=managed, invited=False, csr=D("0.99")) == "diamond"
    assert tier_key(sold=sold, managed=managed, invited=True, csr=None) == "diamond"
    assert tier_key(sold=sold, managed=managed, invited=True, csr=D(1), certified=False) == (
        "untiered"
    )


def test_meets_checks_every_requirement() -> None:
    gold = RULES.tier("gold", TODAY)
    half = D(250)
    assert meets(gold, sold=half, managed=half, certified=True, invited=False, csr=None)
    assert not meets(gold, sold=half, managed=half, certified=False, invited=False, csr=None)
    floor = RULES.tier("untiered", TODAY)
    assert meets(floor, sold=D(0), managed=D(0), certified=False, invited=False, csr=None)


def test_credited_tier_is_set_at_reviews_and_held_until_the_next() -> None:
    reviews = {date(2025, 1, 15): "gold", date(2025, 7, 15): "platinum"}
    assert credited_tier(reviews, date(2025, 1, 14)) == "untiered"
    assert credited_tier(reviews, date(2025, 1, 15)) == "gold"
    assert credited_tier(reviews, date(2025, 7, 14)) == "gold"
    assert credited_tier(reviews, date(2025, 7, 15)) == "platinum"
    assert credited_tier(reviews, date(2026, 1, 1)) == "platinum"
    assert credited_tier({}, TODAY) == "untiered"
    assert credited_tier({}, TODAY, floor_key="none") == "none"


def test_needs_for_subtracts_current_figures_and_floors_at_zero() -> None:
    gold = RULES.tier("gold", TODAY)
    assert needs_for(gold, sold=D(50), managed=D(300)) == Needs(D(150), D(50), D(0))
    assert needs_for(gold, sold=D(1000), managed=D(1000)).total == 0
    platinum = needs_for(RULES.tier("platinum", TODAY), sold=D("450.5"), managed=D(100))
    assert (platinum.total, platinum.sold, platinum.managed) == (D("1449.5"), D(0), D(300))


def test_tiers_follow_their_effective_dated_history() -> None:
    gold = RULES.tier("gold", TODAY)
    rules = replace(
        RULES,
        tiers=(*RULES.tiers, replace(gold, total_points=D(600), effective_from=date(2026, 7, 1))),
    )
    assert rules.tier("gold", date(2026, 6, 30)).total_points == D(500)
    assert rules.tier("gold", date(2026, 7, 1)).total_points == D(600)
    assert len(rules.tiers_on(date(2026, 7, 1))) == 5
    on = date(2026, 7, 1)
    tier = performance_tier(
        rules, on, sold=D(400), managed=D(100), certified=True, invited=False, csr=None
    )
    assert tier.key == "untiered"


def test_unknown_tier_raises() -> None:
    with pytest.raises(RuleError):
        RULES.tier("bronze", TODAY)


# --- review dates -------------------------------------------------------------------------------


def test_review_dates_are_january_and_july_15() -> None:
    assert RULES.review_dates_on(TODAY) == [(1, 15), (7, 15)]
    assert RULES.is_review_date(date(2025, 1, 15))
    assert RULES.is_review_date(date(2025, 7, 15))
    assert not RULES.is_review_date(date(2025, 7, 14))


def test_next_review_date_is_strictly_after() -> None:
    assert RULES.next_review_date(date(2025, 1, 14)) == date(2025, 1, 15)
    assert RULES.next_review_date(date(2025, 1, 15)) == date(2025, 7, 15)
    assert RULES.next_review_date(date(2025, 7, 15)) == date(2026, 1, 15)
    assert RULES.next_review_date(date(2025, 12, 31)) == date(2026, 1, 15)
    assert RULES.next_review_date(date(2019, 6, 1)) == date(2020, 1, 15)


def test_last_review_date_is_on_or_before() -> None:
    assert RULES.last_review_date(date(2025, 1, 15)) == date(2025, 1, 15)
    assert RULES.last_review_date(date(2025, 1, 14)) == date(2024, 7, 15)
    assert RULES.last_review_date(date(2025, 12, 31)) == date(2025, 7, 15)
    assert RULES.last_review_date(date(2020, 1, 14)) is None


def test_a_new_review_date_set_replaces_the_old_one_from_its_date() -> None:
    change = date(2026, 2, 1)
    new_set = (ReviewDateRule(3, 31, change), ReviewDateRule(9, 30, change))
    rules = replace(RULES, review_dates=(*RULES.review_dates, *new_set))
    assert rules.review_dates_on(date(2026, 1, 31)) == [(1, 15), (7, 15)]
    assert rules.review_dates_on(change) == [(3, 31), (9, 30)]
    assert rules.next_review_date(date(2026, 1, 15)) == date(2026, 3, 31)
    assert rules.next_review_date(date(2025, 12, 1)) == date(2026, 1, 15)
    assert not rules.is_review_date(date(2026, 7, 15))
    assert rules.last_review_date(date(2026, 3, 30)) == date(2026, 1, 15)
    assert rules.last_review_date(date(2026, 10, 1)) == date(2026, 9, 30)


def test_invalid_review_date_is_rejected() -> None:
    with pytest.raises(RuleError):
        ReviewDateRule(2, 30, TODAY)


# --- projections --------------------------------------------------------------------------------


def test_sold_expiring_before_counts_gains_expired_by_that_date() -> None:
    on = date(2025, 6, 1)
    gains = [
        SoldGain(date(2024, 6, 20), D(80)),  # expires 2025-06-20
        SoldGain(date(2024, 7, 15), D(20)),  # expires on the review date itself
        SoldGain(date(2024, 7, 16), D(30)),  # still active on the review date
        SoldGain(date(2024, 5, 1), D(999)),  # already expired on `on`
        SoldGain(date(2025, 1, 1), D(100)),
    ]
    assert sold_expiring_before(gains, on=on, before=date(2025, 7, 15)) == D(100)


def test_projection_drops_the_tier_when_points_expire_before_the_review() -> None:
    on = date(2025, 6, 1)
    gains = [SoldGain(date(2024, 6, 20), D(60)), SoldGain(date(2025, 1, 10), D(90))]
    assert tier_key(on=on, sold=D(150), managed=D(400)) == "gold"
    projection = project_next_review(
        RULES,
        on=on,
        sold=D(150),
        managed=D(400),
        gains=gains,
        certified_until=date(2026, 1, 1),
        invited=False,
        csr=None,
    )
    assert projection.review_on == date(2025, 7, 15)
    assert projection.expiring_sold == D(60)
    assert projection.sold == D(90)
    assert projection.managed == D(400)
    assert projection.tier.key == "untiered"


def test_projection_keeps_the_tier_when_nothing_expires() -> None:
    on = date(2025, 6, 1)
    gains = [SoldGain(date(2025, 1, 10), D(150))]
    projection = project_next_review(
        RULES,
        on=on,
        sold=D(150),
        managed=D(400),
        gains=gains,
        certified_until=date(2025, 7, 15),
        invited=False,
        csr=None,
    )
    assert projection.expiring_sold == 0
    assert projection.tier.key == "gold"


def test_projection_judges_certification_on_the_review_date() -> None:
    def key(certified_until: date | None) -> str:
        return project_next_review(
            RULES,
            on=date(2025, 6, 1),
            sold=D(150),
            managed=D(400),
            gains=[],
            certified_until=certified_until,
            invited=False,
            csr=None,
        ).tier.key

    assert key(date(2025, 7, 15)) == "gold"
    assert key(date(2025, 7, 14)) == "untiered"
    assert key(None) == "untiered"


def test_monthly_projection_applies_scheduled_expirations_at_month_ends() -> None:
    gains = [
        SoldGain(date(2024, 2, 29), D(40)),  # expires 2025-02-28
        SoldGain(date(2024, 3, 31), D(10)),  # expires 2025-03-31
        SoldGain(date(2024, 6, 1), D(25)),  # expires after the window
    ]
    rows = monthly_projection(on=date(2025, 1, 15), sold=D(75), managed=D(20), gains=gains)
    assert rows == [
        (date(2025, 1, 31), D(75), D(20), D(95)),
        (date(2025, 2, 28), D(35), D(20), D(55)),
        (date(2025, 3, 31), D(25), D(20), D(45)),
    ]


def test_monthly_projection_starts_after_a_month_end() -> None:
    rows = monthly_projection(on=date(2025, 1, 31), sold=D(0), managed=D(5), gains=[], months=2)
    assert [r[0] for r in rows] == [date(2025, 2, 28), date(2025, 3, 31)]


# --- §8 account metrics -------------------------------------------------------------------------


def test_csr_counts_only_churned_clients() -> None:
    start = {"a": D(1000), "b": D(500), "c": D(0), "d": D(250), "e": D(100)}
    end = {"a": D(1200), "b": D(0), "c": D(300), "d": D(100)}
    # a upgraded, d downgraded (both kept), b and e churned, c was new: 1250 / 1850
    assert csr_month(start, end) == D(1250) / D(1850)
    assert round_half_up(csr_month(start, end) or D(0), 4) == D("0.6757")


def test_csr_ignores_upgrades_and_downgrades() -> None:
    assert csr_month({"a": D(100), "b": D(100)}, {"a": D(1), "b": D(900)}) == D(1)


def test_csr_is_none_without_paying_clients_at_the_start() -> None:
    assert csr_month({}, {"a": D(10)}) is None
    assert csr_month({"a": D(0)}, {"a": D(10)}) is None


def test_csr_average_skips_months_without_a_figure() -> None:
    assert csr_average([D("0.9"), None, D("0.8")]) == D("0.85")
    assert csr_average([None, None]) is None
    assert csr_average([]) is None


def test_median_tool_usage() -> None:
    assert median_tool_usage([3, 1, 2]) == D(2)
    assert median_tool_usage([4, 1, 3, 2]) == D("2.5")
    assert median_tool_usage([2, 2]) == D(2)
    assert median_tool_usage([7]) == D(7)
    assert median_tool_usage([]) is None


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
