"""Celery tasks of the partners app."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

from partners.housekeeping import login_records_prune, sessions_clear
from partners.services import invitation_mail_send


@shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
    time_limit=120,
    soft_time_limit=110,
)
def invitation_send_task(invitation_id: int, nonce: str) -> bool:
    """Mail an invitation's link; a stale or repeated delivery sends nothing."""
    return invitation_mail_send(invitation_id=invitation_id, nonce=nonce)


@shared_task(ignore_result=True)
def sessions_clear_task() -> dict[str, int]:
    """Beat, nightly: delete the expired sessions and the records of ended ones."""
    return sessions_clear().as_dict()


@shared_task(ignore_result=True)
def login_records_prune_task() -> dict[str, int]:
    """Beat, nightly: delete django-axes' login attempts and logs older than
    ``LOGIN_RECORDS_RETENTION_DAYS``."""
    return login_records_prune(days=settings.LOGIN_RECORDS_RETENTION_DAYS).as_dict()
