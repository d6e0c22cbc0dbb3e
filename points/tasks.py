"""Celery tasks of the points app."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from .services import points_recompute


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

    Idempotent: a retry or a redelivery after a worker died writes only what is still missing.
    """
    day = date.fromisoformat(on) if on else timezone.localdate()
    return points_recompute(on=day, partner_ids=partner_ids).as_dict()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def recompute_run_task(run_id: int) -> dict[str, object]:
    """A recompute asked for from the admin: runs ``points_recompute_task`` and records it."""
    from .services import recompute_run_execute

    return recompute_run_execute(run_id=run_id)
