"""The append-only points ledger, its pair balances and the daily snapshots."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models

from clients.models import Client, Deal
from partners.models import Partner
from program.models import Track

POINTS: dict[str, Any] = {"max_digits": 20, "decimal_places": 6}


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
