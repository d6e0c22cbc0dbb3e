"""The dashboard's account figures: upcoming renewals, sourced deals, C$R months and the C$R
percentage they are shown as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet

from clients.metrics import AccountMetricsFigures
from clients.models import Client, Deal, Renewal
from clients.selectors import (
    RENEWAL_DEADLINE_DAYS,
    account_metric,
    client_id_sets,
    csr_month_details,
)
from partners.models import Partner
from program import engine
from program.rules import rules_load

RENEWAL_WINDOW_DAYS = 120
_HUNDRED = Decimal(100)


def csr_percent(csr: Decimal | None) -> Decimal | None:
    """A C$R ratio as the percentage shown, rounded half-up to 2 places."""
    return None if csr is None else engine.round_half_up(csr * _HUNDRED)


@dataclass(frozen=True)
class UpcomingRenewal:
    """A renewal of one of the partner's clients, with its time to renew and deadline."""

    renewal: Renewal
    days_to_renew: int
    deadline: date
    days_to_deadline: int


def upcoming_renewals(
    *, partner: Partner, on: date, days: int = RENEWAL_WINDOW_DAYS, limit: int | None = None
) -> list[UpcomingRenewal]:
    """D6: renewals dated from ``on`` to ``on + days`` of the partner's clients, soonest first.

    The partner's clients are those of ``clients.selectors.client_ids_of`` (managed on ``on``
    or with a deal won in the 12 months before), read here as subqueries so the whole table
    is one query. The renewal deadline is 45 days before the renewal date. ``limit`` keeps the
    soonest ones only (``upcoming_renewals_count`` counts them all).
    """
    renewals = _upcoming_renewals(partner=partner, on=on, days=days).select_related("client")
    if limit is not None:
        renewals = renewals[:limit]
    rows = []
    for renewal in renewals:
        deadline = renewal.date - timedelta(days=RENEWAL_DEADLINE_DAYS)
        rows.append(
            UpcomingRenewal(
                renewal=renewal,
                days_to_renew=(renewal.date - on).days,
                deadline=deadline,
                days_to_deadline=(deadline - on).days,
            )
        )
    return rows


def upcoming_renewals_count(*, partner: Partner, on: date, days: int = RENEWAL_WINDOW_DAYS) -> int:
    """How many renewals ``upcoming_renewals`` has in all (an ``account_metric``)."""
    return account_metric(
        f"renewals-{days}",
        partner=partner,
        on=on,
        compute=lambda: _upcoming_renewals(partner=partner, on=on, days=days).count(),
    )


def _upcoming_renewals(*, partner: Partner, on: date, days: int) -> QuerySet[Renewal]:
    managed, won = client_id_sets(partner=partner, on=on)
    return (
        Renewal.objects.filter(date__gte=on, date__lte=on + timedelta(days=days))
        .filter(Q(client_id__in=managed) | Q(client_id__in=won))
        .order_by("date", "client__name", "id")
    )


@dataclass(frozen=True)
class SourcedDeal:
    """A sourced deal counted in the rolling 12-month sourced MRR, with its MRR in US$ as
    shown (half-up to 2 places): the figure is the sum of these."""

    deal: Deal
    mrr_usd: Decimal


def sourced_deals_12m(*, partner: Partner, on: date) -> list[SourcedDeal]:
    """The deals behind ``clients.selectors.sourced_mrr_12m``: sourced deals closed-won in the
    12 months up to ``on`` (a deal reversed after ``on`` still counts), latest first."""
    rules = rules_load()
    deals = (
        Deal.objects.filter(partner=partner, deal_type=Deal.DealType.SOURCED)
        .won_in_12_months_to(on)
        .select_related("client")
        .order_by("-closed_on", "-id")
    )
    return [
        SourcedDeal(
            deal=deal,
            mrr_usd=engine.round_half_up(rules.usd(deal.mrr, deal.client.currency, deal.closed_on)),
        )
        for deal in deals
        if deal.closed_on is not None
    ]


@dataclass(frozen=True)
class CsrMonth:
    """One complete month of C$R as shown: start-of-month MRR (US$) of the clients counted,
    the part of it still paying on the next month's first day, their ratio as a percentage,
    how many clients were counted, and those that churned."""

    month: date
    start_mrr: Decimal
    retained_mrr: Decimal
    csr_percent: Decimal | None
    clients: int
    churned: list[Client]


def csr_months(*, metrics: AccountMetricsFigures) -> list[CsrMonth]:
    """The 12 complete months behind the stored 12-month C$R, oldest first, with the
    churned clients (one query)."""
    churned_ids = {c for month in metrics.csr_months for c in month["churned_ids"]}
    clients = Client.objects.in_bulk(churned_ids)
    months = []
    for month in metrics.csr_months:
        start, retained = Decimal(month["start_mrr"]), Decimal(month["retained_mrr"])
        months.append(
            CsrMonth(
                month=date.fromisoformat(month["month"]),
                start_mrr=engine.round_half_up(start),
                retained_mrr=engine.round_half_up(retained),
                csr_percent=None if month["csr"] is None else csr_percent(Decimal(month["csr"])),
                clients=int(month["clients"]),
                churned=sorted(
                    (clients[c] for c in month["churned_ids"] if c in clients),
                    key=lambda client: (client.name, client.pk),
                ),
            )
        )
    return months


@dataclass(frozen=True)
class CsrClient:
    """A client counted in one month's C$R: its US$ MRR on the month's first day (as shown)
    and whether it still paid on the next month's first day."""

    client: Client
    start_mrr: Decimal
    retained: bool


def csr_month_clients(*, partner: Partner, month: date) -> list[CsrClient]:
    """Every client counted in the C$R of the month starting on ``month``, largest first."""
    detail = csr_month_details(partner=partner, on=month, rules=rules_load(), months=[month])[0]
    clients = Client.objects.in_bulk(detail.start_mrr)
    rows = [
        CsrClient(clients[c], engine.round_half_up(mrr), c not in detail.churned)
        for c, mrr in detail.start_mrr.items()
    ]
    return sorted(rows, key=lambda row: (-row.start_mrr, row.client.name, row.client.pk))
