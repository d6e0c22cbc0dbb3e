"""The recompute fanned out over partner ranges: the same results as one run over everyone.

On PostgreSQL and Redis, through a real Celery worker with two processes, so that chunks
really run side by side (each takes the shared recompute lock and its own range's lock).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest
from django.conf import settings
from django.db import connection, transaction

from clients.models import Deal
from points.models import DailySnapshot, LedgerEntry
from points.selectors import partner_id_ranges
from recompute.services import points_recompute
from recompute.tasks import points_recompute_fanout
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    DealFactory,
    MrrFactory,
    PartnerFactory,
)
from tests.integration.test_worker import database_url
from tiers.models import TierReviewResult, TierStanding

needs_worker = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL or connection.vendor != "postgresql",
    reason="needs CELERY_BROKER_URL (Redis) and DATABASE_URL (PostgreSQL)",
)
# Month starts, a review date and a day after the first gains expire.
DAYS = [date(2025, 2, 1), date(2025, 3, 1), date(2025, 7, 15), date(2026, 1, 20)]


@pytest.fixture
def two_process_worker():
    queue = f"test-fanout-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partner_portal.settings.test",
        "DATABASE_URL": database_url(),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "partner_portal", "worker", "--concurrency", "2",
         "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel", "WARNING"],
        env=env,
        cwd=settings.BASE_DIR,
    )  # fmt: skip
    try:
        yield queue
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def program():
    """Six partners; clients co-managed across partners that land in different chunks."""
    partners = [PartnerFactory(country=c) for c in ("US", "BR", "GB", "IN", "DE", "US")]
    for n, partner in enumerate(partners):
        for k in range(3):
            client = ClientFactory(country=("US", "BR", "GB")[k], currency=("USD", "USD", "GBP")[k])
            for month in (1, 2, 3, 6):
                MrrFactory(
                    client=client, date=date(2025, month, 1), mrr=Decimal(500 + 137 * n + month)
                )
            AssignmentFactory(partner=partner, client=client, start=date(2025, 1, 1))
            if k == 0:  # shared with the partner three places on: another chunk
                other = partners[(n + 3) % len(partners)]
                AssignmentFactory(partner=other, client=client, start=date(2025, 2, 15))
            DealFactory(
                partner=partner,
                client=client,
                mrr=Decimal(300 + 11 * n + k),
                deal_type=("sourced", "assisted")[k % 2],
                closed_on=date(2025, 1, 5 + k),
            )
        DealFactory(
            partner=partner,
            mrr=Decimal(900 + n),
            stage=Deal.Stage.REVERSED,
            closed_on=date(2025, 1, 20),
            reversed_on=date(2025, 2, 20),
        )
    return partners


def results():
    return {
        "ledger": set(
            LedgerEntry.objects.values_list(
                "idempotency_key", "partner_id", "client_id", "deal_id", "track", "kind",
                "points", "effective_on", "expires_on",
            )
        ),
        "snapshots": set(
            DailySnapshot.objects.values_list("partner_id", "date", "sold", "managed", "total")
        ),
        "standings": set(
            TierStanding.objects.values_list(
                "partner_id", "date", "sold", "managed", "total",
                "performance_tier_id", "credited_tier_id",
            )
        ),
        "reviews": set(
            TierReviewResult.objects.values_list(
                "review__date", "partner_id", "tier_id", "previous_tier_id", "sold", "managed"
            )
        ),
    }  # fmt: skip


class _RollBack(Exception):
    pass


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@needs_worker
def test_fanned_out_recompute_matches_one_run_over_every_partner(two_process_worker):
    program()
    assert len(partner_id_ranges(chunks=3)) == 3
    expected = None
    try:
        with transaction.atomic():
            for day in DAYS:
                points_recompute(on=day)
            expected = results()
            raise _RollBack
    except _RollBack:
        pass
    assert expected is not None and not LedgerEntry.objects.exists()
    kinds = {row[5] for row in expected["ledger"]}
    assert kinds == {"deal_won", "deal_reversed", "sold_expired", "managed_change"}
    assert expected["reviews"]

    started = time.monotonic()
    for day in DAYS:
        summary = points_recompute_fanout(on=day, chunks=3, queue=two_process_worker).get(
            timeout=120
        )
        assert summary["chunks"] == 3 and summary["partners"] == 6
    assert results() == expected

    again = points_recompute_fanout(on=DAYS[-1], chunks=3, queue=two_process_worker).get(
        timeout=120
    )
    assert again["entries_appended"] == 0 and again["standings_written"] == 0
    assert time.monotonic() - started < 240


def test_partner_ranges_cover_every_partner_once(db):
    partners = [PartnerFactory() for _ in range(7)]
    ranges = partner_id_ranges(chunks=3)
    covered = [p.pk for p in partners if any(a <= p.pk <= b for a, b in ranges)]
    assert covered == [p.pk for p in partners] and len(ranges) == 3
    assert all(a <= b for a, b in ranges)
    assert all(b < a2 for (_, b), (a2, _) in pairwise(ranges))
    assert partner_id_ranges(chunks=100) == [(p.pk, p.pk) for p in partners]
