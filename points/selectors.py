"""Reads of the ledger: partners' balances on a day, pair balances, sold gains still active,
the partner's clients with their points, and the partner ranges of a fan-out."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from clients.models import Client, ManagedAssignment, MrrRecord
from clients.selectors import clients_of
from partners.models import Partner
from points.models import LedgerEntry
from program import engine
from program.models import Track

LEDGER_PLACES = 6
ZERO = Decimal(0)


def ledger_points(value: Decimal) -> Decimal:
    """A number of points at the ledger's precision (6 places, half up)."""
    return engine.round_half_up(value, LEDGER_PLACES)


def ledger_sum(value: Decimal | float | None) -> Decimal:
    """A SUM of ledger points at the ledger's precision.

    PostgreSQL sums numerics exactly; SQLite sums them as floats, whose residue (a gain and
    its expiry summing to 1e-18) must not read as points.
    """
    if value is None:
        return ZERO
    return engine.round_half_up(Decimal(str(value)), LEDGER_PLACES)


def balances_on(*, on: date, partner_ids: list[int] | None = None) -> dict[int, dict[str, Decimal]]:
    """Each partner's sold and managed points on ``on``: the sum of its entries up to that day."""
    rows = LedgerEntry.objects.filter(effective_on__lte=on)
    if partner_ids is not None:
        rows = rows.filter(partner_id__in=partner_ids)
    result: dict[int, dict[str, Decimal]] = defaultdict(
        lambda: {Track.SOLD: ZERO, Track.MANAGED: ZERO}
    )
    for partner_id, track, points in (
        rows.values_list("partner_id", "track").annotate(points=Sum("points")).order_by()
    ):
        result[partner_id][track] = ledger_sum(points)
    return result


def pair_balances_on(
    *, on: date, partner_ids: list[int] | None = None
) -> dict[tuple[int, int, str], Decimal]:
    """Each (partner, client, track)'s points on ``on``: one grouped pass over the ledger.

    The recompute uses it for a day earlier than the ledger's latest; on a current day it
    reads the pair balances the database keeps instead (``points.ledger``).
    ``partner_totals`` turns it into ``balances_on``'s figures.
    """
    exact = connection.vendor == "postgresql"  # numeric sums need no rounding back
    rows = LedgerEntry.objects.filter(effective_on__lte=on)
    if partner_ids is not None:
        rows = rows.filter(partner_id__in=partner_ids)
    return {
        (partner_id, client_id, track): points if exact else ledger_sum(points)
        for partner_id, client_id, track, points in (
            # Fetched at once: a server-side cursor would make the planner favour a
            # fast-start index walk over the ledger instead of one hashed pass.
            rows.values_list("partner_id", "client_id", "track")
            .annotate(points=Sum("points"))
            .order_by()
        )
    }


def balances_are_current(*, on: date, partner_ids: list[int] | None = None) -> bool:
    """Whether the pair balances are these partners' points on ``on``: no entry is dated later.

    One index probe: entries after ``on`` exist only when a day after it has been recomputed
    or an adjustment is dated ahead.
    """
    later = LedgerEntry.objects.filter(effective_on__gt=on, kind__in=LedgerEntry.Kind.values)
    if partner_ids is not None:
        later = later.filter(partner_id__in=partner_ids)
    return not later.exists()


def partner_totals(
    pairs: dict[tuple[int, int, str], Decimal],
) -> dict[int, dict[str, Decimal]]:
    """Per-partner sold and managed sums of ``pair_balances_on``'s rows (as ``balances_on``)."""
    result: dict[int, dict[str, Decimal]] = defaultdict(
        lambda: {Track.SOLD: ZERO, Track.MANAGED: ZERO}
    )
    for (partner_id, _client_id, track), points in pairs.items():
        result[partner_id][track] += points
    return result


def partner_balance(*, partner: Partner, on: date) -> tuple[Decimal, Decimal]:
    """(sold, managed) points of one partner on ``on``."""
    sums = LedgerEntry.objects.filter(partner=partner, effective_on__lte=on).aggregate(
        sold=Sum("points", filter=Q(track=Track.SOLD)),
        managed=Sum("points", filter=Q(track=Track.MANAGED)),
    )
    return ledger_sum(sums["sold"]), ledger_sum(sums["managed"])


