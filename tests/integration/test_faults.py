"""Faults on the real stack (PostgreSQL, Redis, Celery worker processes, a gunicorn server).

- A worker SIGKILLed in the middle of a recompute: nothing of its run is committed, and after a
  restart the task is delivered again (acks_late) and leaves the ledger, snapshots and standings
  exactly as a clean run does.
- Two recomputes of the same date enqueued at once, taken by two workers: one set of results.
- Redis stopped (a redis-server of the test's own on port 6390, never the machine's): pages
  serve, /healthz answers 503 naming the broker, a recompute asked for in the admin stays queued
  and is sent once Redis is back.
- A PostgreSQL connection killed (pg_terminate_backend) between two requests to a gunicorn
  worker that keeps its connection: the next request succeeds.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client as HttpClient

from partner_portal.celery import app as celery_app
from partners.models import Partner
from points.models import DailySnapshot, LedgerEntry
from recompute.models import RecomputeRun
from recompute.services import BROKER_UNREACHABLE, points_recompute
from recompute.tasks import points_recompute_task, recompute_runs_requeue_task
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    ClientFactory,
    DealFactory,
    MrrFactory,
    PartnerFactory,
)
from tiers.models import TierStanding

from .test_worker import database_url

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL or connection.vendor != "postgresql",
        reason="needs CELERY_BROKER_URL (Redis) and DATABASE_URL (PostgreSQL)",
    ),
]

ON = date(2025, 7, 15)  # a review date: the run writes ledger, snapshots, standings and a review
OUTAGE_PORT = 6390
NO_PERSISTENCE = ["--save", "", "--appendonly", "no"]
GUNICORN = ["-w", "1", "--threads", "1", "--log-level", "warning"]


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def start_worker(queue: str | None, **env: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "celery", "-A", "partner_portal", "worker", "-P", "solo"]
    command += ["-Q", queue] if queue else []
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"]
    command += ["-n", f"fault-{uuid.uuid4().hex[:8]}@%h"]
    return subprocess.Popen(
        command,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "partner_portal.settings.test",
            "DATABASE_URL": database_url(),
            **env,
        },
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        stop(process)


def program() -> None:
    """A handful of partners with sold and managed points, some reaching Gold."""
    for n in range(6):
        partner = PartnerFactory(name=f"Fault partner {n}")
        for k in range(3):
            client = ClientFactory(country="BR" if k == 2 else "US", currency="USD")
            MrrFactory(client=client, date=date(2025, 1, 1), mrr=Decimal(4000 * (n + 1)))
            AssignmentFactory(partner=partner, client=client, start=date(2025, 1, 1))
            DealFactory(
                partner=partner,
                client=client,
                mrr=Decimal(1500 * (n + k + 1)),
                created_on=date(2025, 3, 1),
                closed_on=date(2025, 3, 1 + k),
            )
        DealFactory(
            partner=partner,
            stage="reversed",
            closed_on=date(2025, 2, 1),
            reversed_on=date(2025, 6, 1),
        )


def results(on: date) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "ledger": list(
            LedgerEntry.objects.order_by("idempotency_key").values_list(
                "partner_id",
                "client_id",
                "deal_id",
                "track",
                "kind",
                "points",
                "effective_on",
                "expires_on",
                "idempotency_key",
            )
        ),
        "snapshots": sorted(
            DailySnapshot.objects.filter(date=on).values_list("partner_id", "sold", "managed")
        ),
        "standings": sorted(
            TierStanding.objects.filter(date=on).values_list(
                "partner_id", "sold", "managed", "performance_tier__key", "credited_tier__key"
            )
        ),
    }


def clean_run(on: date) -> dict[str, list[tuple[Any, ...]]]:
    """What a recompute nobody interrupts writes, computed in a transaction then rolled back."""
    with transaction.atomic():
        points_recompute(on=on)
        expected = results(on)
        transaction.set_rollback(True)
    assert not LedgerEntry.objects.exists()
    assert len(expected["ledger"]) > 30 and len(expected["standings"]) == 6
    assert {row[3] for row in expected["standings"]} - {"untiered"}  # tiers are reached
    return expected


def admin_connection() -> psycopg.Connection[Any]:
    return psycopg.connect(database_url().replace("postgres://", "postgresql://"), autocommit=True)


def test_a_worker_killed_mid_recompute_leaves_nothing_and_the_redelivery_matches_a_clean_run(
    workers,
):
    program()
    expected = clean_run(ON)
    queue = f"fault-{uuid.uuid4().hex[:8]}"

    # Hold the standings table so that the run stops inside its transaction, after the ledger
    # and the snapshots and before the standings: the middle of the recompute.
    blocker = admin_connection()
    blocker.autocommit = False
    blocker.execute(f"LOCK TABLE {TierStanding._meta.db_table} IN EXCLUSIVE MODE")
    observer = admin_connection()
    try:
        first = start_worker(queue)
        workers.append(first)
        result = points_recompute_task.apply_async(args=[ON.isoformat()], queue=queue)

        def blocked_backend() -> int | None:
            row = observer.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query ILIKE %s",
                [f"%INSERT INTO%{TierStanding._meta.db_table}%"],
            ).fetchone()
            return row[0] if row else None

        backend = wait_until(blocked_backend, 90, "the recompute to reach the standings")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=20)
    finally:
        blocker.rollback()
        blocker.close()

    # PostgreSQL rolls back the dead worker's transaction: nothing of the run is committed.
    wait_until(
        lambda: (
            not observer.execute(
                "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]
            ).fetchone()
        ),
        60,
        "the killed worker's transaction to end",
    )
    observer.close()
    assert results(ON) == {"ledger": [], "snapshots": [], "standings": []}
    assert not result.ready()

    # A new worker takes the unacknowledged task back from the broker and runs it again.
    second = start_worker(queue, CELERY_VISIBILITY_TIMEOUT="2", CELERY_UNACKED_RESTORE_INTERVAL="1")
    workers.append(second)
    summary = result.get(timeout=120)
    assert summary["entries_appended"] == len(expected["ledger"])
    assert results(ON) == expected

    again = points_recompute_task.apply_async(args=[ON.isoformat()], queue=queue).get(timeout=60)
    assert again["entries_appended"] == 0 and again["standings_written"] == 0
    assert results(ON) == expected


def test_two_recomputes_of_one_date_at_once_make_one_set_of_results(workers):
    program()
    expected = clean_run(ON)
    queue = f"fault-{uuid.uuid4().hex[:8]}"
    workers.extend([start_worker(queue), start_worker(queue)])

    sent = [points_recompute_task.apply_async(args=[ON.isoformat()], queue=queue) for _ in range(2)]
    summaries = [result.get(timeout=120) for result in sent]

    appended = sorted(int(str(summary["entries_appended"])) for summary in summaries)
    assert appended == [0, len(expected["ledger"])]
    assert results(ON) == expected
    assert LedgerEntry.objects.count() == len(expected["ledger"])


# --- Redis down ---------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of the test's own, started and stopped at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server, "redis-server is needed for the outage test"
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", *NO_PERSISTENCE],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, 20, f"redis-server on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None
        assert not self.answers()


@pytest.fixture
def outage_redis(settings, monkeypatch) -> Iterator[RedisServer]:
    """The app's broker and cache on a redis-server of the test's own (port 6390)."""
    server = RedisServer(OUTAGE_PORT)
    if server.answers():
        pytest.fail(f"port {OUTAGE_PORT} is taken: the outage test needs a Redis of its own")
    server.start()
    broker = f"{server.url}/0"
    settings.CELERY_BROKER_URL = broker
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": f"{server.url}/1",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", broker)
    monkeypatch.setattr(celery_app.conf, "broker_url", broker)
    reset_broker_pools()
    try:
        yield server
    finally:
        monkeypatch.undo()
        reset_broker_pools()
        server.stop()


def reset_broker_pools() -> None:
    """Forget this process's broker connections, so that the next send uses the current URL."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


