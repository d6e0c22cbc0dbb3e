"""The recompute through a real Celery worker process, against Redis and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection

from points.models import LedgerEntry
from recompute.tasks import points_recompute_task
from tests.factories import AssignmentFactory, ClientFactory, DealFactory, MrrFactory
from tiers.models import TierStanding

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL or connection.vendor != "postgresql",
        reason="needs CELERY_BROKER_URL (Redis) and DATABASE_URL (PostgreSQL)",
    ),
]


def database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker_queue():
    """A worker process of its own, on a queue of its own, using the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partner_portal.settings.test",
        "DATABASE_URL": database_url(),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "partner_portal",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_recompute_task_runs_through_a_real_worker_and_writes_its_results(worker_queue):
    on = date(2025, 5, 1)
    deal = DealFactory(mrr=Decimal("1000"), closed_on=date(2025, 4, 20))
    client = ClientFactory()
    MrrFactory(client=client, date=date(2025, 4, 1), mrr=Decimal("2000"))
    AssignmentFactory(partner=deal.partner, client=client, start=date(2025, 4, 1))

    started = time.monotonic()
    result = points_recompute_task.apply_async(args=[on.isoformat()], queue=worker_queue)
    summary = result.get(timeout=90)

    assert summary["deals_won"] == 1 and summary["managed_changes"] == 1
    assert LedgerEntry.objects.filter(partner=deal.partner).count() == 2
    standing = TierStanding.objects.get(partner=deal.partner, date=on)
    assert (standing.sold, standing.managed) == (Decimal("50"), Decimal("20"))

    again = points_recompute_task.apply_async(args=[on.isoformat()], queue=worker_queue).get(
        timeout=60
    )
    assert again["entries_appended"] == 0 and again["standings_written"] == 0
    assert time.monotonic() - started < 180
