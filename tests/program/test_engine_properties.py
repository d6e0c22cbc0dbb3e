"""Properties of the points engine that must hold for any input."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from program.engine import (
    ASSISTED,
    DEFAULT_FX_RATES,
    MANAGED,
    SOLD,
    SOURCED,
    ManagedPointsOn,
    ReviewDateRule,
    Rules,
    SoldGain,
    currency_to_points,
    default_rules,
    is_sold_active,
    managed_change,
    managed_points,
    monthly_projection,
    point_changes,
    points_to_currency,
    reversal_loss,
    round_half_up,
    sold_expiring_before,
    sold_expiry,
    sold_points,
)

RULES = default_rules()
CENT = Decimal("0.01")

currencies = st.sampled_from(sorted(DEFAULT_FX_RATES)).flatmap(
    lambda c: st.sampled_from([c, c.lower()])
)
countries = st.sampled_from(["US", "DE", "GB", "JP", "BR", "in", "vn", "mx", "za"])
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31))
mrr = st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False)
points = st.decimals(min_value=0, max_value=10**7, places=4, allow_nan=False, allow_infinity=False)
signed = st.decimals(
    min_value=-(10**9), max_value=10**9, places=6, allow_nan=False, allow_infinity=False
)


@given(st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False))
def test_round_half_up_has_two_places_and_moves_at_most_half_a_cent(x: Decimal) -> None:
    rounded = round_half_up(x)
    assert rounded.as_tuple().exponent == -2
    assert abs(x - rounded) <= Decimal("0.005")


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from([1, -1]))
def test_round_half_up_rounds_half_a_cent_away_from_zero(cents: int, sign: int) -> None:
    x = sign * (Decimal(cents) * CENT + Decimal("0.005"))
    assert round_half_up(x) == sign * Decimal(cents + 1) * CENT


@given(mrr, currencies, countries, st.sampled_from([SOURCED, ASSISTED]), days)
def test_sold_points_are_never_negative(
    amount: Decimal, currency: str, country: str, deal_type: str, closed_on: date
) -> None:
    result = sold_points(
        RULES,
        mrr=amount,
        currency=currency,
        country=country,
        deal_type=deal_type,
        closed_on=closed_on,
    )
    assert result >= 0


@given(mrr, currencies, countries, days, st.integers(min_value=1, max_value=101))
def test_managed_points_are_never_negative(
    amount: Decimal, currency: str, country: str, on: date, n: int
) -> None:
    result = managed_points(
        RULES, mrr=amount, currency=currency, country=country, on=on, co_managers=n
    )
    assert result >= 0


@given(
    st.lists(st.tuples(mrr, currencies, countries, st.integers(min_value=1, max_value=101))),
    days,
)
def test_managed_points_of_one_day_are_managed_points(
    clients: list[tuple[Decimal, str, str, int]], on: date
) -> None:
    points = ManagedPointsOn(RULES, on)
    for amount, currency, country, n in clients:
        assert points(mrr=amount, currency=currency, country=country, co_managers=n) == (
            managed_points(
                RULES, mrr=amount, currency=currency, country=country, on=on, co_managers=n
            )
        )


def test_managed_points_of_one_day_refuse_what_managed_points_refuse() -> None:
    points = ManagedPointsOn(RULES, date(2026, 1, 1))
    for bad in ({"co_managers": 0}, {"mrr": Decimal(-1)}, {"currency": "XXX"}):
        kwargs = {"mrr": Decimal(100), "currency": "USD", "country": "US", "co_managers": 1}
        kwargs.update(bad)
        with pytest.raises(ValueError):
            points(**kwargs)


@given(st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=10), mrr, days)
def test_managed_split_adds_up_to_the_client_total(
    groups: list[int], amount: Decimal, on: date
) -> None:
    def share(n: int) -> Decimal:
        return managed_points(RULES, mrr=amount, currency="USD", country="BR", on=on, co_managers=n)

    for n in groups:
        assert abs(share(n) * n - share(1)) <= Decimal("1e-12") * max(share(1), Decimal(1))


gain_events = st.lists(
    st.tuples(days, points, st.one_of(st.none(), st.integers(min_value=0, max_value=800))),
    max_size=20,
)


@given(gain_events, st.lists(days, min_size=1, max_size=10))
def test_sold_totals_never_go_negative_after_gains_expiries_and_reversals(
    events: list[tuple[date, Decimal, int | None]], probes: list[date]
) -> None:
    ledger: list[tuple[date, Decimal]] = []
    gains: list[SoldGain] = []
    for won_on, gained, reversal_delay in events:
        gain = SoldGain(won_on, gained)
        ledger.append((won_on, gained))
        expiry = sold_expiry(won_on)
        reversed_on = (
            won_on + timedelta(days=reversal_delay) if reversal_delay is not None else None
        )
        if reversed_on is not None and reversal_loss(gain, reversed_on=reversed_on) > 0:
            ledger.append((reversed_on, -gained))
        else:
            ledger.append((expiry, -gained))
            gains.append(gain)  # still scheduled to expire, so it feeds projections

    checkpoints = sorted({d for d, _ in ledger} | set(probes))
    for on in checkpoints:
        total = sum((p for d, p in ledger if d <= on), Decimal(0))
        assert total >= 0
        active = sum((g.points for g in gains if is_sold_active(g.won_on, on)), Decimal(0))
        assert active <= total
        expiring = sold_expiring_before(gains, on=on, before=on + timedelta(days=200))
        assert 0 <= expiring <= active
        for _, sold_then, _, total_then in monthly_projection(
            on=on, sold=active, managed=Decimal(0), gains=gains, months=14
        ):
            assert sold_then >= 0 and total_then >= 0
        assert (
            monthly_projection(on=on, sold=active, managed=Decimal(0), gains=gains, months=13)[-1][
                1
            ]
            == 0
        )

    changes = point_changes((SOLD, p) for _, p in ledger)
    assert changes.new_sold == changes.lost_sold  # every gain eventually leaves


@given(signed, signed)
def test_managed_change_reaches_the_target_and_a_rerun_writes_nothing(
    target: Decimal, balance: Decimal
) -> None:
    change = managed_change(target, balance)
    assert balance + change == target
    assert managed_change(target, balance + change) == 0


@given(st.lists(st.tuples(st.sampled_from([SOLD, MANAGED]), signed), max_size=30))
def test_point_changes_balance_to_the_net_sum(entries: list[tuple[str, Decimal]]) -> None:
    changes = point_changes(entries)
    net_sold = sum((p for t, p in entries if t == SOLD), Decimal(0))
    net_managed = sum((p for t, p in entries if t == MANAGED), Decimal(0))
    assert changes.new_sold - changes.lost_sold == net_sold
    assert changes.new_managed - changes.lost_managed == net_managed
    assert min(changes.new_sold, changes.lost_sold, changes.new_managed, changes.lost_managed) >= 0


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(amounts, amounts, currencies, countries, days)
def test_currency_to_points_to_currency_round_trips_within_a_cent(
    sold_value: Decimal, managed_value: Decimal, currency: str, country: str, on: date
) -> None:
    sold_pts, managed_pts = currency_to_points(
        RULES,
        currency=currency,
        country=country,
        sold_value=sold_value,
        managed_value=managed_value,
        on=on,
        places=None,
    )
    back = points_to_currency(
        RULES,
        currency=currency,
        country=country,
        sold_points=sold_pts,
        managed_points=managed_pts,
        on=on,
    )
    assert abs(back[0] - sold_value) <= CENT
    assert abs(back[1] - managed_value) <= CENT


@given(amounts, currencies, countries, days)
def test_rounded_points_round_trip_within_half_a_cent_of_points(
    value: Decimal, currency: str, country: str, on: date
) -> None:
    sold_pts, managed_pts = currency_to_points(
        RULES, currency=currency, country=country, sold_value=value, managed_value=value, on=on
    )
    sold_back, managed_back = points_to_currency(
        RULES,
        currency=currency,
        country=country,
        sold_points=sold_pts,
        managed_points=managed_pts,
        on=on,
        places=None,
    )
    # the displayed points are rounded, so the value moves by at most half a cent of points
    per_point_sold = RULES.fx_rate(currency, on) / (
        RULES.sold_rate(SOURCED, on) * RULES.multiplier(country, on)
    )
    per_point_managed = RULES.fx_rate(currency, on) / (
        RULES.managed_rate(on) * RULES.multiplier(country, on)
    )
    slack = Decimal("1e-15")  # 28-digit division noise when the points sit exactly on a half
    assert abs(sold_back - value) <= Decimal("0.005") * per_point_sold + slack
    assert abs(managed_back - value) <= Decimal("0.005") * per_point_managed + slack


REVIEW_CHANGE = date(2026, 2, 1)
CHANGED_REVIEWS = replace(
    RULES,
    review_dates=(
        *RULES.review_dates,
        ReviewDateRule(2, 29, REVIEW_CHANGE),
        ReviewDateRule(9, 30, REVIEW_CHANGE),
    ),
)


@given(
    st.sampled_from([RULES, CHANGED_REVIEWS]),
    st.dates(min_value=date(2020, 1, 15), max_value=date(2040, 12, 31)),
)
def test_next_and_last_review_dates_agree_with_a_day_by_day_scan(rules: Rules, on: date) -> None:
    nxt = rules.next_review_date(on)
    assert nxt > on and rules.is_review_date(nxt)
    assert not any(rules.is_review_date(on + timedelta(days=k)) for k in range(1, (nxt - on).days))
    last = rules.last_review_date(on)
    assert last is not None and last <= on and rules.is_review_date(last)
    assert not any(
        rules.is_review_date(last + timedelta(days=k)) for k in range(1, (on - last).days + 1)
    )
