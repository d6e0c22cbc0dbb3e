"""Tiers, their effective-dated requirements, review dates, reviews and daily standings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from partners.models import Partner
from points.models import rule_status_field

POINTS: dict[str, Any] = {"max_digits": 20, "decimal_places": 6}


class Tier(models.Model):
    key = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField(unique=True, help_text="0 is the floor (Untiered).")

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class TierRequirement(models.Model):
    """What a tier asks for, from ``effective_from`` until the tier's next requirement row."""

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="requirements")
    effective_from = models.DateField()
    total_points = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    sold_min = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    managed_min = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    requires_certification = models.BooleanField(default=True)
    by_invitation = models.BooleanField(default=False)
    min_csr = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Minimum 12-month average C$R as a fraction (0.85 = 85%); empty for none.",
    )
    status = rule_status_field()

    class Meta:
        ordering = ["tier__rank", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "effective_from"], name="requirement_once_per_day"
            ),
            models.CheckConstraint(
                condition=Q(total_points__gte=0) & Q(sold_min__gte=0) & Q(managed_min__gte=0),
                name="requirement_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier}: {self.total_points} points from {self.effective_from}"


class ReviewDate(models.Model):
    """A yearly tier-review date; the set with the latest ``effective_from`` applies."""

    month = models.PositiveSmallIntegerField()
    day = models.PositiveSmallIntegerField()
    effective_from = models.DateField()

    class Meta:
        ordering = ["-effective_from", "month", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["effective_from", "month", "day"], name="review_date_once"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12, day__gte=1, day__lte=28)
                | Q(month__in=[1, 3, 5, 7, 8, 10, 12], day__gte=1, day__lte=31)
                | Q(month__in=[4, 6, 9, 11], day__gte=1, day__lte=30),
                name="review_date_is_a_calendar_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d} from {self.effective_from}"


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
