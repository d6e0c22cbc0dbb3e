"""Properties of the calculator glue (tierpage.calculator) over the program's default rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django_countries import countries
from hypothesis import given
from hypothesis import strategies as st

from program import engine
from tierpage import calculator

RULES = engine.default_rules()
ON = date(2026, 3, 1)
CURRENCIES = sorted(engine.DEFAULT_FX_RATES)
MARKETS = ["US", "DE", "BR", "IN", "JP", "SG", "ZA"]
VALUES = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(
    currency=st.sampled_from(CURRENCIES),
    market=st.sampled_from(MARKETS),
    sold=VALUES,
    managed=VALUES,
)
def test_currency_to_points_to_currency_returns_the_input_within_a_cent(
    currency, market, sold, managed
):
    points = calculator.convert(
        rules=RULES,
        on=ON,
        direction=calculator.CURRENCY_TO_POINTS,
        market=market,
        currency=currency,
        sold=sold,
        managed=managed,
        places=None,
    )
    back = calculator.convert(
        rules=RULES,
        on=ON,
        direction=calculator.POINTS_TO_CURRENCY,
        market=market,
        currency=currency,
        sold=points.sold,
        managed=points.managed,
    )
    assert abs(back.sold - sold) <= Decimal("0.01")
    assert abs(back.managed - managed) <= Decimal("0.01")


@given(
    currency=st.sampled_from(CURRENCIES),
    market=st.sampled_from(MARKETS),
    deal_type=st.sampled_from(engine.DEAL_TYPES),
    will_manage=st.booleans(),
    others=st.integers(min_value=0, max_value=100),
    a=VALUES,
    b=VALUES,
)
def test_points_grow_with_the_amount(currency, market, deal_type, will_manage, others, a, b):
    low, high = sorted((a, b))

    def estimate(amount):
        return calculator.estimate(
            rules=RULES,
            on=ON,
            sold_amount=amount,
            currency=currency,
            market=market,
            deal_type=deal_type,
            will_manage=will_manage,
            other_managers=others,
        )

    small, large = estimate(low), estimate(high)
    assert small.sold_points <= large.sold_points
    assert small.managed_points <= large.managed_points
    assert small.total_points <= large.total_points
    assert large.total_points == large.sold_points + large.managed_points


@given(code=st.text(max_size=4))
def test_a_market_is_either_an_iso_country_or_a_field_error(code):
    try:
        cleaned = calculator.validate_market(code)
    except ValidationError as error:
        assert error.code == "unknown_country"
    else:
        assert cleaned in countries and cleaned == code.strip().upper()
