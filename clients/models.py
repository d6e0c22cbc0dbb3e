"""Clients, their MRR history, deals, managed assignments and renewals; static lists and
saved reports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q
from django.db.models.functions import Lower
from django_countries.fields import CountryField

from partners.models import Partner
from program.engine import add_months
from program.models import DealType


class Client(models.Model):
    """A customer of the vendor; several partners may serve it."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, unique=True)
    country = CountryField()
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MrrRecord(models.Model):
    """A client's MRR (in its own currency) from ``date`` until the next record."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="mrr_records")
    date = models.DateField()
    mrr = models.DecimalField(max_digits=18, decimal_places=2)
    tools_used = models.PositiveSmallIntegerField(default=0)
    products = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["client", "-date"]
        verbose_name = "MRR record"
        constraints = [
            models.UniqueConstraint(fields=["client", "date"], name="mrr_one_per_client_day"),
            models.CheckConstraint(condition=Q(mrr__gte=0), name="mrr_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.date}: {self.mrr}"


class DealQuerySet(models.QuerySet["Deal"]):
    def closed_won(self) -> DealQuerySet:
        return self.filter(stage__in=[Deal.Stage.CLOSED_WON, Deal.Stage.REVERSED])

    def closed_between(self, start: date, end: date) -> DealQuerySet:
        return self.filter(closed_on__gte=start, closed_on__lte=end)

    def closed_in_12_months_to(self, day: date) -> DealQuerySet:
        """Closed in the 12 months that end on ``day``: after the same day a year before."""
        return self.closed_between(add_months(day, -12) + timedelta(days=1), day)

    def won_on(self, day: date) -> DealQuerySet:
        """Won, and not reversed on or before ``day`` (a later reversal still counts as won)."""
        return self.filter(
            Q(stage=Deal.Stage.CLOSED_WON) | Q(stage=Deal.Stage.REVERSED, reversed_on__gt=day)
        )

    def won_in_12_months_to(self, day: date) -> DealQuerySet:
        """Won in the 12 months to ``day`` and still won on it (PROGRAM.md §4, §8)."""
        return self.won_on(day).closed_in_12_months_to(day)


class Deal(models.Model):
    DealType = DealType

    class Stage(models.TextChoices):
        CREATED = "created", "Created"
        IN_FLIGHT = "in_flight", "In flight"
        CLOSED_WON = "closed_won", "Closed won"
        CLOSED_LOST = "closed_lost", "Closed lost"
        REVERSED = "reversed", "Reversed"

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="deals")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="deals")
    name = models.CharField(max_length=200, blank=True)
    deal_type = models.CharField(max_length=10, choices=DealType.choices)
    mrr = models.DecimalField(
        max_digits=18, decimal_places=2, help_text="Monthly value in the client's currency."
    )
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.CREATED)
    created_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    reversed_on = models.DateField(null=True, blank=True)
    shared_selling = models.BooleanField(default=False)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_on", "id"]
        indexes = [
            models.Index(fields=["partner", "stage", "closed_on"]),
            models.Index(fields=["partner", "created_on"]),
            models.Index(fields=["client", "partner"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(mrr__gte=0), name="deal_mrr_not_negative"),
            models.CheckConstraint(
                condition=~Q(stage__in=["closed_won", "reversed"]) | Q(closed_on__isnull=False),
                name="won_deal_has_close_date",
            ),
            models.CheckConstraint(
                condition=~Q(stage="reversed") | Q(reversed_on__isnull=False),
                name="reversed_deal_has_reversal_date",
            ),
            models.CheckConstraint(
                condition=Q(reversed_on__isnull=True) | Q(reversed_on__gte=models.F("closed_on")),
                name="reversal_not_before_close",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"Deal #{self.pk}"


class ManagedAssignmentQuerySet(models.QuerySet["ManagedAssignment"]):
    def active_on(self, on: date) -> ManagedAssignmentQuerySet:
        return self.filter(Q(end__isnull=True) | Q(end__gt=on), start__lte=on)

    def co_managers_on(self, on: date) -> models.QuerySet[Any]:
        """For a ``Subquery``: how many partners manage ``OuterRef("client_id")`` on ``on``."""
        return (
            self.active_on(on)
            .filter(client_id=OuterRef("client_id"))
            .order_by()
            .values("client_id")
            .annotate(n=Count("partner_id", distinct=True))
            .values("n")
        )


class ManagedAssignment(models.Model):
    """A partner services (manages) a client from ``start`` until ``end`` (exclusive)."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="assignments")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="assignments")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)

    objects = ManagedAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-start"]
        indexes = [
            models.Index(fields=["client", "start"]),
            models.Index(fields=["partner", "start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")),
                name="assignment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} manages {self.client} from {self.start}"


class Renewal(models.Model):
    class Status(models.TextChoices):
        UPCOMING = "upcoming", "Upcoming"
        AT_RISK = "at_risk", "At risk"
        IN_PROGRESS = "in_progress", "In progress"
        RENEWED = "renewed", "Renewed"
        CHURNED = "churned", "Churned"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="renewals")
    date = models.DateField()
    products = models.CharField(max_length=300, blank=True)
    mrr_change = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    last_active_employee = models.CharField(max_length=200, blank=True)
    renewal_manager = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPCOMING)

    class Meta:
        ordering = ["date"]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.client} renews {self.date}"


