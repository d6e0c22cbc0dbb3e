"""Nightly housekeeping of recompute runs: runs that ended long ago go, but never the latest
finished one (``/healthz`` reports its age) nor one that is queued or running."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from recompute.models import RecomputeRun
from recompute.services import recompute_runs_prune
from recompute.tasks import recompute_runs_prune_task

pytestmark = pytest.mark.django_db
LIMIT = timedelta(days=90)
MINUTE = timedelta(minutes=1)
Status = RecomputeRun.Status


def run(status: str, ended_ago: timedelta | None, started_ago: timedelta = LIMIT * 2) -> int:
    now = timezone.now()
    row = RecomputeRun.objects.create(
        on=timezone.localdate(),
        status=status,
        started_at=now - started_ago,
        finished_at=None if ended_ago is None else now - ended_ago,
    )
    RecomputeRun.objects.filter(pk=row.pk).update(requested_at=now - started_ago)
    return row.pk


@override_settings(RECOMPUTE_RUNS_RETENTION_DAYS=90)
def test_runs_that_ended_past_the_retention_are_deleted() -> None:
    kept = {
        run(Status.FINISHED, LIMIT - MINUTE),  # the latest finished run, and recent anyway
        run(Status.FINISHED, LIMIT - 2 * MINUTE),
        run(Status.FAILED, LIMIT - MINUTE),
        run(Status.RUNNING, None),
        run(Status.QUEUED, None),
    }
    run(Status.FINISHED, LIMIT + MINUTE)
    run(Status.FAILED, LIMIT + MINUTE)
    assert recompute_runs_prune_task.apply().get() == 2
    assert set(RecomputeRun.objects.values_list("pk", flat=True)) == kept
    assert recompute_runs_prune_task.apply().get() == 0


def test_the_latest_finished_run_is_kept_however_old() -> None:
    latest = run(Status.FINISHED, LIMIT * 3)
    run(Status.FINISHED, LIMIT * 4)
    run(Status.FAILED, LIMIT * 2)  # ended after it, but failed
    assert recompute_runs_prune(days=90) == 2
    assert list(RecomputeRun.objects.values_list("pk", flat=True)) == [latest]


def test_a_run_still_queued_or_running_is_never_deleted() -> None:
    running = run(Status.RUNNING, None, started_ago=LIMIT * 5)
    queued = run(Status.QUEUED, None, started_ago=LIMIT * 5)
    assert recompute_runs_prune(days=1) == 0
    assert set(RecomputeRun.objects.values_list("pk", flat=True)) == {running, queued}


def test_a_retention_under_a_day_is_refused() -> None:
    run(Status.FINISHED, timedelta(hours=2))
    run(Status.FINISHED, timedelta(hours=1))
    with pytest.raises(ValueError, match="at least one day"):
        recompute_runs_prune(days=0)
    assert RecomputeRun.objects.count() == 2
