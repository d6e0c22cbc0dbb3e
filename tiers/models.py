"""Tier reviews, their results and the daily standings (the tiers themselves are program's)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from partners.models import Partner
from program.models import Tier

POINTS: dict[str, Any] = {"max_digits": 20, "decimal_places": 6}


class TierReview(models.Model):
    """A tier review run on ``date``: it set every partner's credited tier."""

    date = models.DateField(unique=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"Review of {self.date}"


class TierReviewResult(models.Model):
    review = models.ForeignKey(TierReview, on_delete=models.CASCADE, related_name="results")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="review_results")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    previous_tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    sold = models.DecimalField(**POINTS)
    managed = models.DecimalField(**POINTS)

    class Meta:
        ordering = ["review", "partner"]
        constraints = [
            models.UniqueConstraint(fields=["review", "partner"], name="one_result_per_partner"),
        ]
        indexes = [models.Index(fields=["partner", "review"])]

    def __str__(self) -> str:
        return f"{self.partner}: {self.tier} ({self.review.date})"


class TierStanding(models.Model):
    """A partner's standing at the end of a day: totals, performance tier and credited tier."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="standings")
    date = models.DateField()
    sold = models.DecimalField(**POINTS)
    managed = models.DecimalField(**POINTS)
    total = models.DecimalField(**POINTS)
    performance_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    credited_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["partner", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "date"], name="standing_once_per_day"),
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.partner} {self.date}: {self.performance_tier} / {self.credited_tier}"
