"""Celery tasks of the clients app: the account metrics of a partner whose data changed."""

from __future__ import annotations

from collections.abc import Iterable

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, transaction
from django.utils import timezone

from clients.metrics import account_metrics_refresh
from program.rules import rules_load

PENDING_KEY = "account-metrics-pending:{}"


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    ignore_result=True,
    time_limit=600,
    soft_time_limit=590,
)
def account_metrics_refresh_task(partner_id: int) -> int:
    """Recompute today's account metrics of one partner (idempotent: the day's row is
    overwritten with the same figures)."""
    cache.delete(PENDING_KEY.format(partner_id))
    return account_metrics_refresh(
        on=timezone.localdate(), rules=rules_load(), partner_ids=[partner_id]
    )


def account_metrics_schedule(*, partner_ids: Iterable[int]) -> None:
    """Ask for the partners' account metrics to be recomputed once the current transaction
    commits, at most once per partner per ``ACCOUNT_METRICS_DEBOUNCE_SECONDS``: saves in a
    burst (an import, an admin edit of many rows) are gathered into one recompute, which runs
    after the burst and so sees all of it."""
    delay = settings.ACCOUNT_METRICS_DEBOUNCE_SECONDS

    def send() -> None:
        for partner_id in sorted(set(partner_ids)):
            if cache.add(PENDING_KEY.format(partner_id), 1, timeout=delay + 300):
                account_metrics_refresh_task.apply_async((partner_id,), countdown=delay)

    transaction.on_commit(send)
