"""The points history of the demo: the dates the nightly recompute is replayed on, and the
check that the personas hold the tiers the demo promises."""

from __future__ import annotations

from datetime import date, timedelta

from demo.seed.plans import Plan
from partners.models import Partner
from program import engine
from tiers.models import TierStanding


def recompute_dates(plan: Plan, rules: engine.Rules) -> list[date]:
    """Every 1st and month end of the history, every review date in it, and today."""
    today, start = plan.today, plan.months[0]
    days = set(plan.months)
    days.update(m - timedelta(days=1) for m in plan.months[1:])
    day = start - timedelta(days=1)
    while True:
        try:
            day = rules.next_review_date(day)
        except engine.NoRuleInForce:
            break
        if day > today:
            break
        days.add(day)
    days.add(today)
    return sorted(d for d in days if start <= d <= today)


def persona_check(partner: Partner, today: date, review: date | None, tier: str) -> None:
    """Fail unless ``partner`` is credited and performs at ``tier`` today and at ``review``."""
    for on in (today, review):
        if on is None:
            continue
        standing = TierStanding.objects.filter(partner=partner, date=on).select_related(
            "performance_tier", "credited_tier"
        )
        row = standing.first()
        got = (row.credited_tier.key, row.performance_tier.key) if row else None
        if got != (tier, tier):
            raise RuntimeError(
                f"demo data for {partner.name} is {got} on {on}, expected {tier}: "
                "check the rule tables (the seed assumes the program's default tiers)"
            )
