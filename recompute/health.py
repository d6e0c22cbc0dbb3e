"""The recompute's health check (``HEALTH_CHECKS``): has a recompute run finished lately?

Unhealthy once the last finished run is older than ``HEALTHZ_RECOMPUTE_MAX_AGE_HOURS``. Before
any run has finished, the age counts from when the database was set up: a new install is
healthy for that long, one whose recompute never ran is not after it. Housekeeping deletes old
runs but always keeps the latest finished one.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from core.health import Health, installed_at
from recompute.models import RecomputeRun


def recompute_check() -> Health:
    max_age = timedelta(hours=settings.HEALTHZ_RECOMPUTE_MAX_AGE_HOURS)
    last_finished = RecomputeRun.objects.filter(status=RecomputeRun.Status.FINISHED).aggregate(
        last=Max("finished_at")
    )["last"]
    now = timezone.now()
    report: dict[str, object] = {
        "last_finished_at": last_finished.isoformat() if last_finished else None,
        "age_seconds": int((now - last_finished).total_seconds()) if last_finished else None,
        "max_age_seconds": int(max_age.total_seconds()),
    }
    since = last_finished
    if since is None:
        since = installed_at() or now
        report["waiting_since"] = since.isoformat()
    healthy = now - since <= max_age
    return Health(healthy, {"status": "ok" if healthy else "stale", **report})
