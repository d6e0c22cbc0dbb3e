"""``/healthz``: the database, the broker and the recompute's age; answered before host
validation and the HTTPS redirect, on that path only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client as HttpClient
from django.test import override_settings
from django.utils import timezone

from core.health import Health
from recompute.models import RecomputeRun
from recompute.tasks import points_recompute_task

pytestmark = pytest.mark.django_db

HOUR = 3600


def run(status: str, finished_hours_ago: float | None) -> RecomputeRun:
    finished_at = (
        None if finished_hours_ago is None else timezone.now() - timedelta(hours=finished_hours_ago)
    )
    return RecomputeRun.objects.create(
        on=timezone.localdate(), status=status, finished_at=finished_at
    )


def leaky_check() -> Health:
    raise RuntimeError("password=hunter2 at db.internal:5432")


def test_healthz_reports_database_and_broker_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["broker"].startswith("ok")
    assert response["Cache-Control"].startswith("max-age=0")


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_answers_503_naming_the_broker_when_it_is_unreachable(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["broker"].startswith("error")


def test_a_recent_finished_run_is_healthy_and_reported_with_its_age(client):
    finished = run(RecomputeRun.Status.FINISHED, finished_hours_ago=2)
    response = client.get("/healthz")
    assert response.status_code == 200
    recompute = response.json()["recompute"]
    assert recompute["status"] == "ok"
    assert datetime.fromisoformat(recompute["last_finished_at"]) == finished.finished_at
    assert 2 * HOUR <= recompute["age_seconds"] < 2 * HOUR + 60
    assert recompute["max_age_seconds"] == 26 * HOUR


def test_a_last_finished_run_older_than_the_limit_answers_503(client):
    run(RecomputeRun.Status.FINISHED, finished_hours_ago=27)
    # Runs that did not finish do not count, however recent.
    run(RecomputeRun.Status.FAILED, finished_hours_ago=1)
    run(RecomputeRun.Status.QUEUED, finished_hours_ago=None)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["database"] == "ok"
    assert body["recompute"]["status"] == "stale"
    assert body["recompute"]["age_seconds"] >= 27 * HOUR


def test_the_latest_finished_run_counts_not_the_older_ones(client):
    run(RecomputeRun.Status.FINISHED, finished_hours_ago=200)
    run(RecomputeRun.Status.FINISHED, finished_hours_ago=1)
    assert client.get("/healthz").status_code == 200


@override_settings(HEALTHZ_RECOMPUTE_MAX_AGE_HOURS=1)
def test_the_limit_is_a_setting(client):
    run(RecomputeRun.Status.FINISHED, finished_hours_ago=2)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["recompute"]["max_age_seconds"] == HOUR


def test_a_fresh_install_without_any_run_is_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    recompute = response.json()["recompute"]
    assert recompute["status"] == "ok"
    assert recompute["last_finished_at"] is None and recompute["age_seconds"] is None
    # Counted from when the (test) database was migrated, a moment ago.
    waiting = timezone.now() - datetime.fromisoformat(recompute["waiting_since"])
    assert timedelta(0) <= waiting < timedelta(hours=1)


def test_an_install_whose_recompute_never_ran_goes_503_once_the_limit_passes(client):
    with time_machine.travel(timezone.now() + timedelta(hours=27), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    recompute = response.json()["recompute"]
    assert recompute["status"] == "stale" and recompute["last_finished_at"] is None


@override_settings(
    HEALTH_CHECKS={
        "database": "core.health.database_check",
        "leaky": "tests.core.test_healthz.leaky_check",
    }
)
def test_a_failing_check_shows_its_exception_class_only(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body == {"status": "unavailable", "database": "ok", "leaky": "error: RuntimeError"}
    assert b"hunter2" not in response.content and b"db.internal" not in response.content


def test_query_counts(personas, django_assert_num_queries):
    alice = personas.client_for("alice")  # signed in: still no session or user query
    with django_assert_num_queries(3):  # SELECT 1, the last finished run, the first migration
        assert alice.get("/healthz").status_code == 200
    run(RecomputeRun.Status.FINISHED, finished_hours_ago=1)
    with django_assert_num_queries(2):
        assert alice.get("/healthz").status_code == 200


@override_settings(ALLOWED_HOSTS=["portal.example.com"], SECURE_SSL_REDIRECT=True)
def test_answered_on_any_host_over_http_while_every_other_path_validates_the_host():
    run(RecomputeRun.Status.FINISHED, finished_hours_ago=1)
    container = HttpClient(HTTP_HOST="127.0.0.1:8000")
    for method in (container.get, container.head):
        response = method("/healthz")
        assert response.status_code == 200, method
        assert response["Content-Type"] == "application/json"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert "default-src 'self'" in response["Content-Security-Policy"]
    assert container.get("/healthz").json()["status"] == "ok"
    for path in ("/accounts/login/", "/healthz/", "/healthz/x", "/healthzz", "/api/v1/"):
        assert container.get(path).status_code == 400, path
    # Only GET and HEAD take the short way; anything else meets the host check.
    assert container.post("/healthz").status_code == 400
    assert container.options("/healthz").status_code == 400

    real_host = HttpClient(HTTP_HOST="portal.example.com")
    assert real_host.get("/healthz").status_code == 200
    redirect = real_host.get("/accounts/login/")
    assert redirect.status_code == 301
    assert redirect["Location"] == "https://portal.example.com/accounts/login/"


def test_other_methods_reach_the_view_and_are_refused(client):
    assert client.post("/healthz").status_code == 405


def test_the_nightly_task_records_a_finished_run_that_keeps_healthz_green(client, personas):
    """The beat's nightly recompute is what keeps /healthz at 200, not only runs asked for in
    the admin: a day after the limit it is the nightly run's age that is reported."""
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert client.get("/healthz").status_code == 503
        points_recompute_task.apply()
        nightly = RecomputeRun.objects.get()
        assert nightly.status == RecomputeRun.Status.FINISHED and nightly.requested_by is None
        assert nightly.on == timezone.localdate() and nightly.summary
        response = client.get("/healthz")
    assert response.status_code == 200
    assert datetime.fromisoformat(response.json()["recompute"]["last_finished_at"]) == (
        nightly.finished_at
    )
