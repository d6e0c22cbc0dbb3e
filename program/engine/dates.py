"""Rounding and calendar arithmetic of the engine: half-up rounding, month arithmetic and
the twelve-month life of a sold gain (PROGRAM.md §4)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .rules import RuleError

SOLD_ACTIVE_MONTHS = 12


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """Round half away from zero to ``places`` decimal places (``-0.00`` becomes ``0.00``)."""
    if isinstance(value, int):
        value = Decimal(value)
    if not value.is_finite():
        raise RuleError(f"cannot round a non-finite value: {value}")
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - timedelta(days=1)).day


def _month_end(year: int, month: int) -> date:
    return date(year, month, _days_in_month(year, month))


def _month_end_of(d: date) -> date:
    return _month_end(d.year, d.month)


def add_months(d: date, months: int) -> date:
    """``d`` plus calendar months, the day clamped to the target month's length."""
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return date(year, month, min(d.day, _days_in_month(year, month)))


def sold_expiry(won_on: date, months: int = SOLD_ACTIVE_MONTHS) -> date:
    """The date a sold gain made on ``won_on`` stops being active."""
    return add_months(won_on, months)


def is_sold_active(won_on: date, on: date, months: int = SOLD_ACTIVE_MONTHS) -> bool:
    """Whether a sold gain made on ``won_on`` is active on ``on`` (``won_on <= on < expiry``)."""
    return won_on <= on < sold_expiry(won_on, months)
