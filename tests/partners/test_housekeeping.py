"""Nightly housekeeping of sign-ins: expired sessions and the records of ended ones, and
django-axes' old login attempts and logs, each deleted once past its limit and never before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone

from partners.housekeeping import login_records_prune
from partners.models import UserSession
from partners.tasks import login_records_prune_task, sessions_clear_task
from tests.conftest import Personas

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


def session(key: str, expires_in: timedelta) -> Session:
    return Session.objects.create(
        session_key=key, session_data="", expire_date=timezone.now() + expires_in
    )


def test_expired_sessions_and_the_records_of_ended_ones_are_deleted(personas: Personas) -> None:
    user = personas.bob.user
    session("expired", -MINUTE)
    session("live", MINUTE)
    for key in ("expired", "live", "logged-out-elsewhere"):
        UserSession.objects.create(user=user, session_key=key)
    assert sessions_clear_task.apply().get() == {"expired_sessions": 1, "ended_user_sessions": 2}
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    assert list(UserSession.objects.values_list("session_key", flat=True)) == ["live"]
    assert sessions_clear_task.apply().get() == {"expired_sessions": 0, "ended_user_sessions": 0}


def test_a_signed_in_user_keeps_their_session(personas: Personas) -> None:
    personas.client_for("bob")
    assert UserSession.objects.filter(user=personas.bob.user).count() == 1
    sessions_clear_task.apply()
    assert UserSession.objects.filter(user=personas.bob.user).count() == 1
    assert Session.objects.count() == 1


def _aged(model: type, age: timedelta, **extra: object) -> object:
    row = model.objects.create(
        user_agent="pytest",
        ip_address="192.0.2.1",
        username=f"{model.__name__}-{age}",
        http_accept="*/*",
        path_info="/login/",
        **extra,
    )
    model.objects.filter(pk=row.pk).update(attempt_time=timezone.now() - age)
    return row


ATTEMPT = {"get_data": "", "post_data": "", "failures_since_start": 3}


@override_settings(LOGIN_RECORDS_RETENTION_DAYS=90)
def test_login_records_past_the_retention_are_deleted_and_the_others_kept() -> None:
    limit = timedelta(days=90)
    kept = [
        _aged(AccessAttempt, limit - MINUTE, **ATTEMPT),
        _aged(AccessLog, limit - MINUTE),
        _aged(AccessFailureLog, limit - MINUTE),
    ]
    _aged(AccessAttempt, limit + MINUTE, **ATTEMPT)
    _aged(AccessLog, limit + MINUTE)
    _aged(AccessFailureLog, limit + MINUTE)
    pruned = login_records_prune_task.apply().get()
    assert pruned == {"attempts": 1, "access_logs": 1, "failure_logs": 1}
    left = [*AccessAttempt.objects.all(), *AccessLog.objects.all(), *AccessFailureLog.objects.all()]
    assert left == kept
    assert login_records_prune_task.apply().get() == {
        "attempts": 0,
        "access_logs": 0,
        "failure_logs": 0,
    }


@override_settings(AXES_COOLOFF_TIME=timedelta(days=30))
def test_an_attempt_that_may_still_hold_a_lockout_is_kept() -> None:
    holding = _aged(AccessAttempt, timedelta(days=20), **ATTEMPT)
    _aged(AccessAttempt, timedelta(days=31), **ATTEMPT)
    assert login_records_prune(days=7).attempts == 1
    assert list(AccessAttempt.objects.all()) == [holding]


def test_a_retention_under_a_day_is_refused() -> None:
    _aged(AccessLog, timedelta(hours=1))
    with pytest.raises(ValueError, match="at least one day"):
        login_records_prune(days=0)
    assert AccessLog.objects.count() == 1