def active_sold_gains(*, partner: Partner, on: date) -> list[engine.SoldGain]:
    """Sold gains still active on ``on`` (not expired, not reversed by then), one per day won.

    A gain's expiry depends only on the day it was won, so the gains of one day are summed in
    SQL: every projection gives the same figures from a few hundred rows instead of one per
    deal.
    """
    # The deals lost by ``on``: one hashed set, not an index probe per gain. Expiries and
    # reversals always name their deal (the recompute writes them from the gain's).
    lost = LedgerEntry.objects.filter(
        partner=partner,
        kind__in=[LedgerEntry.Kind.SOLD_EXPIRED, LedgerEntry.Kind.DEAL_REVERSED],
        effective_on__lte=on,
    ).values("deal_id")
    gains = (
        LedgerEntry.objects.filter(
            partner=partner, kind=LedgerEntry.Kind.DEAL_WON, effective_on__lte=on, expires_on__gt=on
        )
        .exclude(deal_id__in=lost)
        .order_by("effective_on")
        .values("effective_on")
        .annotate(total=Sum("points"))
        .values_list("effective_on", "total")
    )
    return [engine.SoldGain(won_on=won_on, points=points) for won_on, points in gains]


def client_rows(*, partner: Partner, on: date, search: str = "") -> QuerySet[Client]:
    """The partner's clients with this partner's sold and managed points and current MRR.

    One query whatever the number of clients. The points are the pair balances the database
    keeps (one joined row a client) when they are the points on ``on``, else correlated sums
    of the ledger; the MRR is a correlated subquery.
    """
    figure: DecimalField[Decimal, Decimal] = DecimalField(max_digits=20, decimal_places=6)

    def points(track: str) -> Coalesce:
        total = (
            LedgerEntry.objects.filter(
                partner=partner, client_id=OuterRef("pk"), track=track, effective_on__lte=on
            )
            .order_by()
            .values("client_id")
            .annotate(total=Sum("points"))
            .values("total")
        )
        return Coalesce(Subquery(total), Value(Decimal(0)), output_field=figure)

    latest = MrrRecord.objects.filter(client_id=OuterRef("pk"), date__lte=on).order_by("-date")
    rows = clients_of(partner=partner, on=on)
    if balances_are_current(on=on, partner_ids=[partner.pk]):
        rows = rows.annotate(
            balance=FilteredRelation("pair_balances", condition=Q(pair_balances__partner=partner)),
            sold=Coalesce(F("balance__sold"), Value(Decimal(0)), output_field=figure),
            managed=Coalesce(F("balance__managed"), Value(Decimal(0)), output_field=figure),
        )
    else:
        rows = rows.annotate(sold=points(Track.SOLD), managed=points(Track.MANAGED))
    rows = rows.annotate(current_mrr=Subquery(latest.values("mrr")[:1]))
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(domain__icontains=search))
    return rows.order_by("name", "pk")


def ledger_entries(*, partner: Partner) -> QuerySet[LedgerEntry]:
    """The partner's ledger entries with their client and deal, newest first (a stable order)."""
    return partner.ledger_entries.select_related("client", "deal").order_by("-effective_on", "-id")


def partner_id_ranges(*, chunks: int) -> list[tuple[int, int]]:
    """Contiguous (first id, last id) partner ranges, at most ``chunks``, of about equal work.

    A partner weighs one plus its managed assignments, so that the largest partners do not all
    land in one range.
    """
    ids = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return []
    weight = dict(
        ManagedAssignment.objects.order_by()
        .values("partner_id")
        .annotate(n=Count("pk"))
        .values_list("partner_id", "n")
    )
    chunks = max(1, min(chunks, len(ids)))
    total = sum(1 + weight.get(pk, 0) for pk in ids)
    ranges: list[tuple[int, int]] = []
    start, reached = 0, 0
    for index, pk in enumerate(ids):
        reached += 1 + weight.get(pk, 0)
        left_ids, left_chunks = len(ids) - index - 1, chunks - len(ranges) - 1
        due = reached * chunks >= total * (len(ranges) + 1)
        if left_chunks > 0 and (due or left_ids == left_chunks):
            ranges.append((ids[start], pk))
            start = index + 1
    ranges.append((ids[start], ids[-1]))
    return ranges
