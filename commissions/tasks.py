"""Celery tasks of the commissions app."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from commissions.periods import parse_month, previous_month
from commissions.services import RESTATE_MONTHS, commissions_accrue


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def commissions_accrue_task(month: str | None = None) -> dict[str, object]:
    """Accrue ``month`` ("YYYY-MM"; the previous month by default) and restate the months
    before it, then schedule payments.

    Idempotent: a retry or a redelivery after a worker died writes only what is still missing.
    """
    first_day = parse_month(month) if month else previous_month(timezone.localdate())
    return commissions_accrue(month=first_day, restate_months=RESTATE_MONTHS).as_dict()
