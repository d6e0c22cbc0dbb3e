"""Celery tasks of the recompute: the nightly run, its fan-out over partner ranges, and the
runs asked for from the admin."""

from __future__ import annotations

from datetime import date

from celery import chord, group, shared_task
from celery.result import AsyncResult
from django.conf import settings
from django.db import OperationalError

from partners.models import Partner
from points.selectors import partner_id_ranges
from program.dates import recompute_date_check
from recompute.services import (
    points_recompute,
    recompute_run_execute,
    recompute_run_nightly,
    recompute_runs_prune,
    recompute_runs_requeue,
)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def points_recompute_task(
    on: str | None = None, partner_ids: list[int] | None = None
) -> dict[str, object]:
    """The nightly recompute for ``on`` (ISO date; today in the program's time zone by default).

    Each attempt is recorded as a run (``RecomputeRun``, requested by nobody): finished with its
    summary, or failed with the error. Idempotent: a retry or a redelivery after a worker died
    writes only what is still missing. A day after today or before the program's rules are in
    force fails with ``RecomputeDateError`` (checked first; not retried) and writes nothing.
    """
    day = date.fromisoformat(on) if on else None
    return recompute_run_nightly(on=day, partner_ids=partner_ids)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    # The RecomputeRun row records the outcome; sending the task touches only the broker.
    ignore_result=True,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def recompute_run_task(run_id: int) -> dict[str, object]:
    """A recompute asked for from the admin: runs ``points_recompute_day`` and records it."""
    return recompute_run_execute(run_id=run_id)


@shared_task
def recompute_runs_requeue_task() -> int:
    """Beat, every minute: send the admin's runs that were asked for while the broker was down."""
    return recompute_runs_requeue(task=recompute_run_task)


@shared_task(ignore_result=True)
def recompute_runs_prune_task() -> int:
    """Beat, nightly: delete the runs that ended more than ``RECOMPUTE_RUNS_RETENTION_DAYS``
    ago, but never the latest finished one."""
    return recompute_runs_prune(days=settings.RECOMPUTE_RUNS_RETENTION_DAYS)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def points_recompute_chunk_task(on: str, first_id: int, last_id: int) -> dict[str, object]:
    """One chunk of a fan-out: the recompute of ``on`` for the partners ``first_id..last_id``."""
    ids = list(
        Partner.objects.filter(pk__gte=first_id, pk__lte=last_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return points_recompute(on=date.fromisoformat(on), partner_ids=ids, chunk_of=first_id).as_dict()


@shared_task
def points_recompute_fanout_done(summaries: list[dict[str, object]], on: str) -> dict[str, object]:
    """The chord's callback: the chunks' summaries added up into one."""
    total: dict[str, object] = {"on": on, "chunks": len(summaries)}
    for summary in summaries:
        for name, value in summary.items():
            if isinstance(value, int) and not isinstance(value, bool):
                total[name] = int(total.get(name, 0)) + value  # type: ignore[call-overload]
    return total


def points_recompute_fanout(
    *, on: date, chunks: int, queue: str | None = None
) -> AsyncResult[dict[str, object]]:
    """The recompute of ``on`` as a chord of ``chunks`` tasks over contiguous partner ranges.

    Each chunk is an ordinary set-based recompute for its partners, so the ledger, snapshots
    and standings come out as one run over every partner makes them. ``queue`` routes the
    chunks (and the callback that adds their summaries up) to one queue. A day the recompute
    refuses raises ``RecomputeDateError`` before any chunk is sent.
    """
    recompute_date_check(on)
    queue = queue or points_recompute_chunk_task.app.conf.task_default_queue
    header = group(
        points_recompute_chunk_task.si(on.isoformat(), first, last).set(queue=queue)
        for first, last in partner_id_ranges(chunks=chunks)
    )
    callback = points_recompute_fanout_done.s(on.isoformat()).set(queue=queue)
    return chord(header)(callback)
