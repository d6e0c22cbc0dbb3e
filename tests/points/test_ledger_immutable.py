"""The ledger cannot be rewritten: the ORM refuses, and on PostgreSQL the database refuses too.

The one sanctioned removal is emptying the whole table (``TRUNCATE``, used by ``seed_demo
--force`` through ``demo.seed.demo_clear``), which fires no row trigger.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from demo.seed import demo_clear
from points.models import LedgerEntry, LedgerIsAppendOnly, PairBalance
from recompute.services import points_recompute
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger is installed on PostgreSQL only"
)
TABLE = LedgerEntry._meta.db_table


@pytest.fixture
def entry() -> LedgerEntry:
    deal = DealFactory(mrr=Decimal("1000"), closed_on=date(2025, 4, 20))
    points_recompute(on=date(2025, 5, 1))
    return LedgerEntry.objects.get(deal=deal)


def test_the_orm_refuses_updates_and_deletes(entry):
    entry.points = Decimal("999")
    with pytest.raises(LedgerIsAppendOnly):
        entry.save()
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()
    with pytest.raises(LedgerIsAppendOnly):
        LedgerEntry.objects.filter(pk=entry.pk).update(points=Decimal("999"))
    with pytest.raises(LedgerIsAppendOnly):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get(pk=entry.pk).points == Decimal("50")


@postgresql_only
@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET points = 999 WHERE id = %s",
        f"UPDATE {TABLE} SET reason = 'edited' WHERE id = %s",
        f"DELETE FROM {TABLE} WHERE id = %s",
    ],
)
def test_postgresql_rejects_raw_updates_and_deletes(entry, sql):
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).points == Decimal("50")
    assert LedgerEntry.objects.get(pk=entry.pk).reason == ""


@postgresql_only
def test_postgresql_rejects_the_orms_raw_delete_too(entry):
    queryset = LedgerEntry.objects.all()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        queryset._raw_delete(queryset.db)
    assert LedgerEntry.objects.count() == 1


@postgresql_only
def test_the_trigger_is_installed_for_update_and_delete_only():
    """The refusing trigger fires before updates and deletes; inserts only feed the balances."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT trigger_name, action_timing, event_manipulation "
            "FROM information_schema.triggers WHERE event_object_table = %s ORDER BY 1, 3",
            [TABLE],
        )
        assert cursor.fetchall() == [
            ("points_ledgerentry_append_only", "BEFORE", "DELETE"),
            ("points_ledgerentry_append_only", "BEFORE", "UPDATE"),
            ("points_pairbalance_add", "AFTER", "INSERT"),
        ]


def test_inserts_still_work_after_a_refused_rewrite(entry):
    DealFactory(partner=entry.partner, mrr=Decimal("500"), closed_on=date(2025, 5, 2))
    summary = points_recompute(on=date(2025, 5, 3))
    assert summary.deals_won == 1
    assert LedgerEntry.objects.filter(partner=entry.partner).count() == 2


def test_clearing_the_demo_data_empties_the_ledger_through_the_sanctioned_path(entry):
    assert LedgerEntry.objects.exists() and PairBalance.objects.exists()
    demo_clear()
    assert not LedgerEntry.objects.exists()
    assert not PairBalance.objects.exists()
