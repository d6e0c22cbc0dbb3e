"""Loading the program's rule tables into one immutable ``engine.Rules``, cached.

Saving or deleting a rule row clears the cache (``program.signals``) and sends
``rules_changed``, which apps above listen to for what they derive from the rules (the cached
account metrics, converted at the program's FX rates, in ``clients.signals``).
"""

from __future__ import annotations

from datetime import date

import django.dispatch
from django.core.cache import cache

from program import engine
from program.engine import Rules
from program.models import FxRate, GrowthMarket, PointRate, ReviewDate, RuleStatus, TierRequirement

rules_changed = django.dispatch.Signal()
"""Sent after the rule tables changed and the cached rules were dropped."""

RULES_CACHE_KEY = "program-rules"


RULES_CACHE_SECONDS = 60


def rules_load(*, use_cache: bool = True) -> engine.Rules:
    """The program's published rule tables as one immutable object for the pure engine.

    Draft rule rows are left out until they are published (``recompute.rules.rules_publish``).
    Cached briefly; saving any rule row clears the cache (see ``program.signals``).
    """
    if use_cache:
        cached = cache.get(RULES_CACHE_KEY)
        if cached is not None:
            return cached
    rules = rules_from_tables(include_drafts=False)
    if use_cache:
        cache.set(RULES_CACHE_KEY, rules, RULES_CACHE_SECONDS)
    return rules


def rules_cache_clear() -> None:
    """Drop the cached rules, and the cached account metrics converted with them."""
    cache.delete(RULES_CACHE_KEY)
    rules_changed.send(sender=Rules)


def rules_from_tables(*, include_drafts: bool) -> engine.Rules:
    """The rule tables as one ``engine.Rules``: published rows, plus the drafts if asked."""
    statuses = (
        [RuleStatus.PUBLISHED, RuleStatus.DRAFT] if include_drafts else [RuleStatus.PUBLISHED]
    )
    return engine.Rules(
        fx_rates=tuple(
            engine.FxRateRule(r.currency.upper(), r.per_100_usd, r.effective_from)
            for r in FxRate.objects.filter(status__in=statuses)
        ),
        markets=tuple(
            engine.MarketRule(str(r.country), r.multiplier, r.effective_from)
            for r in GrowthMarket.objects.filter(status__in=statuses)
        ),
        point_rates=tuple(
            engine.PointRateRule(r.track, r.deal_type, r.rate, r.effective_from)
            for r in PointRate.objects.filter(status__in=statuses)
        ),
        tiers=tuple(
            engine.TierRule(
                key=r.tier.key,
                name=r.tier.name,
                rank=r.tier.rank,
                total_points=r.total_points,
                sold_min=r.sold_min,
                managed_min=r.managed_min,
                requires_certification=r.requires_certification,
                by_invitation=r.by_invitation,
                min_csr=r.min_csr,
                effective_from=r.effective_from,
            )
            for r in TierRequirement.objects.filter(status__in=statuses).select_related("tier")
        ),
        review_dates=tuple(
            engine.ReviewDateRule(r.month, r.day, r.effective_from)
            for r in ReviewDate.objects.all()
        ),
    )


def rules_first_day(rules: engine.Rules) -> date | None:
    """The first day the program's rules are in force: the first day a recompute can run.

    On the day it recomputes, the recompute converts MRR at an FX rate, applies a point rate
    and ranks partners against the tiers, so each of those three tables needs a row in force:
    the first day is the latest of their earliest ``effective_from``. Growth markets are left
    out (a country without a row earns a multiplier of 1, never an error), and so are review
    dates (a day without a set in force is simply no review date). None when one of the three
    tables has no row at all.
    """
    tables: tuple[tuple[engine.FxRateRule | engine.PointRateRule | engine.TierRule, ...], ...] = (
        rules.fx_rates,
        rules.point_rates,
        rules.tiers,
    )
    if not all(tables):
        return None
    return max(min(row.effective_from for row in table) for table in tables)
