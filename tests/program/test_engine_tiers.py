"""Hand-computed examples of PROGRAM.md §7-8: tiers, review dates, projections and the account
metrics."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from program.engine import (
    Needs,
    ReviewDateRule,
    RuleError,
    SoldGain,
    credited_tier,
    csr_average,
    csr_month,
    default_rules,
    median_tool_usage,
    meets,
    monthly_projection,
    needs_for,
    performance_tier,
    project_next_review,
    round_half_up,
    sold_expiring_before,
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
