"""Clearing out what sign-ins leave behind (run nightly by beat, ``partners.tasks``): expired
sessions with the portal's records of them, and old login attempts and logs of django-axes.

Each deletes only what is past its limit, so running it again deletes nothing more. The
password-change and password-reset throttles keep their counts in the cache, which forgets
them by itself (``partners.security.AttemptCounter``).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from partners.models import UserSession

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionsCleared:
    expired_sessions: int
    ended_user_sessions: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def sessions_clear() -> SessionsCleared:
    """Delete the expired sessions, as ``manage.py clearsessions`` does for the database
    sessions the portal keeps, then each ``UserSession`` whose session is gone or expired
    (a signed-in session that ended without a logout)."""
    now = timezone.now()
    expired, _ = Session.objects.filter(expire_date__lt=now).delete()
    live = Session.objects.filter(expire_date__gte=now).values("session_key")
    ended, _ = UserSession.objects.exclude(session_key__in=live).delete()
    cleared = SessionsCleared(expired_sessions=expired, ended_user_sessions=ended)
    logger.info(
        "Deleted %d expired sessions and %d records of ended sessions",
        cleared.expired_sessions,
        cleared.ended_user_sessions,
    )
    return cleared


@dataclass(frozen=True)
class LoginRecordsPruned:
    attempts: int
    access_logs: int
    failure_logs: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def login_records_prune(*, days: int) -> LoginRecordsPruned:
    """Delete django-axes' records older than ``days`` days: the failed-login attempts (an
    attempt still inside ``AXES_COOLOFF_TIME`` is kept whatever ``days`` says, as it may hold a
    lockout), the access logs and the failure logs (through axes' own handler, as its
    ``axes_reset_logs --age`` and ``axes_reset_failure_logs --age`` commands do)."""
    if days < 1:
        raise ValueError("Login records are kept for at least one day.")
    limit = timezone.now() - max(timedelta(days=days), settings.AXES_COOLOFF_TIME)
    _, by_model = AccessAttempt.objects.filter(attempt_time__lte=limit).delete()
    pruned = LoginRecordsPruned(
        attempts=by_model.get(AccessAttempt._meta.label, 0),
        access_logs=AxesProxyHandler.reset_logs(age_days=days),
        failure_logs=AxesProxyHandler.reset_failure_logs(age_days=days),
    )
    logger.info(
        "Deleted login records older than %d days: %d attempts, %d access logs, %d failure logs",
        days,
        pruned.attempts,
        pruned.access_logs,
        pruned.failure_logs,
    )
    return pruned