class StaticList(models.Model):
    """A partner's named, hand-kept list of clients (made from a report or by hand)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="static_lists")
    # Who may delete the list besides the partner's super admins; lists made before the field
    # existed have none, so only super admins may delete them.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="static_lists",
    )
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "partner", name="static_list_name_unique_per_partner"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StaticListMember(models.Model):
    """A client on a static list; a client is on a list at most once."""

    list = models.ForeignKey(StaticList, on_delete=models.CASCADE, related_name="members")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="list_memberships")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["list", "client__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["list", "client"], name="static_list_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.client} on {self.list}"


class SavedReport(models.Model):
    """A dashboard report (a figure's kind and a date range) kept to run again."""

    class Kind(models.TextChoices):
        NEW_SOLD = "new_sold", "New sold points"
        LOST_SOLD = "lost_sold", "Lost sold points"
        NEW_MANAGED = "new_managed", "New managed points"
        LOST_MANAGED = "lost_managed", "Lost managed points"
        DEALS_CREATED = "deals_created", "Deals created"
        DEALS_IN_FLIGHT = "deals_in_flight", "Sourced in-flight deals"
        DEALS_CLOSED_WON = "deals_closed_won", "Closed-won deals"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="saved_reports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="saved_reports",
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    range_preset = models.CharField(
        max_length=20, blank=True, help_text="The preset the range was chosen by; empty if custom."
    )
    start = models.DateField()
    end = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["partner", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lte=models.F("end")), name="saved_report_range_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AccountMetrics(models.Model):
    """A partner's account metrics (PROGRAM.md §8) on one day, written by the nightly recompute
    and again, debounced, after its clients, deals, MRR or assignments change, so that pages
    and the API read one row instead of a year of MRR records.

    Figures are kept exact; pages round them when shown. ``csr_months`` holds the 12 complete
    months before ``on``, oldest first: ``{"month", "start_mrr", "retained_mrr", "csr",
    "clients", "churned_ids"}`` with decimals as strings (the MRR sums of the clients' figures as
    shown, the exact ratio).
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="account_metrics")
    on = models.DateField()
    sourced_mrr_12m = models.DecimalField(max_digits=24, decimal_places=6)
    csr_12m = models.DecimalField(
        max_digits=16, decimal_places=12, null=True, blank=True, help_text="None: no month counted."
    )
    csr_months = models.JSONField(default=list)
    median_tool_usage = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partner", "-on"]
        verbose_name = "account metrics"
        verbose_name_plural = "account metrics"
        constraints = [
            models.UniqueConstraint(fields=["partner", "on"], name="account_metrics_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.partner} on {self.on}"
