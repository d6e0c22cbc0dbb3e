"""The program's effective-dated rule tables, the append-only points ledger, daily snapshots."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from clients.models import Client, Deal
from partners.models import Partner

POINTS: dict[str, Any] = {"max_digits": 20, "decimal_places": 6}


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
        max_length=10, choices=Deal.DealType.choices, blank=True, help_text="Empty for managed."
    )
    rate = models.DecimalField(max_digits=10, decimal_places=4)
    effective_from = models.DateField()
    status = rule_status_field()

    class Meta:
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


class LedgerEntryQuerySet(models.QuerySet["LedgerEntry"]):
    """Reads of the ledger; writes other than inserts are refused."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise LedgerIsAppendOnly("Ledger entries are never updated; append a correction.")

    def delete(self) -> NoReturn:
        raise LedgerIsAppendOnly("Ledger entries are never deleted; append a correction.")

    def on_or_before(self, on: Any) -> LedgerEntryQuerySet:
        return self.filter(effective_on__lte=on)

    def between(self, start: Any, end: Any) -> LedgerEntryQuerySet:
        return self.filter(effective_on__gte=start, effective_on__lte=end)


class LedgerIsAppendOnly(Exception):
    pass


class LedgerEntry(models.Model):
    """One change of a partner's points. Append-only: a correction is a new entry."""

    class Kind(models.TextChoices):
        DEAL_WON = "deal_won", "Deal won"
        DEAL_REVERSED = "deal_reversed", "Deal reversed"
        SOLD_EXPIRED = "sold_expired", "Sold points expired"
        MANAGED_CHANGE = "managed_change", "Managed change"
        ADJUSTMENT = "adjustment", "Adjustment"

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="ledger_entries")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="ledger_entries")
    deal = models.ForeignKey(
        Deal, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    track = models.CharField(max_length=10, choices=Track.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    points = models.DecimalField(**POINTS)
    effective_on = models.DateField()
    expires_on = models.DateField(
        null=True, blank=True, help_text="For a sold gain: the day its points expire."
    )
    idempotency_key = models.CharField(max_length=120, unique=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_on", "-id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["partner", "effective_on"]),
            # A partner's points per client, with the day and points: the sums of the
            # breakdown and the client list are index-only scans.
            models.Index(
                fields=["partner", "client", "track", "effective_on", "points"],
                name="ledger_partner_client_points",
            ),
            models.Index(fields=["kind", "effective_on"]),
            # A partner's gains of one kind (the active sold gains behind the tier projections).
            models.Index(
                fields=["partner", "kind", "effective_on"], name="ledger_partner_kind_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_on} {self.partner} {self.client} {self.track} {self.points:+}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerIsAppendOnly("Ledger entries are never updated; append a correction.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise LedgerIsAppendOnly("Ledger entries are never deleted; append a correction.")


class PairBalance(models.Model):
    """A partner's sold and managed points with one client: the sums of all their entries.

    Derived from the ledger by the database itself: a trigger adds every appended entry
    (points migration 0006), so the pages and the recompute read one row a pair instead of
    summing the entries. ``through`` is the latest day counted; readers that need the points
    on an earlier day than that sum the ledger instead (``points.selectors``).
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="pair_balances")
    sold = models.DecimalField(**POINTS)
    managed = models.DecimalField(**POINTS)
    through = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "client"], name="pair_balance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} / {self.client}: {self.sold} sold, {self.managed} managed"


class DailySnapshot(models.Model):
    """A partner's sold, managed and total points at the end of a day."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="snapshots")
    date = models.DateField()
    sold = models.DecimalField(**POINTS)
    managed = models.DecimalField(**POINTS)
    total = models.DecimalField(**POINTS)

    class Meta:
        ordering = ["partner", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "date"], name="snapshot_once_per_day"),
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.partner} {self.date}: {self.total}"


class RecomputeRun(models.Model):
    """A recompute requested from the admin: who asked, for which partners, and what it changed."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    on = models.DateField(help_text="The day recomputed.")
    partner_ids = models.JSONField(
        null=True, blank=True, help_text="The partners recomputed; empty means every partner."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"Recompute of {self.on} ({self.get_status_display()})"

    @property
    def partner_count(self) -> int | None:
        return None if self.partner_ids is None else len(self.partner_ids)
