"""Monthly commission lines, month-end exchange rates and quarterly payments."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from clients.models import Client
from partners.models import Partner

MONEY: dict[str, Any] = {"max_digits": 18, "decimal_places": 2}


class MonthEndRate(models.Model):
    """The amount of ``currency`` equal to US$100 at the end of ``month`` (its first day)."""

    currency = models.CharField(max_length=3)
    month = models.DateField(help_text="The first day of the month.")
    per_100_usd = models.DecimalField(max_digits=18, decimal_places=6)

    class Meta:
        ordering = ["-month", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "month"], name="month_end_rate_once"),
            models.CheckConstraint(condition=Q(per_100_usd__gt=0), name="month_end_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.month:%Y-%m}: {self.per_100_usd}"


class CommissionPayment(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        PAID = "paid", "Paid"

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="payments")
    quarter_start = models.DateField()
    scheduled_on = models.DateField()
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    paid_on = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-scheduled_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "quarter_start"], name="one_payment_per_quarter"
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_on__isnull=False), name="paid_payment_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.quarter_start:%Y-%m}: {self.amount} {self.currency}"

    @property
    def quarter_label(self) -> str:
        return f"{self.quarter_start.year} Q{(self.quarter_start.month - 1) // 3 + 1}"


class CommissionLine(models.Model):
    """One client's commission for one month; never edited (a restatement is a new line)."""

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", "Accrual"
        ADJUSTMENT = "adjustment", "Adjustment"

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="commission_lines")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="commission_lines")
    month = models.DateField(help_text="The first day of the month.")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.ACCRUAL)
    mrr = models.DecimalField(**MONEY)
    mrr_currency = models.CharField(max_length=3)
    share = models.DecimalField(max_digits=5, decimal_places=4)
    fx_per_100_usd = models.DecimalField(
        max_digits=18, decimal_places=6, help_text="Amount of the MRR currency equal to US$100."
    )
    payout_fx_per_100_usd = models.DecimalField(
        max_digits=18,
        decimal_places=6,
        default=100,
        help_text="Amount of the payout currency equal to US$100.",
    )
    estimated = models.BooleanField(default=False)
    amount = models.DecimalField(
        max_digits=18, decimal_places=2, help_text="In the partner's payout currency."
    )
    currency = models.CharField(max_length=3)
    payment = models.ForeignKey(
        CommissionPayment, on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    sequence = models.PositiveSmallIntegerField(
        default=0, help_text="0 for the accrual, then 1, 2, ... for each restatement."
    )
    note = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "client__name"]
        indexes = [models.Index(fields=["partner", "month"])]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "client", "month", "sequence"], name="commission_line_sequence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.client} {self.month:%Y-%m}: {self.amount}"
