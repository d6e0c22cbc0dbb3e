"""Bulk builders for the query-count tests: hundreds of clients in a handful of queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from clients.models import Client, ManagedAssignment, MrrRecord, StaticList, StaticListMember
from partners.models import Partner
from points.models import LedgerEntry
from program.models import Track


def bulk_clients(*, partner: Partner, count: int, on: date, prefix: str = "Bulk") -> list[Client]:
    """``count`` managed clients, each with an MRR record and a +10 managed entry on ``on``."""
    clients = Client.objects.bulk_create(
        [
            Client(
                name=f"{prefix} {n:04d}",
                domain=f"{prefix.lower()}{n}.p{partner.pk}.test",
                country="US",
                currency="USD",
            )
            for n in range(count)
        ]
    )
    MrrRecord.objects.bulk_create(
        [MrrRecord(client=c, date=on, mrr=Decimal("1000")) for c in clients]
    )
    ManagedAssignment.objects.bulk_create(
        [ManagedAssignment(partner=partner, client=c, start=on) for c in clients]
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                partner=partner,
                client=c,
                track=Track.MANAGED,
                kind=LedgerEntry.Kind.MANAGED_CHANGE,
                points=Decimal("10"),
                effective_on=on,
                idempotency_key=f"test:{prefix}:{partner.pk}:{c.pk}",
            )
            for c in clients
        ]
    )
    return clients


def bulk_list(*, partner: Partner, clients: list[Client], name: str = "Everyone") -> StaticList:
    static_list, _ = StaticList.objects.get_or_create(partner=partner, name=name)
    StaticListMember.objects.bulk_create(
        [StaticListMember(list=static_list, client=c) for c in clients], ignore_conflicts=True
    )
    return static_list
