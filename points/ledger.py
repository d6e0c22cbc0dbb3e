"""Appends to the ledger what the nightly recompute finds due, and writes the daily snapshots.

Deal wins, reversals and expiries of sold gains, and the managed changes that bring each
(partner, client) pair to its target (PROGRAM.md §4–5): every entry carries an idempotency
key, so appending the same day twice writes nothing the second time. On a current day the
managed changes are compared with the pair balances the database keeps (``PairBalance``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Exists, OuterRef, Subquery, Sum
from django.utils import timezone

from clients.models import Deal, ManagedAssignment, MrrRecord
from points.models import DailySnapshot, LedgerEntry, PairBalance
from points.selectors import ledger_points, ledger_sum, pair_balances_on
from program import engine
from program.models import Track

BATCH = 2000


class _Entry(NamedTuple):
    """A ledger entry to append (a plain row: the managed changes run to 100,000s a night)."""

    partner_id: int
    client_id: int
    deal_id: int | None
    track: str
    kind: str
    points: Decimal
    effective_on: date
    expires_on: date | None
    idempotency_key: str
    reason: str = ""


def _insert(entries: list[_Entry]) -> int:
    """Append ``entries``, skipping any whose idempotency key is already in the ledger.

    Returns how many were written. On PostgreSQL the rows go through COPY into a temporary
    table and one ``INSERT … SELECT … ON CONFLICT DO NOTHING``.
    """
    if not entries:
        return 0
    if connection.vendor == "postgresql":
        return _insert_copy(entries)
    keys = [e.idempotency_key for e in entries]
    before = LedgerEntry.objects.filter(idempotency_key__in=keys).count()
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(**e._asdict()) for e in entries], batch_size=BATCH, ignore_conflicts=True
    )
    return LedgerEntry.objects.filter(idempotency_key__in=keys).count() - before


_INCOMING = "points_ledger_incoming"


def _insert_copy(entries: list[_Entry]) -> int:
    """``_insert`` on PostgreSQL: COPY into a temporary table, one INSERT skipping known keys."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_INCOMING} ON COMMIT DROP "
            f"AS SELECT {_COLUMNS} FROM {_LEDGER} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {_INCOMING} ({_COLUMNS}) FROM STDIN") as copy:
            for entry in entries:
                copy.write_row((*entry, now))
        cursor.execute(
            f"INSERT INTO {_LEDGER} ({_COLUMNS}) SELECT {_COLUMNS} FROM {_INCOMING} "
            "ON CONFLICT (idempotency_key) DO NOTHING"
        )
        written = max(cursor.rowcount, 0)
        cursor.execute(f"TRUNCATE {_INCOMING}")
    return written


