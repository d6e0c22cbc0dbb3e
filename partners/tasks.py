"""Celery tasks of the partners app."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

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
