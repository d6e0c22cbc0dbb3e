"""The worker's and beat's health checks from docker-compose.yml, run against a real worker and
a real beat on the broker: healthy while they work, unhealthy when they do not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from django.conf import settings

from tests.deploy.site import Site, healthcheck, manage, run_healthcheck, wait_for_healthy
from tests.deploy.stack import ROOT

# The beat health check looks for a task sent within this window (docker-compose.yml).
BEAT_WINDOW = timedelta(minutes=10)
# DatabaseScheduler writes what it sent to the database at least this often.
BEAT_SYNC = timedelta(minutes=3)

needs_broker = pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"),
    reason="needs CELERY_BROKER_URL (Redis) for a real worker and beat",
)


def interval(schedule: object) -> timedelta | None:
    if isinstance(schedule, int | float):
        return timedelta(seconds=schedule)
    return schedule if isinstance(schedule, timedelta) else None


def most_frequent_task() -> tuple[str, str, timedelta]:
    """The beat schedule's entry with the shortest fixed interval: name, task, interval."""
    entries = [
        (name, str(entry["task"]), every)
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if (every := interval(entry["schedule"])) is not None
    ]
    return min(entries, key=lambda entry: entry[2])


def test_the_beat_schedule_sends_often_enough_for_the_beat_health_check():
    _, _, every = most_frequent_task()
    assert every + BEAT_SYNC < BEAT_WINDOW
    assert "minutes=10" in healthcheck("beat")[-1]


def stopped(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def celery_env(site: Site) -> Iterator[tuple[dict[str, str], str]]:
    """The site's settings on the broker, with a queue of the test's own (deleted afterwards)."""
    queue = f"deploy-test-{uuid.uuid4().hex[:8]}"
    env = site.settings_module(f"celery_{queue.replace('-', '_')}", CELERY_TASK_DEFAULT_QUEUE=queue)
    broker = os.environ["CELERY_BROKER_URL"]
    env["CELERY_BROKER_URL"] = broker
    yield env, queue
    if broker.startswith("redis"):
        client = redis.Redis.from_url(broker)
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)


@needs_broker
@pytest.mark.worker
def test_the_worker_health_check_answers_while_the_worker_runs_and_fails_once_it_stops(
    celery_env,
):
    env, queue = celery_env
    node = f"worker-{uuid.uuid4().hex[:8]}"
    # The container's host name is the worker's node name (celery@$HOSTNAME).
    env = {**env, "HOSTNAME": node}
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "partner_portal", "worker", "-P", "solo"),
            *("-n", f"celery@{node}", "-Q", queue, "--without-gossip", "--without-mingle"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    test = healthcheck("worker")
    try:
        healthy = wait_for_healthy(test, env)
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    finally:
        stopped(worker)
    # No reply from a stopped worker (waiting 2 s for it, not the check's 10).
    assert "--timeout 10" in test[1]
    unanswered = run_healthcheck([test[0], test[1].replace("--timeout 10", "--timeout 2")], env)
    assert unanswered.returncode != 0


@needs_broker
@pytest.mark.worker
def test_the_beat_health_check_passes_once_beat_sends_and_not_before(celery_env):
    env, _ = celery_env
    name, task, every = most_frequent_task()
    # The entry as beat left it long ago: due now, and older than the health check's window.
    setup = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from datetime import timedelta; from django.utils import timezone; "
        "from django_celery_beat.models import IntervalSchedule, PeriodicTask; "
        f"every = IntervalSchedule.objects.get_or_create(every={int(every.total_seconds())}, "
        "period=IntervalSchedule.SECONDS)[0]; "
        f"PeriodicTask.objects.update_or_create(name={name!r}, defaults=dict(task={task!r}, "
        "interval=every, last_run_at=timezone.now() - timedelta(minutes=30)))",
    )
    _, errors = setup.communicate(timeout=120)
    assert setup.returncode == 0, errors.decode()
    test = healthcheck("beat")
    assert run_healthcheck(test, env).returncode != 0

    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "partner_portal", "beat", "--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        healthy = wait_for_healthy(test, env)
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    finally:
        stopped(beat)
