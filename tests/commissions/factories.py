"""Builders for commission tests: bulk client histories and month-end rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from clients.models import Client, Deal, MrrRecord
from commissions.models import MonthEndRate
from partners.models import Partner


def month_end_rate(currency: str, month: str, per_100_usd: str) -> MonthEndRate:
    year, number = (int(part) for part in month.split("-"))
    return MonthEndRate.objects.create(
        currency=currency, month=date(year, number, 1), per_100_usd=Decimal(per_100_usd)
    )


def bulk_clients(
    partner: Partner,
    count: int,
    *,
    prefix: str = "Bulk",
    mrr: Decimal = Decimal("1000"),
    since: date = date(2024, 12, 1),
    won_on: date = date(2025, 1, 10),
) -> list[Client]:
    """``count`` USD clients, each with one MRR record and one deal won by ``partner``."""
    Client.objects.bulk_create(
        Client(name=f"{prefix} {n:03d}", domain=f"{prefix.lower()}{n}.{partner.pk}.test")
        for n in range(count)
    )
    clients = list(
        Client.objects.filter(
            domain__startswith=prefix.lower(), domain__endswith=f".{partner.pk}.test"
        )
    )
    MrrRecord.objects.bulk_create(MrrRecord(client=c, date=since, mrr=mrr) for c in clients)
    Deal.objects.bulk_create(
        Deal(
            partner=partner,
            client=c,
            deal_type=Deal.DealType.SOURCED,
            mrr=mrr,
            stage=Deal.Stage.CLOSED_WON,
            created_on=won_on,
            closed_on=won_on,
        )
        for c in clients
    )
    return clients
