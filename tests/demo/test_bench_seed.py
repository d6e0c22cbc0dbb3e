"""The benchmark data set generator, at a tiny scale, on PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from clients.models import Client, ManagedAssignment, MrrRecord
from demo.seed.bench import BenchSeedError, bench_seed
from partners.models import Partner
from points.models import DailySnapshot, LedgerEntry
from recompute.services import points_recompute
from tiers.models import TierStanding

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY needs PostgreSQL")
def test_tiny_bench_data_set_has_its_shape_and_a_rerun_writes_nothing():
    result = bench_seed(scale=0.002, seed=3)
    assert Partner.objects.count() == 4 and Client.objects.count() == 200
    largest = Partner.objects.order_by("pk").first()
    owned = ManagedAssignment.objects.filter(partner=largest).values("client").distinct().count()
    assert owned >= 10
    per_client = MrrRecord.objects.values("client").annotate(n=Count("pk"))
    assert max(row["n"] for row in per_client) == 25  # 24 months of history, both ends
    assert result.counts["ledger_entries"] == LedgerEntry.objects.count() > 0
    assert not points_recompute(on=timezone.localdate()).changed
    with pytest.raises(BenchSeedError):
        bench_seed(scale=0.002, seed=3)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the refusal is for SQLite")
def test_bench_scale_refuses_sqlite_with_a_clear_message():
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("seed_demo", "--scale", "tenth")


def _outcome():
    return {
        "ledger": sorted(
            LedgerEntry.objects.values_list(
                "idempotency_key", "partner_id", "client_id", "kind", "points", "effective_on"
            )
        ),
        "snapshots": sorted(
            DailySnapshot.objects.values_list("partner_id", "date", "sold", "managed", "total")
        ),
        "standings": sorted(
            TierStanding.objects.values_list(
                "partner_id", "date", "total", "performance_tier_id", "credited_tier_id"
            )
        ),
    }


def _ledger_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", [LedgerEntry._meta.db_table]
        )
        return sorted(row[0] for row in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY needs PostgreSQL")
def test_history_replayed_in_two_threads_is_the_one_replayed_in_one():
    def empty_the_program():  # ids from 1 again, so that both runs number rows alike
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE partners_partner, clients_client, auth_user RESTART IDENTITY CASCADE"
            )

    empty_the_program()
    indexes = _ledger_indexes()
    side_by_side = bench_seed(scale=0.003, seed=5, workers=2)
    assert _ledger_indexes() == indexes  # the lookup indexes are built again
    parallel = _outcome()
    assert side_by_side.counts["ledger_entries"] == len(parallel["ledger"]) > 0
    assert {row[3] for row in parallel["ledger"]} >= {"deal_won", "managed_change"}
    days = {row[1] for row in parallel["snapshots"]}
    assert len(days) >= 24 and len(parallel["snapshots"]) == 6 * len(days)
    assert not points_recompute(on=timezone.localdate()).changed

    empty_the_program()
    bench_seed(scale=0.003, seed=5, workers=1)
    assert _outcome() == parallel
