"""Tiers (PROGRAM.md §7): whether a tier's requirements are met, the performance and credited
tiers, the points still needed for a tier and the projections to the next review date."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .dates import _month_end, _month_end_of, add_months, is_sold_active, sold_expiry
from .points import SoldGain
from .rules import _ZERO, FLOOR_TIER, NoRuleInForce, RuleError, Rules, TierRule


def meets(
    tier: TierRule,
    *,
    sold: Decimal,
    managed: Decimal,
    certified: bool,
    invited: bool,
    csr: Decimal | None,
) -> bool:
    """Whether every requirement of ``tier`` is met."""
    if sold + managed < tier.total_points or sold < tier.sold_min or managed < tier.managed_min:
        return False
    if tier.requires_certification and not certified:
        return False
    if tier.by_invitation and not invited:
        return False
    return tier.min_csr is None or (csr is not None and csr >= tier.min_csr)


def performance_tier(
    rules: Rules,
    on: date,
    *,
    sold: Decimal,
    managed: Decimal,
    certified: bool,
    invited: bool,
    csr: Decimal | None,
) -> TierRule:
    """The highest-ranked tier in force on ``on`` whose every requirement is met."""
    tiers = rules.tiers_on(on)
    if not tiers:
        raise NoRuleInForce(f"no tiers in force on {on}")
    for tier in reversed(tiers):
        if meets(tier, sold=sold, managed=managed, certified=certified, invited=invited, csr=csr):
            return tier
    raise RuleError(f"no tier met on {on}: the floor tier must have no requirements")


def credited_tier(review_results: Mapping[date, str], on: date, floor_key: str = FLOOR_TIER) -> str:
    """The tier key set at the latest review on or before ``on``, else ``floor_key``."""
    reviews = sorted(review_results)
    i = bisect_right(reviews, on) - 1
    return review_results[reviews[i]] if i >= 0 else floor_key


@dataclass(frozen=True)
class Needs:
    """Points still needed for a tier."""

    total: Decimal
    sold: Decimal
    managed: Decimal


def needs_for(tier: TierRule, *, sold: Decimal, managed: Decimal) -> Needs:
    """The tier's thresholds minus the current figures, floored at 0."""
    return Needs(
        total=max(tier.total_points - (sold + managed), _ZERO),
        sold=max(tier.sold_min - sold, _ZERO),
        managed=max(tier.managed_min - managed, _ZERO),
    )


def sold_expiring_before(gains: Iterable[SoldGain], *, on: date, before: date) -> Decimal:
    """Points of gains active on ``on`` that will have expired by ``before``."""
    return sum(
        (
            g.points
            for g in gains
            if is_sold_active(g.won_on, on) and sold_expiry(g.won_on) <= before
        ),
        _ZERO,
    )


@dataclass(frozen=True)
class Projection:
    """The figures and performance tier projected for the next review date."""

    review_on: date
    expiring_sold: Decimal
    sold: Decimal
    managed: Decimal
    tier: TierRule


def project_next_review(
    rules: Rules,
    *,
    on: date,
    sold: Decimal,
    managed: Decimal,
    gains: Iterable[SoldGain],
    certified_until: date | None,
    invited: bool,
    csr: Decimal | None,
) -> Projection:
    """Project the next review if nothing else changes: only scheduled sold expiries apply."""
    review_on = rules.next_review_date(on)
    expiring = sold_expiring_before(gains, on=on, before=review_on)
    projected_sold = max(sold - expiring, _ZERO)
    certified = certified_until is not None and review_on <= certified_until
    tier = performance_tier(
        rules,
        review_on,
        sold=projected_sold,
        managed=managed,
        certified=certified,
        invited=invited,
        csr=csr,
    )
    return Projection(review_on, expiring, projected_sold, managed, tier)


def monthly_projection(
    *,
    on: date,
    sold: Decimal,
    managed: Decimal,
    gains: Iterable[SoldGain],
    months: int = 3,
) -> list[tuple[date, Decimal, Decimal, Decimal]]:
    """(month end, sold, managed, total) for the next ``months`` month ends strictly after ``on``.

    Only scheduled expirations of gains active on ``on`` change the figures.
    """
    active = [g for g in gains if is_sold_active(g.won_on, on)]
    first = _month_end(on.year, on.month)
    if first == on:
        first = _month_end_of(add_months(on.replace(day=1), 1))
    rows: list[tuple[date, Decimal, Decimal, Decimal]] = []
    for k in range(months):
        end = _month_end_of(add_months(first.replace(day=1), k))
        expiring = sum((g.points for g in active if sold_expiry(g.won_on) <= end), _ZERO)
        projected = max(sold - expiring, _ZERO)
        rows.append((end, projected, managed, projected + managed))
    return rows
