"""Reads of a partner's commission statements and payments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from clients.models import Client
from commissions.models import CommissionLine, CommissionPayment
from partners.models import Partner
from program import engine

_ZERO = Decimal(0)


@dataclass(frozen=True)
class CommissionOverview:
    last_paid: CommissionPayment | None
    next_scheduled: CommissionPayment | None
    payments: list[CommissionPayment]


def commission_overview(*, partner: Partner, on: date, limit: int = 12) -> CommissionOverview:
    """The partner's latest payments, the last one paid and the next one scheduled."""
    payments = list(
        CommissionPayment.objects.filter(partner=partner).order_by("-scheduled_on")[:limit]
    )
    paid = [p for p in payments if p.status == CommissionPayment.Status.PAID]
    scheduled = [
        p
        for p in payments
        if p.status == CommissionPayment.Status.SCHEDULED and p.scheduled_on >= on
    ]
    return CommissionOverview(
        last_paid=max(paid, key=lambda p: p.paid_on or p.scheduled_on, default=None),
        next_scheduled=min(scheduled, key=lambda p: p.scheduled_on, default=None),
        payments=payments,
    )


@dataclass(frozen=True)
class MonthSummary:
    """One month's statement in brief: how many clients and lines, and what it adds up to."""

    month: date
    clients: int
    lines: int
    estimated: int
    totals: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class Statement:
    """One month's lines (as filtered) with their totals per payout currency."""

    month: date
    lines: tuple[CommissionLine, ...]
    totals: tuple[tuple[str, Decimal], ...]

    @property
    def estimated(self) -> int:
        return sum(1 for line in self.lines if line.estimated)

    @property
    def last_day(self) -> date:
        return engine.add_months(self.month, 1) - timedelta(days=1)


def _totals(pairs: Iterable[tuple[str, Decimal]]) -> tuple[tuple[str, Decimal], ...]:
    sums: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    for currency, amount in pairs:
        sums[currency] += Decimal(str(amount))
    return tuple(sorted((c, a.quantize(Decimal("0.01"))) for c, a in sums.items()))


def statement_months(*, partner: Partner) -> list[MonthSummary]:
    """Every month the partner has commission lines for, latest first (one grouped query)."""
    rows = (
        CommissionLine.objects.filter(partner=partner)
        .values("month", "currency")
        .annotate(
            total=Sum("amount"),
            lines=Count("pk"),
            clients=Count("client", distinct=True),
            estimated=Count("pk", filter=Q(estimated=True)),
        )
        .order_by("-month", "currency")
    )
    grouped: dict[date, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["month"]].append(row)
    return [
        MonthSummary(
            month=month,
            clients=max(r["clients"] for r in parts),
            lines=sum(r["lines"] for r in parts),
            estimated=sum(r["estimated"] for r in parts),
            totals=_totals((r["currency"], r["total"]) for r in parts),
        )
        for month, parts in grouped.items()
    ]


def statement_clients(*, partner: Partner) -> QuerySet[Client]:
    """The clients the partner has commission lines for, by name (for the client filter)."""
    return (
        Client.objects.filter(
            pk__in=CommissionLine.objects.filter(partner=partner).values("client_id")
        )
        .only("pk", "name")
        .order_by("name", "pk")
    )


def statement_lines(
    *, partner: Partner, month: date | None = None, client_id: int | None = None
) -> QuerySet[CommissionLine]:
    """The partner's commission lines, latest month first, then by client and sequence."""
    lines = CommissionLine.objects.filter(partner=partner).select_related("client")
    if month is not None:
        lines = lines.filter(month=month)
    if client_id is not None:
        lines = lines.filter(client_id=client_id)
    return lines.order_by("-month", "client__name", "client_id", "sequence")


def statements_of(lines: Iterable[CommissionLine]) -> list[Statement]:
    """Group ordered lines into one statement per month, with totals."""
    by_month: dict[date, list[CommissionLine]] = {}
    for line in lines:
        by_month.setdefault(line.month, []).append(line)
    return [
        Statement(
            month=month,
            lines=tuple(its_lines),
            totals=_totals((line.currency, line.amount) for line in its_lines),
        )
        for month, its_lines in by_month.items()
    ]


STATEMENT_HEADER = (
    "Month",
    "Client",
    "Line",
    "Note",
    "MRR",
    "MRR currency",
    "FX rate (per US$100)",
    "Payout FX rate (per US$100)",
    "Share",
    "Commission",
    "Currency",
    "Status",
)


def statement_rows(statements: Iterable[Statement]) -> Iterator[tuple[object, ...]]:
    """The export rows of the statements as shown: one per line, figures at 2 places."""
    for statement in statements:
        for line in statement.lines:
            yield (
                f"{line.month:%Y-%m}",
                line.client.name,
                line.get_kind_display(),
                line.note,
                line.mrr,
                line.mrr_currency,
                line.fx_per_100_usd.quantize(Decimal("0.01")),
                line.payout_fx_per_100_usd.quantize(Decimal("0.01")),
                f"{line.share * 100:.0f}%",
                line.amount,
                line.currency,
                "Estimated" if line.estimated else "Final",
            )


@dataclass(frozen=True)
class PaymentRow:
    payment: CommissionPayment
    months: tuple[date, ...]
    lines: int


def payments_of(*, partner: Partner) -> QuerySet[CommissionPayment]:
    """The partner's payments, latest quarter first."""
    return CommissionPayment.objects.filter(partner=partner).order_by("-quarter_start")


def payment_rows(*, partner: Partner) -> list[PaymentRow]:
    """Every payment of the partner with the statement months its lines come from."""
    covered: dict[int, list[date]] = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    for payment_id, month, lines in (
        CommissionLine.objects.filter(partner=partner, payment__isnull=False)
        .values_list("payment_id", "month")
        .annotate(lines=Count("pk"))
        .order_by("payment_id", "month")
    ):
        covered[payment_id].append(month)
        counts[payment_id] += lines
    return [
        PaymentRow(payment=p, months=tuple(covered[p.pk]), lines=counts[p.pk])
        for p in payments_of(partner=partner)
    ]