PAGES = [
    "/partner/dashboard/",
    "/partner/tier/",
    "/partner/tier/calculator/",
    "/partner/clients/",
    "/partner/lists/",
    "/partner/reports/",
    "/partner/commissions/",
    "/partner/settings/",
    "/partner/settings/team/",
]


def test_with_redis_down_pages_serve_healthz_names_the_broker_and_runs_wait(
    personas, outage_redis, workers
):
    program()
    alice = personas.client_for("alice")
    staff = personas.client_for("staff")
    assert alice.get("/healthz").status_code == 200

    outage_redis.stop()

    health = alice.get("/healthz")
    assert health.status_code == 503
    body = health.json()
    assert body["status"] == "unavailable" and body["database"] == "ok"
    assert body["broker"].startswith("error")

    for path in PAGES:
        assert alice.get(path).status_code == 200, path
    fresh = HttpClient()  # a new login works too: sessions live in the database
    assert (
        fresh.post(
            "/accounts/login/", {"username": personas.carol.user.username, "password": PASSWORD}
        ).status_code
        == 302
    )
    assert fresh.get("/partner/dashboard/").status_code == 200

    asked = staff.post("/admin/partners/partner/recompute-all/", follow=True)
    assert asked.status_code == 200
    run = RecomputeRun.objects.get()
    assert (run.status, run.error) == (RecomputeRun.Status.QUEUED, BROKER_UNREACHABLE)
    assert not LedgerEntry.objects.exists()

    outage_redis.start()
    assert alice.get("/healthz").status_code == 200
    workers.append(start_worker(None, CELERY_BROKER_URL=f"{outage_redis.url}/0"))
    # what beat does every minute, through the worker
    recompute_runs_requeue_task.apply_async(ignore_result=True)
    run = wait_until(
        lambda: RecomputeRun.objects.filter(pk=run.pk, status=RecomputeRun.Status.FINISHED).first(),
        120,
        "the queued run to finish",
    )
    assert run.summary["entries_appended"] == LedgerEntry.objects.count() > 0
    assert TierStanding.objects.filter(date=run.on).count() == Partner.objects.count() == 8


