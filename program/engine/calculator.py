"""The points calculator (PROGRAM.md §10): points a deal would earn, and conversions between
monthly values in a currency and points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .dates import round_half_up
from .points import managed_points, sold_points
from .rules import _HUNDRED, SOURCED, Rules, _non_negative, _require

MAX_CALCULATOR_AMOUNT = Decimal(10) ** 12
MAX_OTHER_MANAGERS = 100


@dataclass(frozen=True)
class PointsEstimate:
    """The calculator's result, every figure rounded to 2 places."""

    sold_points: Decimal
    managed_points: Decimal
    total_points: Decimal
    usd_equivalent: Decimal
    multiplier: Decimal


def _check_country(country: str) -> None:
    code = country.strip()
    _require(len(code) == 2 and code.isascii() and code.isalpha(), f"unknown country: {country!r}")


def _check_amount(amount: Decimal, what: str) -> None:
    _non_negative(amount, what)
    _require(amount <= MAX_CALCULATOR_AMOUNT, f"{what} must not exceed 10^12")


def estimate_points(
    rules: Rules,
    *,
    amount: Decimal,
    currency: str,
    country: str,
    deal_type: str,
    will_manage: bool,
    other_managers: int,
    on: date,
) -> PointsEstimate:
    """Sold and managed points a deal of monthly ``amount`` would earn on ``on``."""
    _check_amount(amount, "amount")
    _check_country(country)
    _require(
        0 <= other_managers <= MAX_OTHER_MANAGERS,
        f"other managers must be between 0 and {MAX_OTHER_MANAGERS}",
    )
    sold = round_half_up(
        sold_points(
            rules, mrr=amount, currency=currency, country=country, deal_type=deal_type, closed_on=on
        )
    )
    managed = (
        round_half_up(
            managed_points(
                rules,
                mrr=amount,
                currency=currency,
                country=country,
                on=on,
                co_managers=1 + other_managers,
            )
        )
        if will_manage
        else Decimal("0.00")
    )
    return PointsEstimate(
        sold_points=sold,
        managed_points=managed,
        total_points=sold + managed,
        usd_equivalent=round_half_up(rules.usd(amount, currency, on)),
        multiplier=rules.multiplier(country, on),
    )


def _maybe_round(value: Decimal, places: int | None) -> Decimal:
    return value if places is None else round_half_up(value, places)


def currency_to_points(
    rules: Rules,
    *,
    currency: str,
    country: str,
    sold_value: Decimal,
    managed_value: Decimal,
    on: date,
    places: int | None = 2,
) -> tuple[Decimal, Decimal]:
    """(sold points, managed points) for monthly values in ``currency`` (sourced rate)."""
    _check_amount(sold_value, "sold value")
    _check_amount(managed_value, "managed value")
    _check_country(country)
    m = rules.multiplier(country, on)
    sold = rules.usd(sold_value, currency, on) / _HUNDRED * rules.sold_rate(SOURCED, on) * m
    managed = rules.usd(managed_value, currency, on) / _HUNDRED * rules.managed_rate(on) * m
    return _maybe_round(sold, places), _maybe_round(managed, places)


def points_to_currency(
    rules: Rules,
    *,
    currency: str,
    country: str,
    sold_points: Decimal,
    managed_points: Decimal,
    on: date,
    places: int | None = 2,
) -> tuple[Decimal, Decimal]:
    """(sold value, managed value) in ``currency`` that earn the given points (sourced rate)."""
    _non_negative(sold_points, "sold points")
    _non_negative(managed_points, "managed points")
    _check_country(country)
    r = rules.fx_rate(currency, on)
    m = rules.multiplier(country, on)
    sold_divisor = rules.sold_rate(SOURCED, on) * m
    managed_divisor = rules.managed_rate(on) * m
    _require(sold_divisor > 0 and managed_divisor > 0, f"a zero point rate is in force on {on}")
    sold = sold_points * r / sold_divisor
    managed = managed_points * r / managed_divisor
    return _maybe_round(sold, places), _maybe_round(managed, places)
