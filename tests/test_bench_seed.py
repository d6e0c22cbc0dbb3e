"""The benchmark data set generator, at a tiny scale, on PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from clients.bench import BenchSeedError, bench_seed
from clients.models import Client, ManagedAssignment, MrrRecord
from partners.models import Partner
from points.models import LedgerEntry
from points.services import points_recompute

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY needs PostgreSQL")
def test_tiny_bench_data_set_has_its_shape_and_a_rerun_writes_nothing():
    from django.utils import timezone

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
