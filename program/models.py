"""The program's effective-dated rule tables (PROGRAM.md §2–§7).

FX rates, growth markets, point rates, tiers with their requirements, and review dates. The
tables kept the names they had when they belonged to ``points`` and ``tiers``
(``Meta.db_table``); migration ``program.0001`` moved them here without touching the data.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField


class DealType(models.TextChoices):
    SOURCED = "sourced", "Sourced"
    ASSISTED = "assisted", "Assisted"


class Track(models.TextChoices):
    SOLD = "sold", "Sold"
    MANAGED = "managed", "Managed"


class RuleStatus(models.TextChoices):
    """A rule row is a draft (simulated, ignored by the recompute) until it is published."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


def rule_status_field() -> models.CharField:
    return models.CharField(
        max_length=10,
        choices=RuleStatus.choices,
        default=RuleStatus.PUBLISHED,
        db_index=True,
        help_text="A draft is ignored by the program until it is published from the rule-change "
        "preview; it then applies from its effective date.",
    )


class FxRate(models.Model):
    """Fixed program rate: the amount of ``currency`` equal to US$100, from ``effective_from``."""

    currency = models.CharField(max_length=3)
    per_100_usd = models.DecimalField(max_digits=18, decimal_places=6)
    effective_from = models.DateField()
    status = rule_status_field()

    class Meta:
        db_table = "points_fxrate"
        ordering = ["currency", "-effective_from"]
        verbose_name = "program FX rate"
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "effective_from"], name="fx_rate_once_per_day"
            ),
            models.CheckConstraint(condition=Q(per_100_usd__gt=0), name="fx_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.per_100_usd} per US$100 from {self.effective_from}"


class GrowthMarket(models.Model):
    """A country's point multiplier from ``effective_from``; countries without a row earn 1."""

    country = CountryField()
    multiplier = models.DecimalField(max_digits=6, decimal_places=2)
    effective_from = models.DateField()
    status = rule_status_field()

    class Meta:
        db_table = "points_growthmarket"
        ordering = ["country", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "effective_from"], name="market_once_per_day"
            ),
            models.CheckConstraint(condition=Q(multiplier__gt=0), name="multiplier_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.country} ×{self.multiplier} from {self.effective_from}"


class PointRate(models.Model):
    """Points per US$100 of MRR for a track (and, for sold points, a deal type)."""

    track = models.CharField(max_length=10, choices=Track.choices)
    deal_type = models.CharField(
        max_length=10, choices=DealType.choices, blank=True, help_text="Empty for managed."
    )
    rate = models.DecimalField(max_digits=10, decimal_places=4)
    effective_from = models.DateField()
    status = rule_status_field()

    class Meta:
        db_table = "points_pointrate"
        ordering = ["track", "deal_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["track", "deal_type", "effective_from"], name="point_rate_once_per_day"
            ),
            models.CheckConstraint(condition=Q(rate__gte=0), name="point_rate_not_negative"),
        ]

    def __str__(self) -> str:
        label = self.deal_type or self.track
        return f"{label}: {self.rate} per US$100 from {self.effective_from}"


class Tier(models.Model):
    key = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField(unique=True, help_text="0 is the floor (Untiered).")

    class Meta:
        db_table = "tiers_tier"
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
        db_table = "tiers_tierrequirement"
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
        db_table = "tiers_reviewdate"
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
