"""Admin for month-end rates (editable), commission payments and the never-edited lines."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString
from django_countries.filters import CountryFilter

from commissions.models import CommissionLine, CommissionPayment, MonthEndRate
from commissions.payments import commission_payment_mark_paid
from commissions.periods import CommissionError
from core.admin import ProgramModelAdmin, ReadOnlyModelAdmin, changelist_link, staff_user


@admin.register(MonthEndRate)
class MonthEndRateAdmin(ProgramModelAdmin):
    list_display = ("currency", "month_label", "per_100_usd")
    list_filter = ("currency", "month")
    search_fields = ("currency",)
    ordering = ("-month", "currency")
    date_hierarchy = "month"

    @admin.display(description="Month", ordering="month")
    def month_label(self, obj: MonthEndRate) -> str:
        return f"{obj.month:%Y-%m}"


@admin.register(CommissionPayment)
class CommissionPaymentAdmin(ProgramModelAdmin):
    """Payments are scheduled by the monthly job; here they are marked paid with a reference."""

    list_display = (
        "partner",
        "quarter",
        "scheduled_on",
        "amount_display",
        "status",
        "paid_on",
        "reference",
        "line_count",
    )
    list_filter = ("status", "currency", "scheduled_on", ("partner__country", CountryFilter))
    search_fields = ("partner__name", "reference")
    list_select_related = ("partner",)
    autocomplete_fields = ("partner",)
    ordering = ("-scheduled_on", "partner__name")
    date_hierarchy = "scheduled_on"
    actions = ("mark_paid_today",)
    fieldsets = (
        (None, {"fields": ("partner", "quarter_start", "scheduled_on", "currency", "amount")}),
        ("Payment", {"fields": ("status", "paid_on", "reference")}),
        ("Lines", {"fields": ("lines_link",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[CommissionPayment]:
        return super().get_queryset(request).annotate(line_count=Count("lines"))

    def get_readonly_fields(
        self, request: HttpRequest, obj: CommissionPayment | None = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ("lines_link",)
        # What is owed comes from the lines; only the payment itself is recorded here.
        return ("partner", "quarter_start", "currency", "amount", "lines_link")

    @admin.display(description="Quarter", ordering="quarter_start")
    def quarter(self, obj: CommissionPayment) -> str:
        return f"{obj.quarter_start.year} Q{(obj.quarter_start.month - 1) // 3 + 1}"

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj: CommissionPayment) -> str:
        return f"{obj.amount:,.2f} {obj.currency}"

    @admin.display(description="Lines", ordering="line_count")
    def line_count(self, obj: CommissionPayment) -> int:
        return int(getattr(obj, "line_count", 0))

    @admin.display(description="Commission lines")
    def lines_link(self, obj: CommissionPayment) -> SafeString | str:
        if obj.pk is None:
            return "—"
        return changelist_link(CommissionLine, "Lines in this payment", payment__id__exact=obj.pk)

    @admin.action(
        description="Mark selected scheduled payments as paid today", permissions=["change"]
    )
    def mark_paid_today(self, request: HttpRequest, queryset: QuerySet[CommissionPayment]) -> None:
        scheduled = CommissionPayment.objects.filter(
            pk__in=queryset.values("pk"), status=CommissionPayment.Status.SCHEDULED
        )
        count = 0
        for payment in scheduled.order_by("pk"):  # one audit-log entry per payment
            try:
                commission_payment_mark_paid(
                    payment=payment,
                    paid_on=timezone.localdate(),
                    reference=payment.reference,
                    by=staff_user(request),
                )
            except CommissionError:  # marked paid meanwhile
                continue
            count += 1
        self.message_user(request, f"{count} payment(s) marked as paid.", messages.SUCCESS)


@admin.register(CommissionLine)
class CommissionLineAdmin(ReadOnlyModelAdmin):
    """Commission lines are never edited (a restatement is a new line): view only."""

    list_display = (
        "month_label",
        "partner",
        "client",
        "kind",
        "mrr_display",
        "share",
        "fx_per_100_usd",
        "amount_display",
        "estimated",
        "payment",
    )
    list_filter = (
        "kind",
        "estimated",
        "currency",
        "payment__status",
        ("client__country", CountryFilter),
    )
    search_fields = (
        "partner__name",
        "client__name",
        "client__domain",
        "idempotency_key",
        "payment__reference",
    )
    list_select_related = ("partner", "client", "payment", "payment__partner")
    ordering = ("-month", "client__name")
    date_hierarchy = "month"

    @admin.display(description="Month", ordering="month")
    def month_label(self, obj: CommissionLine) -> str:
        return f"{obj.month:%Y-%m}"

    @admin.display(description="MRR", ordering="mrr")
    def mrr_display(self, obj: CommissionLine) -> str:
        return f"{obj.mrr:,.2f} {obj.mrr_currency}"

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj: CommissionLine) -> str:
        return f"{obj.amount:,.2f} {obj.currency}"
