"""Saving or deleting a rule row clears the cached rule tables (``program.rules``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from program.models import FxRate, GrowthMarket, PointRate, ReviewDate, Tier, TierRequirement
from program.rules import rules_cache_clear

RULE_MODELS = (FxRate, GrowthMarket, PointRate, Tier, TierRequirement, ReviewDate)


@receiver(post_save)
@receiver(post_delete)
def clear_rules_cache(sender: type, **kwargs: Any) -> None:
    if sender in RULE_MODELS:
        rules_cache_clear()