def _insert_select(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


# The statements below are built from these constant names; every value is a bound parameter.
_LEDGER = LedgerEntry._meta.db_table
_DEAL = Deal._meta.db_table
_COLUMNS = (
    "partner_id, client_id, deal_id, track, kind, points, effective_on, expires_on, "
    "idempotency_key, reason, created_at"
)
# A hashed subplan over the (few) lost gains: one pass, not one index probe per gain.
_NOT_ALREADY_LOST = (
    f"w.deal_id NOT IN (SELECT x.deal_id FROM {_LEDGER} x "
    "WHERE x.kind IN ('deal_reversed', 'sold_expired') AND x.deal_id IS NOT NULL)"
)


def _partner_filter(column: str, partner_ids: list[int] | None) -> tuple[str, list[int]]:
    if partner_ids is None:
        return "", []
    if not partner_ids:
        return " AND 1 = 0", []
    placeholders = ", ".join(["%s"] * len(partner_ids))
    return f" AND {column} IN ({placeholders})", list(partner_ids)


def deal_wins_append(*, on: date, rules: engine.Rules, partner_ids: list[int] | None) -> int:
    """A deal won by ``on`` gains its sold points on its close date, once (PROGRAM.md §4)."""
    already = LedgerEntry.objects.filter(deal=OuterRef("pk"), kind=LedgerEntry.Kind.DEAL_WON)
    deals = (
        Deal.objects.closed_won()
        .filter(closed_on__lte=on)
        .exclude(Exists(already))
        .values_list(
            "pk",
            "partner_id",
            "client_id",
            "mrr",
            "deal_type",
            "closed_on",
            "client__currency",
            "client__country",
        )
        .order_by("pk")
    )
    if partner_ids is not None:
        deals = deals.filter(partner_id__in=partner_ids)
    created = 0
    batch: list[_Entry] = []
    for pk, partner_id, client_id, mrr, deal_type, closed_on, currency, country in deals.iterator(
        chunk_size=BATCH
    ):
        assert closed_on is not None  # closed_won() deals always have a close date
        points = engine.sold_points(
            rules,
            mrr=mrr,
            currency=currency,
            country=country,
            deal_type=deal_type,
            closed_on=closed_on,
        )
        batch.append(
            _Entry(
                partner_id=partner_id,
                client_id=client_id,
                deal_id=pk,
                track=Track.SOLD,
                kind=LedgerEntry.Kind.DEAL_WON,
                points=ledger_points(points),
                effective_on=closed_on,
                expires_on=engine.sold_expiry(closed_on),
                idempotency_key=f"won:{pk}",
            )
        )
        if len(batch) >= BATCH:
            created += _insert(batch)
            batch = []
    return created + _insert(batch)


def reversals_append(*, on: date, partner_ids: list[int] | None) -> int:
    """A reversed deal loses its remaining active points on the reversal date (one statement)."""
    where, ids = _partner_filter("w.partner_id", partner_ids)
    ops = connection.ops
    sql = (
        f"INSERT INTO {_LEDGER} ({_COLUMNS}) "
        "SELECT w.partner_id, w.client_id, w.deal_id, 'sold', 'deal_reversed', -w.points, "
        "d.reversed_on, NULL, 'reversed:' || w.deal_id, '', %s "
        f"FROM {_LEDGER} w JOIN {_DEAL} d ON d.id = w.deal_id "
        "WHERE w.kind = 'deal_won' AND d.stage = 'reversed' AND d.reversed_on <= %s "
        f"AND d.reversed_on < w.expires_on AND {_NOT_ALREADY_LOST}{where} "
        "ON CONFLICT (idempotency_key) DO NOTHING"
    )
    params: list[Any] = [
        ops.adapt_datetimefield_value(timezone.now()),
        ops.adapt_datefield_value(on),
        *ids,
    ]
    return _insert_select(sql, params)


def expiries_append(*, on: date, partner_ids: list[int] | None) -> int:
    """Sold gains whose 12 months are up expire on their expiry date (one statement)."""
    where, ids = _partner_filter("w.partner_id", partner_ids)
    ops = connection.ops
    sql = (
        f"INSERT INTO {_LEDGER} ({_COLUMNS}) "
        "SELECT w.partner_id, w.client_id, w.deal_id, 'sold', 'sold_expired', -w.points, "
        "w.expires_on, NULL, 'expired:' || w.deal_id, '', %s "
        f"FROM {_LEDGER} w "
        f"WHERE w.kind = 'deal_won' AND w.expires_on <= %s AND {_NOT_ALREADY_LOST}{where} "
        "ON CONFLICT (idempotency_key) DO NOTHING"
    )
    params: list[Any] = [
        ops.adapt_datetimefield_value(timezone.now()),
        ops.adapt_datefield_value(on),
        *ids,
    ]
    return _insert_select(sql, params)


def _active_pairs(*, on: date, partner_ids: list[int] | None) -> Any:
    """Assignments active on ``on`` with their client's co-managers and latest MRR."""
    active = ManagedAssignment.objects.active_on(on)
    co_managers = ManagedAssignment.objects.co_managers_on(on)
    latest_mrr = MrrRecord.objects.filter(client_id=OuterRef("client_id"), date__lte=on).order_by(
        "-date"
    )
    if partner_ids is not None:
        active = active.filter(partner_id__in=partner_ids)
    return active.annotate(
        n=Subquery(co_managers), current_mrr=Subquery(latest_mrr.values("mrr")[:1])
    ).order_by()


PAIR_COLUMNS = (
    "partner_id",
    "client_id",
    "client__currency",
    "client__country",
    "n",
    "current_mrr",
)


def _target(
    points: engine.ManagedPointsOn, currency: str, country: str, n: int, mrr: Any
) -> Decimal:
    if mrr is None:
        return Decimal(0)
    return ledger_points(points(mrr=mrr, currency=currency, country=country, co_managers=n))


def managed_targets(
    *, on: date, rules: engine.Rules, partner_ids: list[int] | None = None
) -> dict[tuple[int, int], Decimal]:
    """What each (partner, client) pair's managed points should be on ``on`` (PROGRAM.md §5)."""
    rows = _active_pairs(on=on, partner_ids=partner_ids).values_list(*PAIR_COLUMNS)
    points = engine.ManagedPointsOn(rules, on)
    return {
        (partner_id, client_id): _target(points, currency, country, n, mrr)
        for partner_id, client_id, currency, country, n, mrr in rows.iterator(chunk_size=BATCH)
    }


def _managed_entry(
    partner_id: int, client_id: int, on: date, balance: Decimal, change: Decimal
) -> _Entry:
    return _Entry(
        partner_id, client_id, None, Track.MANAGED, LedgerEntry.Kind.MANAGED_CHANGE,
        change, on, None, f"managed:{partner_id}:{client_id}:{on.isoformat()}:{balance:f}",
    )  # fmt: skip


def managed_changes_append(
    *,
    on: date,
    rules: engine.Rules,
    partner_ids: list[int] | None,
    pairs: dict[tuple[int, int, str], Decimal],
) -> int:
    """Bring every pair's managed balance to its target with one entry each where they differ.

    ``pairs`` holds the ledger's (partner, client, track) balances on ``on``; the managed ones
    are set to what they are once the entries written here are counted.
    """
    targets = managed_targets(on=on, rules=rules, partner_ids=partner_ids)
    balances = {(p, c): points for (p, c, track), points in pairs.items() if track == Track.MANAGED}
    entries: list[_Entry] = []
    for pair in targets.keys() | balances.keys():
        balance = balances.get(pair) or Decimal(0)
        change = engine.managed_change(targets.get(pair, Decimal(0)), balance)
        if change == 0:
            continue
        partner_id, client_id = pair
        pairs[(partner_id, client_id, Track.MANAGED)] = balance + change
        entries.append(_managed_entry(partner_id, client_id, on, balance, change))
    written = _insert(entries)
    if written != len(entries):
        # An entry already in the ledger under the same key was skipped: read the balances back.
        pairs.clear()
        pairs.update(pair_balances_on(on=on, partner_ids=partner_ids))
    return written


def managed_changes_append_kept(
    *, on: date, rules: engine.Rules, partner_ids: list[int] | None
) -> int:
    """``managed_changes_append`` for a day whose pair balances are current.

    Each active pair comes with its kept managed balance in the same query and is compared
    as it streams by; the pairs left with managed points and no active assignment go to 0.
    Only the differences are held, so memory does not grow with the number of pairs.
    """
    points = engine.ManagedPointsOn(rules, on)
    exact = connection.vendor == "postgresql"
    entries: list[_Entry] = []
    for partner_id, client_id, currency, country, n, mrr, kept_balance in _kept_pair_rows(
        on=on, partner_ids=partner_ids
    ):
        balance = _kept_points(kept_balance, exact=exact)
        change = engine.managed_change(_target(points, currency, country, n, mrr), balance)
        if change != 0:
            entries.append(_managed_entry(partner_id, client_id, on, balance, change))
    unassigned = (
        PairBalance.objects.exclude(managed=0)
        .exclude(
            Exists(
                ManagedAssignment.objects.active_on(on).filter(
                    partner_id=OuterRef("partner_id"), client_id=OuterRef("client_id")
                )
            )
        )
        .values_list("partner_id", "client_id", "managed")
    )
    if partner_ids is not None:
        unassigned = unassigned.filter(partner_id__in=partner_ids)
    for partner_id, client_id, kept_balance in unassigned:
        balance = _kept_points(kept_balance, exact=exact)
        if balance != 0:
            entries.append(_managed_entry(partner_id, client_id, on, balance, -balance))
    return _insert(entries)


def _kept_pair_rows(*, on: date, partner_ids: list[int] | None) -> Iterator[tuple[Any, ...]]:
    """(partner, client, currency, country, co-managers, latest MRR, kept managed) per pair."""
    kept = PairBalance.objects.filter(
        partner_id=OuterRef("partner_id"), client_id=OuterRef("client_id")
    ).values("managed")[:1]
    return (
        _active_pairs(on=on, partner_ids=partner_ids)
        .annotate(balance=Subquery(kept))
        .values_list(*PAIR_COLUMNS, "balance")
        .distinct()
        .iterator(chunk_size=BATCH)
    )


def _kept_points(value: Decimal | None, *, exact: bool) -> Decimal:
    """A kept balance at the ledger's precision; zero (of any scale) as ``Decimal(0)``.

    SQLite adds the entries as floats, whose residue must not read as points; PostgreSQL's
    numeric sums are ``exact``.
    """
    if value is None:
        return Decimal(0)
    return (value if exact else ledger_sum(value)) or Decimal(0)


def kept_partner_totals(*, partner_ids: list[int] | None) -> dict[int, dict[str, Decimal]]:
    """Each partner's sold and managed points from the pair balances (as ``partner_totals``)."""
    rows = PairBalance.objects.order_by()
    if partner_ids is not None:
        rows = rows.filter(partner_id__in=partner_ids)
    result: dict[int, dict[str, Decimal]] = defaultdict(
        lambda: {Track.SOLD: Decimal(0), Track.MANAGED: Decimal(0)}
    )
    for partner_id, sold, managed in (
        rows.values("partner_id")
        .annotate(sold=Sum("sold"), managed=Sum("managed"))
        .values_list("partner_id", "sold", "managed")
    ):
        result[partner_id] = {Track.SOLD: ledger_sum(sold), Track.MANAGED: ledger_sum(managed)}
    return result


def snapshots_write(
    *, on: date, balances: dict[int, dict[str, Decimal]], partner_ids: list[int]
) -> int:
    """Upsert each partner's snapshot for ``on``; an unchanged snapshot is not written."""
    existing = {
        s.partner_id: s for s in DailySnapshot.objects.filter(date=on, partner_id__in=partner_ids)
    }
    new, changed = [], []
    for partner_id in partner_ids:
        sold = balances[partner_id][Track.SOLD]
        managed = balances[partner_id][Track.MANAGED]
        snapshot = existing.get(partner_id)
        if snapshot is None:
            new.append(
                DailySnapshot(
                    partner_id=partner_id,
                    date=on,
                    sold=sold,
                    managed=managed,
                    total=sold + managed,
                )
            )
        elif (snapshot.sold, snapshot.managed) != (sold, managed):
            snapshot.sold, snapshot.managed, snapshot.total = sold, managed, sold + managed
            changed.append(snapshot)
    DailySnapshot.objects.bulk_create(new, batch_size=BATCH)
    DailySnapshot.objects.bulk_update(changed, ["sold", "managed", "total"], batch_size=BATCH)
    return len(new) + len(changed)
