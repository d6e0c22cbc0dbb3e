"""Reads behind the client pages, static lists and saved reports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from clients.models import (
    Client,
    Deal,
    ManagedAssignment,
    MrrRecord,
    Renewal,
    SavedReport,
    StaticList,
    StaticListMember,
)
from clients.selectors import RENEWAL_DEADLINE_DAYS
from partners.models import Partner
from points.models import LedgerEntry
from points.selectors import ledger_sum
from program.models import Track


def _is_partners(partner: Partner) -> Q:
    """A client of ``partner``: one with a ledger entry, deal or managed assignment of it."""
    return Q(
        Exists(LedgerEntry.objects.filter(partner=partner, client_id=OuterRef("pk")))
        | Exists(Deal.objects.filter(partner=partner, client_id=OuterRef("pk")))
        | Exists(ManagedAssignment.objects.filter(partner=partner, client_id=OuterRef("pk")))
    )


def client_of(*, partner: Partner, client_id: int) -> Client | None:
    """The client if it is one of the partner's (a ledger entry, deal or assignment of it)."""
    return Client.objects.filter(pk=client_id).filter(_is_partners(partner)).first()


def own_client_ids(*, partner: Partner, client_ids: Iterable[int]) -> set[int]:
    """Those of ``client_ids`` that are the partner's clients (as ``client_of``), in one query."""
    wanted = set(client_ids)
    if not wanted:
        return set()
    mine = Client.objects.filter(pk__in=wanted).filter(_is_partners(partner))
    return set(mine.values_list("pk", flat=True))


@dataclass(frozen=True)
class ClientRecord:
    """What one partner may see of one of its clients (PROGRAM.md: never another partner's)."""

    client: Client
    deals: list[Deal]
    managed_since: date | None
    co_managers: int
    sold_points: Decimal
    managed_points: Decimal
    mrr_history: list[MrrRecord]
    renewals: list[Renewal]

    @property
    def managed(self) -> bool:
        return self.managed_since is not None

    @property
    def current_mrr(self) -> MrrRecord | None:
        return self.mrr_history[-1] if self.mrr_history else None

    @property
    def renewal_deadlines(self) -> list[tuple[Renewal, date]]:
        """Each renewal with its deadline (``RENEWAL_DEADLINE_DAYS`` before its date)."""
        return [(r, r.date - timedelta(days=RENEWAL_DEADLINE_DAYS)) for r in self.renewals]


def client_record(*, partner: Partner, client_id: int, on: date) -> ClientRecord | None:
    """The client record (C1) as ``partner`` sees it on ``on``; None unless it is its client.

    Only this partner's deals and points; of the other partners, only how many of them
    share the managed split (and only when this partner manages the client).
    """
    client = client_of(partner=partner, client_id=client_id)
    if client is None:
        return None
    deals = list(partner.deals.filter(client=client).order_by("-created_on", "-id"))
    own = partner.assignments.filter(client=client).active_on(on).order_by("start").first()
    co_managers = 0
    if own is not None:
        co_managers = (
            ManagedAssignment.objects.filter(client=client)
            .active_on(on)
            .exclude(partner=partner)
            .values("partner_id")
            .distinct()
            .count()
        )
    sums = partner.ledger_entries.filter(client=client, effective_on__lte=on).aggregate(
        sold=Sum("points", filter=Q(track=Track.SOLD)),
        managed=Sum("points", filter=Q(track=Track.MANAGED)),
    )
    return ClientRecord(
        client=client,
        deals=deals,
        managed_since=own.start if own else None,
        co_managers=co_managers,
        sold_points=ledger_sum(sums["sold"]),
        managed_points=ledger_sum(sums["managed"]),
        mrr_history=list(client.mrr_records.filter(date__lte=on).order_by("date")),
        renewals=list(client.renewals.order_by("date")),
    )


def client_ledger_entries(
    *,
    partner: Partner,
    client_id: int,
    track: str = "",
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[LedgerEntry]:
    """This partner's ledger entries for one client, newest first: the "why" behind its points."""
    entries = partner.ledger_entries.filter(client_id=client_id).select_related("deal")
    if track:
        entries = entries.filter(track=track)
    if start is not None:
        entries = entries.filter(effective_on__gte=start)
    if end is not None:
        entries = entries.filter(effective_on__lte=end)
    return entries.order_by("-effective_on", "-id")


def static_lists(*, partner: Partner) -> QuerySet[StaticList]:
    """The partner's static lists by name, each with its ``member_count``."""
    return partner.static_lists.annotate(member_count=Count("members")).order_by("name", "id")


def static_list_members(*, partner: Partner, list_id: int) -> QuerySet[StaticListMember]:
    """The clients on one of the partner's lists, by name."""
    return (
        StaticListMember.objects.filter(list__partner=partner, list_id=list_id)
        .select_related("client")
        .order_by("client__name", "client_id")
    )


STATIC_LIST_COLUMNS = ["Client ID", "Client", "Domain", "Country", "Currency", "Added on"]


def static_list_rows(*, partner: Partner, list_id: int) -> Iterator[tuple[object, ...]]:
    """One export row per client on one of the partner's lists."""
    rows = static_list_members(partner=partner, list_id=list_id).values_list(
        "client_id",
        "client__name",
        "client__domain",
        "client__country",
        "client__currency",
        "added_at",
    )
    for client_id, name, domain, country, currency, added_at in rows.iterator(chunk_size=2000):
        yield (client_id, name, domain, str(country), currency, timezone.localdate(added_at))


def saved_reports(*, partner: Partner) -> QuerySet[SavedReport]:
    """The partner's saved reports by name."""
    return partner.saved_reports.select_related("created_by").order_by("name", "id")
