"""Commission months and quarters (PROGRAM.md §9): parsing ``YYYY-MM``, month ends, the
quarter a month belongs to and the day its payment is scheduled."""

from __future__ import annotations

import re
from datetime import date, timedelta

from program import engine

PAYMENT_DELAY_DAYS = 45
_MONTH = re.compile(r"(\d{4})-(\d{2})")


class CommissionError(ValueError):
    """An accrual that cannot be run as asked (a malformed or incomplete month)."""


def parse_month(text: str) -> date:
    """``YYYY-MM`` as the first day of that month; a ``CommissionError`` for anything else."""
    match = _MONTH.fullmatch((text or "").strip())
    if match is None:
        raise CommissionError(f"A month is written YYYY-MM (e.g. 2025-03), not {text!r}.")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1900:
        raise CommissionError(f"{text!r} is not a month: use YYYY-MM with a month from 01 to 12.")
    return date(year, month, 1)


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return engine.add_months(month_of(month), 1) - timedelta(days=1)


def previous_month(day: date) -> date:
    return engine.add_months(month_of(day), -1)


def quarter_of(day: date) -> date:
    """The first day of the quarter that ``day`` falls in."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def payment_scheduled_on(quarter_start: date) -> date:
    """The quarter's last day plus the payment delay (Q1 → May 15)."""
    return engine.add_months(quarter_start, 3) - timedelta(days=1) + timedelta(PAYMENT_DELAY_DAYS)