# --- a PostgreSQL connection killed -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def gunicorn() -> Iterator[str]:
    """One gunicorn worker, one thread, keeping its database connection between requests."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "partner_portal.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            *GUNICORN,
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "partner_portal.settings.test",
            # named, so that the test tells its connections from the session's other ones
            "DATABASE_URL": f"{database_url()}?application_name={GUNICORN_APP}",
            "DB_CONN_MAX_AGE": "600",
        },
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: fetch(f"{base}/healthz")[0] in (200, 503), 60, "gunicorn")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def fetch(url: str, cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


GUNICORN_APP = "portal-under-test"


def server_backends() -> set[int]:
    """The database connections the gunicorn under test holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s",
            [GUNICORN_APP],
        )
        return {row[0] for row in cursor.fetchall()}


def test_a_killed_database_connection_is_replaced_on_the_next_request(personas, gunicorn):
    http = HttpClient()
    http.force_login(personas.alice.user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={http.cookies[settings.SESSION_COOKIE_NAME].value}"
    dashboard = f"{gunicorn}/partner/dashboard/"

    assert fetch(dashboard, cookie)[0] == 200
    held = server_backends()
    assert fetch(dashboard, cookie)[0] == 200
    assert len(held) == 1 and held <= server_backends()  # kept between requests

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [next(iter(held))])
    wait_until(lambda: not (server_backends() & held), 20, "the backend to go")

    status, page = fetch(dashboard, cookie)
    assert status == 200 and personas.acme.name in page
    status, health = fetch(f"{gunicorn}/healthz")
    assert status in (200, 503) and json.loads(health)["database"] == "ok"
    replaced = server_backends()
    assert len(replaced) == 1 and not (replaced & held)
