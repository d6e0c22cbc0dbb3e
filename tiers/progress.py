"""A partner's progress through the program and towards the next tier (D1, T1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from clients.metrics import account_metrics_of
from clients.overview import csr_percent
from partners.models import Partner
from program import engine
from program.rules import rules_load
from tiers.selectors import StandingSummary, standing_summary

_ZERO = Decimal(0)


_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ProgramProgress:
    """D1: the standing (tiers and points) and the account metrics of PROGRAM.md §8.

    Money is in US$ rounded half-up to 2 places; ``csr_percent`` is the 12-month average C$R
    as a percentage, None when no month had a paying client ("not enough history").
    ``metrics_on`` is the day the account metrics were computed for (today once the nightly
    recompute has run).
    """

    summary: StandingSummary
    sourced_mrr_12m: Decimal
    sourced_amount_12m: Decimal
    csr_percent: Decimal | None
    metrics_on: date


def program_progress(
    *, partner: Partner, on: date, summary: StandingSummary | None = None
) -> ProgramProgress:
    """D1 on ``on``: the latest standing, and the day's stored account metrics: rolling
    12-month sourced MRR and its annual amount (× 12, rounded once), and the average C$R of
    the last 12 complete months.

    ``summary`` passes in a ``standing_summary`` already read for the same day.
    """
    if summary is None:
        summary = standing_summary(partner=partner, on=on)
    metrics = account_metrics_of(partner=partner, on=on, rules=rules_load())
    return ProgramProgress(
        summary=summary,
        sourced_mrr_12m=engine.round_half_up(metrics.sourced_mrr_12m),
        sourced_amount_12m=engine.round_half_up(metrics.sourced_mrr_12m * 12),
        csr_percent=csr_percent(metrics.csr_12m),
        metrics_on=metrics.on,
    )


class UnknownTier(ValueError):
    """A "Get to" choice that is not a tier above Untiered; the message is shown to the user."""


@dataclass(frozen=True)
class Progress:
    """One requirement of the target tier: what is reached, required and still needed."""

    key: str
    label: str
    reached: Decimal
    required: Decimal
    needed: Decimal
    percent: int

    @property
    def met(self) -> bool:
        return self.needed == 0


@dataclass(frozen=True)
class TierProgression:
    """D2: progress towards ``target`` (total points, sold and managed minimums)."""

    target: engine.TierRule
    choices: list[engine.TierRule]
    requirements: list[Progress]

    @property
    def reached(self) -> bool:
        return all(requirement.met for requirement in self.requirements)


def _progress(key: str, label: str, reached: Decimal, required: Decimal) -> Progress:
    needed = max(required - reached, _ZERO)
    if required <= 0:
        percent = 100
    else:
        percent = int(min(reached / required * _HUNDRED, _HUNDRED).to_integral_value("ROUND_FLOOR"))
    return Progress(key, label, reached, required, needed, max(percent, 0))


def tier_progression(
    *,
    partner: Partner,
    on: date,
    tier_key: str = "",
    summary: StandingSummary | None = None,
) -> TierProgression:
    """D2 on ``on``: the partner's points against one tier above Untiered.

    ``tier_key`` empty means the next tier up from the performance tier (the highest tier
    when there is none above). Raises UnknownTier for any other key that is not a tier above
    the floor. Figures are the standing's, rounded half-up to 2 places.
    """
    if summary is None:
        summary = standing_summary(partner=partner, on=on)
    choices = rules_load().tiers_on(on)[1:]
    if not choices:
        raise UnknownTier("The program has no tiers above Untiered.")
    if tier_key:
        target = next((t for t in choices if t.key == tier_key), None)
        if target is None:
            raise UnknownTier("Choose a tier from the list.")
    else:
        target = next((t for t in choices if t.name == summary.next_tier), choices[-1])
    return TierProgression(
        target=target,
        choices=choices,
        requirements=[
            _progress("total", "Total points", summary.total, target.total_points),
            _progress("sold", "Sold minimum", summary.sold, target.sold_min),
            _progress("managed", "Managed minimum", summary.managed, target.managed_min),
        ],
    )
