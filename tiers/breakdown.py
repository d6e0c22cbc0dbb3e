"""The Points Breakdown (T5): a partner's clients with their points, filtered, sorted and
exported, and the client detail (T6): one client's points history as that partner sees it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Exists, ExpressionWrapper, F, OuterRef, QuerySet

from clients.models import Client, Deal, ManagedAssignment, MrrRecord
from core import figures
from partners.models import Partner
from points.models import LedgerEntry
from points.selectors import client_rows
from program import engine
from program.models import Track

BREAKDOWN_SORTS: dict[str, str] = {
    "client": "name",
    "country": "country",
    "sold": "sold",
    "managed": "managed",
    "combined": "combined",
}
DEFAULT_SORT = "-combined"


def growth_countries(*, rules: engine.Rules, on: date) -> list[str]:
    """The countries that are growth markets on ``on``."""
    return sorted({m.country for m in rules.markets if rules.is_growth_market(m.country, on)})


def breakdown_rows(
    *,
    partner: Partner,
    on: date,
    rules: engine.Rules,
    deal_type: str = "",
    market_type: str = "",
    sort: str = DEFAULT_SORT,
) -> QuerySet[Client]:
    """The partner's clients with its sold, managed and combined points, filtered and sorted.

    ``deal_type`` keeps clients with a closed-won deal of that type by this partner;
    ``market_type`` is ``growth`` or ``standard``; ``sort`` is a key of ``BREAKDOWN_SORTS``,
    ``-`` first for descending. One query, whatever the number of clients.

    The annotated points are exact (``combined`` is there to sort on): a page shows its rows
    through ``core.figures.with_shown_points``, whose combined is the sum of the
    sold and managed points as shown.
    """
    rows = client_rows(partner=partner, on=on).annotate(
        combined=ExpressionWrapper(
            F("sold") + F("managed"), output_field=DecimalField(max_digits=20, decimal_places=6)
        )
    )
    if deal_type:
        won = (
            Deal.objects.filter(partner=partner, client_id=OuterRef("pk"), deal_type=deal_type)
            .closed_won()
            .order_by()
        )
        rows = rows.filter(Exists(won))
    if market_type:
        growth = growth_countries(rules=rules, on=on)
        rows = (
            rows.filter(country__in=growth)
            if market_type == "growth"
            else rows.exclude(country__in=growth)
        )
    field = BREAKDOWN_SORTS[sort.removeprefix("-")]
    order = f"-{field}" if sort.startswith("-") else field
    return rows.order_by(order, "name", "pk")


BREAKDOWN_EXPORT_HEADER = [
    "Client",
    "Domain",
    "Country",
    "Market type",
    "Sold",
    "Managed",
    "Combined",
]


def breakdown_export_rows(rows: QuerySet[Client], growth: set[str]) -> Iterator[tuple[Any, ...]]:
    """One export row per breakdown row (``BREAKDOWN_EXPORT_HEADER``), figures as shown: the
    page's digits, combined the sum of sold and managed as shown."""
    for client in rows.iterator(chunk_size=2000):
        code = str(client.country)
        shown = figures.points_pair(client.sold, client.managed)  # type: ignore[attr-defined]
        yield (
            client.name,
            client.domain,
            code,
            "Growth" if code in growth else "Standard",
            shown.sold,
            shown.managed,
            shown.combined,
        )


def partner_client(*, partner: Partner, client_id: int) -> Client | None:
    """The client if it is one of ``partner``'s (a ledger entry, deal or assignment), else None."""
    mine = (
        Exists(LedgerEntry.objects.filter(partner=partner, client_id=OuterRef("pk")))
        | Exists(Deal.objects.filter(partner=partner, client_id=OuterRef("pk")))
        | Exists(ManagedAssignment.objects.filter(partner=partner, client_id=OuterRef("pk")))
    )
    return Client.objects.filter(pk=client_id).filter(mine).first()


@dataclass(frozen=True)
class SoldEntry:
    """A sold gain of this partner on this client: active, expired or reversed."""

    won_on: date
    deal: str
    deal_type: str
    points: Decimal
    expires_on: date | None
    status: str
    ended_on: date | None


@dataclass(frozen=True)
class HistoryEntry:
    on: date
    track: str
    kind: str
    points: Decimal
    sold_after: Decimal
    managed_after: Decimal


@dataclass(frozen=True)
class ClientDetail:
    """One client as this partner sees it: only its own figures, and how many co-managers.

    ``sold`` and ``managed`` are shown from the exact sums of the ledger entries (the same
    digits as the breakdown row, the client list and the client record), ``combined`` is
    their sum as shown.
    """

    client: Client
    growth_market: bool
    sold: Decimal
    managed: Decimal
    combined: Decimal
    co_managers: int
    managing_since: date | None
    current_mrr: Decimal | None
    sold_entries: list[SoldEntry]
    history: list[HistoryEntry]
    deals: list[Any]


def client_detail(
    *, partner: Partner, client: Client, on: date, rules: engine.Rules
) -> ClientDetail:
    """This partner's sold and managed history with ``client``, its deals and active points."""
    entries = list(
        LedgerEntry.objects.filter(partner=partner, client=client, effective_on__lte=on)
        .select_related("deal")
        .order_by("effective_on", "id")
    )
    ended: dict[int, tuple[str, date]] = {}
    for entry in entries:
        if entry.deal_id is not None and entry.kind == LedgerEntry.Kind.DEAL_REVERSED:
            ended[entry.deal_id] = ("reversed", entry.effective_on)
        elif entry.deal_id is not None and entry.kind == LedgerEntry.Kind.SOLD_EXPIRED:
            ended.setdefault(entry.deal_id, ("expired", entry.effective_on))
    sold = managed = Decimal(0)
    history = []
    sold_entries = []
    for entry in entries:
        if entry.track == Track.SOLD:
            sold += entry.points
        else:
            managed += entry.points
        history.append(
            HistoryEntry(
                entry.effective_on,
                entry.get_track_display(),
                entry.get_kind_display(),
                figures.shown(entry.points),
                figures.shown(sold),
                figures.shown(managed),
            )
        )
        if entry.kind != LedgerEntry.Kind.DEAL_WON:
            continue
        status, ended_on = ended.get(entry.deal_id or 0, ("active", None))
        if status == "active" and entry.expires_on is not None and entry.expires_on <= on:
            status, ended_on = "expired", entry.expires_on
        sold_entries.append(
            SoldEntry(
                won_on=entry.effective_on,
                deal=str(entry.deal) if entry.deal else "",
                deal_type=entry.deal.get_deal_type_display() if entry.deal else "",
                points=figures.shown(entry.points),
                expires_on=entry.expires_on,
                status=status,
                ended_on=ended_on,
            )
        )
    active = ManagedAssignment.objects.filter(client=client).active_on(on)
    own = active.filter(partner=partner).order_by("start").first()
    co_managers = active.exclude(partner=partner).values("partner_id").distinct().count()
    latest = MrrRecord.objects.filter(client=client, date__lte=on).order_by("-date").first()
    deals = list(Deal.objects.filter(partner=partner, client=client).order_by("-created_on", "-id"))
    shown = figures.points_pair(sold, managed)
    return ClientDetail(
        client=client,
        growth_market=rules.is_growth_market(str(client.country), on),
        sold=shown.sold,
        managed=shown.managed,
        combined=shown.combined,
        co_managers=co_managers,
        managing_since=own.start if own else None,
        current_mrr=latest.mrr if latest else None,
        sold_entries=list(reversed(sold_entries)),
        history=list(reversed(history)),
        deals=deals,
    )
