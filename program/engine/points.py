"""Sold and managed points (PROGRAM.md §4-6): the points of a deal or a managed client, the
managed change that brings a balance to its target, reversals and the new/lost point totals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .dates import SOLD_ACTIVE_MONTHS, is_sold_active
from .rules import _HUNDRED, _ZERO, MANAGED, SOLD, Rules, _non_negative, _require


def sold_points(
    rules: Rules, *, mrr: Decimal, currency: str, country: str, deal_type: str, closed_on: date
) -> Decimal:
    """``usd(mrr)/100 * S[deal_type, closed_on] * M[country]`` (unrounded)."""
    _non_negative(mrr, "MRR")
    usd = rules.usd(mrr, currency, closed_on)
    return (
        usd
        / _HUNDRED
        * rules.sold_rate(deal_type, closed_on)
        * rules.multiplier(country, closed_on)
    )


def managed_points(
    rules: Rules, *, mrr: Decimal, currency: str, country: str, on: date, co_managers: int
) -> Decimal:
    """``usd(mrr)/100 * managed rate * M / n`` for one of ``n`` co-managers (unrounded)."""
    _non_negative(mrr, "MRR")
    _require(co_managers >= 1, "co_managers counts this partner, so it must be at least 1")
    usd = rules.usd(mrr, currency, on)
    return usd / _HUNDRED * rules.managed_rate(on) * rules.multiplier(country, on) / co_managers


class ManagedPointsOn:
    """``managed_points`` for one day, for many clients: the day's managed rate is read once,
    each currency's FX rate and each country's multiplier once; the arithmetic is the same."""

    def __init__(self, rules: Rules, on: date) -> None:
        self.rules, self.on = rules, on
        self._rate: Decimal | None = None
        self._fx: dict[str, Decimal] = {}
        self._multiplier: dict[str, Decimal] = {}

    def __call__(self, *, mrr: Decimal, currency: str, country: str, co_managers: int) -> Decimal:
        _non_negative(mrr, "MRR")
        _require(co_managers >= 1, "co_managers counts this partner, so it must be at least 1")
        fx = self._fx.get(currency)
        if fx is None:
            fx = self._fx[currency] = self.rules.fx_rate(currency, self.on)
        multiplier = self._multiplier.get(country)
        if multiplier is None:
            multiplier = self._multiplier[country] = self.rules.multiplier(country, self.on)
        if self._rate is None:
            self._rate = self.rules.managed_rate(self.on)
        usd = mrr * _HUNDRED / fx
        return usd / _HUNDRED * self._rate * multiplier / co_managers


def managed_change(target: Decimal, balance: Decimal) -> Decimal:
    """The managed-change entry that brings ``balance`` to ``target``."""
    return target - balance


@dataclass(frozen=True)
class SoldGain:
    """A sold gain: its date and points."""

    won_on: date
    points: Decimal


def reversal_loss(
    gain: SoldGain, *, reversed_on: date, months: int = SOLD_ACTIVE_MONTHS
) -> Decimal:
    """Points a reversal on ``reversed_on`` takes back: the gain if still active, else 0."""
    _require(reversed_on >= gain.won_on, "a deal cannot be reversed before it was won")
    return gain.points if is_sold_active(gain.won_on, reversed_on, months) else _ZERO


@dataclass(frozen=True)
class PointChanges:
    """New and lost points per track over a date range."""

    new_sold: Decimal
    lost_sold: Decimal
    new_managed: Decimal
    lost_managed: Decimal


def point_changes(entries: Iterable[tuple[str, Decimal]]) -> PointChanges:
    """New (sum of positives) and lost (sum of |negatives|) per track."""
    new = {SOLD: _ZERO, MANAGED: _ZERO}
    lost = {SOLD: _ZERO, MANAGED: _ZERO}
    for track, points in entries:
        _require(track in new, f"unknown track: {track!r}")
        if points > 0:
            new[track] += points
        elif points < 0:
            lost[track] -= points
    return PointChanges(new[SOLD], lost[SOLD], new[MANAGED], lost[MANAGED])
