"""The pair balances the database keeps as ledger entries are appended (points migration 0006)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Max, Sum

from points.models import LedgerEntry, PairBalance
from points.selectors import balances_are_current, client_rows, pair_balances_on, partner_totals
from points.services import ledger_adjust
from program.models import Track
from recompute.services import points_recompute
from tests.recompute.test_recompute_fanout import program

pytestmark = pytest.mark.django_db

DAYS = [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2026, 1, 31)]


def ledger_sums(on: date | None = None) -> dict[tuple[int, int, str], Decimal]:
    entries = LedgerEntry.objects.all()
    if on is not None:
        entries = entries.filter(effective_on__lte=on)
    sums: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    for partner_id, client_id, track, points in (
        entries.values_list("partner_id", "client_id", "track").annotate(p=Sum("points")).order_by()
    ):
        sums[(partner_id, client_id, track)] = Decimal(str(points)).quantize(Decimal("1e-6"))
    return sums


def kept() -> dict[tuple[int, int, str], Decimal]:
    result: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    for row in PairBalance.objects.all():
        result[(row.partner_id, row.client_id, Track.SOLD)] = row.sold
        result[(row.partner_id, row.client_id, Track.MANAGED)] = row.managed
    return result


def nonzero(sums):
    return {key: value for key, value in sums.items() if value}


def test_every_appended_entry_is_in_its_pairs_balance():
    partners = program()
    for day in DAYS:
        points_recompute(on=day)
    # An adjustment from the admin is counted as well.
    entry = LedgerEntry.objects.filter(partner=partners[0]).first()
    assert entry is not None
    ledger_adjust(
        partner=partners[0],
        client=entry.client,
        track=Track.SOLD,
        points=Decimal("12.345678"),
        effective_on=date(2026, 1, 31),
        reason="Goodwill",
    )
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SOLD_EXPIRED).exists()
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.DEAL_REVERSED).exists()
    assert nonzero(kept()) == nonzero(ledger_sums())
    assert PairBalance.objects.count() == (
        LedgerEntry.objects.values("partner_id", "client_id").distinct().count()
    )
    latest = dict(
        LedgerEntry.objects.values_list("partner_id", "client_id")
        .annotate(day=Max("effective_on"))
        .order_by()
        .values_list("client_id", "day")
    )
    assert all(row.through == latest[row.client_id] for row in PairBalance.objects.all())


def test_the_recompute_reads_the_balances_only_when_no_later_entry_exists():
    program()
    for day in DAYS[:3]:
        points_recompute(on=day)
    on = DAYS[2]
    assert balances_are_current(on=on)
    assert nonzero(pair_balances_on(on=on)) == nonzero(ledger_sums(on))
    # After a later day is recomputed, an earlier day sums the ledger up to that day.
    points_recompute(on=DAYS[3])
    assert not balances_are_current(on=on)
    assert balances_are_current(on=DAYS[3])
    earlier = pair_balances_on(on=on)
    assert nonzero(earlier) == nonzero(ledger_sums(on))
    assert nonzero(earlier) != nonzero(ledger_sums())
    totals = partner_totals(pair_balances_on(on=DAYS[3]))
    for partner_id, tracks in totals.items():
        for track, points in tracks.items():
            expected = LedgerEntry.objects.filter(partner_id=partner_id, track=track).aggregate(
                p=Sum("points")
            )["p"]
            assert points == Decimal(str(expected or 0)).quantize(Decimal("1e-6"))


def test_client_rows_match_the_ledger_on_the_day_asked():
    partners = program()
    for day in DAYS:
        points_recompute(on=day)
    partner = partners[1]

    def figures(on):
        return {c.pk: (c.sold, c.managed) for c in client_rows(partner=partner, on=on)}

    for on in (DAYS[2], DAYS[3]):
        sums = ledger_sums(on)
        rows = figures(on)
        assert rows
        assert rows == {
            client_id: (
                sums.get((partner.pk, client_id, Track.SOLD), Decimal(0)),
                sums.get((partner.pk, client_id, Track.MANAGED), Decimal(0)),
            )
            for client_id in rows
        }
    assert figures(DAYS[2]) != figures(DAYS[3])
