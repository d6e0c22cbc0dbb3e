"""Structured logs: JSON lines with the request id, user and partner; readable console lines;
every stdlib logger in the same format; a task's lines under the id of the request that
queued it."""

from __future__ import annotations

import gc
import importlib.util
import io
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
import structlog
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import Client as HttpClient
from django.urls import path
from rest_framework.test import APIClient
from structlog.dev import ConsoleRenderer
from structlog.processors import JSONRenderer

from core.logs import logging_config, logging_setup
from partner_portal.celery import app as celery_app
from partners.services import api_token_create

Lines = Callable[[], list[dict[str, Any]]]
BASE_SETTINGS = "partner_portal.settings.base"


@celery_app.task(name="tests.core.log_probe", ignore_result=True)
def log_probe() -> None:
    structlog.get_logger("tests.probe").info("probe_ran")


def queue_probe(request: HttpRequest) -> HttpResponse:
    log_probe.delay()
    return HttpResponse("queued")


urlpatterns = [path("probe/", queue_probe)]


def configure(log_format: str, stream: io.StringIO) -> None:
    logging_setup(logging_config(log_format=log_format, level="INFO", stream=stream))


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The test settings' logging again afterwards, whatever the test configured."""
    try:
        yield
    finally:
        structlog.contextvars.clear_contextvars()
        logging_setup(settings.LOGGING)


@pytest.fixture
def json_lines(restore_logging: None) -> Lines:
    """Logging as production configures it, into a buffer: its lines, parsed."""
    stream = io.StringIO()
    configure("json", stream)
    return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


def request_lines(lines: Lines, request: str) -> list[dict[str, Any]]:
    return [line for line in lines() if line.get("request") == request]


@pytest.mark.django_db
def test_a_request_logs_json_lines_with_its_id_user_and_partner(personas, json_lines):
    alice = personas.client_for("alice")
    response = alice.get("/partner/dashboard/")
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert str(uuid.UUID(request_id)) == request_id  # none came in: a new one

    started, finished = request_lines(json_lines, "GET /partner/dashboard/")
    assert started["event"] == "request_started" and started["request_id"] == request_id
    assert finished["event"] == "request_finished"
    assert finished["request_id"] == request_id
    assert finished["user_id"] == personas.alice.user.pk
    assert finished["partner_id"] == personas.acme.pk
    assert finished["code"] == 200 and finished["ip"] == "127.0.0.1"
    assert finished["level"] == "info"
    assert finished["logger"] == "django_structlog.middlewares.request"
    stamp = finished["timestamp"]
    assert stamp.endswith("Z")
    assert datetime.fromisoformat(stamp).tzinfo == UTC


@pytest.mark.django_db
def test_each_request_starts_a_fresh_context(personas, json_lines):
    personas.client_for("alice").get("/partner/dashboard/")
    HttpClient().get("/accounts/login/")
    (_, finished) = request_lines(json_lines, "GET /accounts/login/")
    assert "user_id" not in finished or finished["user_id"] is None
    assert "partner_id" not in finished


@pytest.mark.django_db
def test_a_staff_user_without_a_partner_logs_no_partner_id(personas, json_lines):
    staff = personas.client_for("staff")
    staff.get("/admin/")
    (_, finished) = request_lines(json_lines, "GET /admin/")
    assert finished["user_id"] is not None and "partner_id" not in finished


@pytest.mark.django_db
def test_an_api_token_request_logs_its_user_and_partner(personas, json_lines):
    _, key = api_token_create(user=personas.carol.user, name="logs")
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert http.get("/api/v1/me/").status_code == 200
    (_, finished) = request_lines(json_lines, "GET /api/v1/me/")
    assert finished["user_id"] == personas.carol.user.pk
    assert finished["partner_id"] == personas.globex.pk


@pytest.mark.django_db
def test_a_plain_upstream_request_id_is_kept_and_echoed(json_lines):
    response = HttpClient().get("/accounts/login/", HTTP_X_REQUEST_ID="7f3c2a9e-caddy.1_x")
    assert response["X-Request-ID"] == "7f3c2a9e-caddy.1_x"
    for line in request_lines(json_lines, "GET /accounts/login/"):
        assert line["request_id"] == "7f3c2a9e-caddy.1_x"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "injected",
    [
        'abc\n{"level": "critical"}',
        "abc\r\nSet-Cookie: x=1",
        "a" * 65,
        "x" * 5000,
        "has space",
        "caf\u00e9",
        "",
    ],
)
def test_an_injected_request_id_is_replaced(json_lines, injected):
    response = HttpClient().get("/accounts/login/", HTTP_X_REQUEST_ID=injected)
    request_id = response["X-Request-ID"]
    assert request_id != injected and str(uuid.UUID(request_id)) == request_id
    lines = request_lines(json_lines, "GET /accounts/login/")
    assert lines and all(line["request_id"] == request_id for line in lines)
    if injected:
        assert all(injected not in json.dumps(line) for line in json_lines())


@pytest.mark.parametrize("name", ["django", "django.request", "celery", "axes", "gunicorn.error"])
def test_stdlib_loggers_write_the_same_json_lines(restore_logging, name):
    # gunicorn gives its loggers a handler of their own and stops them propagating.
    own = io.StringIO()
    logger = logging.getLogger(name)
    logger.addHandler(logging.StreamHandler(own))
    logger.propagate = False
    stream = io.StringIO()
    configure("json", stream)
    structlog.contextvars.bind_contextvars(request_id="req-1", user_id=7)
    logger.warning("disk %s is full", "/var")
    (line,) = [json.loads(raw) for raw in stream.getvalue().splitlines()]
    assert line["event"] == "disk /var is full"
    assert (line["logger"], line["level"]) == (name, "warning")
    assert (line["request_id"], line["user_id"]) == ("req-1", 7)
    assert line["timestamp"].endswith("Z")
    assert own.getvalue() == ""


def test_an_exception_is_logged_as_frames_without_local_variables(json_lines):
    secret = "hunter2"  # noqa: F841  (a local the log must not show)
    try:
        raise ValueError("bad row")
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error: %s", "/x")
    (line,) = json_lines()
    (exception,) = line["exception"]
    assert exception["exc_type"] == "ValueError" and exception["exc_value"] == "bad row"
    assert exception["frames"] and all("locals" not in frame for frame in exception["frames"])
    assert "hunter2" not in json.dumps(line)


@pytest.mark.django_db
def test_console_lines_are_readable(restore_logging):
    stream = io.StringIO()
    configure("console", stream)
    response = HttpClient().get("/accounts/login/")
    output = stream.getvalue()
    finished = next(line for line in output.splitlines() if "request_finished" in line)
    assert not finished.startswith("{") and "\x1b[" not in finished
    assert "[info" in finished and "[django_structlog.middlewares.request]" in finished
    assert f"request_id={response['X-Request-ID']}" in finished
    assert "code=200" in finished and "request='GET /accounts/login/'" in finished


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ImproperlyConfigured, match="json, console"):
        logging_config(log_format="xml", level="INFO")


def fresh_module(name: str) -> ModuleType:
    """Module ``name`` executed anew, outside ``sys.modules``."""
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("settings_module", "env", "renderer"),
    [
        ("partner_portal.settings.production", {}, JSONRenderer),
        ("partner_portal.settings.local", {}, ConsoleRenderer),
        ("partner_portal.settings.local", {"LOG_FORMAT": "json"}, JSONRenderer),
        ("partner_portal.settings.production", {"LOG_FORMAT": "console"}, ConsoleRenderer),
    ],
)
def test_each_environment_has_its_default_format_and_log_format_overrides_it(
    monkeypatch, settings_module, env, renderer
):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "portal.example.com")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # Fresh copies read the environment above; the session's settings modules stay as they are.
    monkeypatch.setitem(sys.modules, BASE_SETTINGS, fresh_module(BASE_SETTINGS))
    processors = fresh_module(settings_module).LOGGING["formatters"]["structured"]["processors"]
    assert isinstance(processors[-1], renderer)


def test_production_writes_json_lines_from_the_start():
    """A fresh process on the production settings: django-axes' start-up line, logged through
    the standard library while Django sets up, is JSON already."""
    environment = {k: v for k, v in os.environ.items() if k not in ("LOG_FORMAT", "LOG_LEVEL")}
    environment.update(
        DJANGO_SETTINGS_MODULE="partner_portal.settings.production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="portal.example.com",
        SENTRY_DSN="",
    )
    stderr = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stderr
    (axes,) = [json.loads(line) for line in stderr.splitlines() if "AXES" in line]
    assert axes["logger"] == "axes.apps" and axes["level"] == "info"
    assert axes["event"].startswith("AXES: BEGIN") and axes["timestamp"].endswith("Z")


@pytest.fixture
def memory_broker() -> Iterator[None]:
    """A real (in-memory) broker instead of eager tasks, for a worker in a thread."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    celery_app.close()
    conf.broker_url, conf.task_always_eager = "memory://", False
    try:
        yield
    finally:
        celery_app.close()
        conf.broker_url, conf.task_always_eager = saved
        gc.collect()  # the worker's signal receivers go with it


def test_a_task_logs_under_the_request_id_of_the_request_that_queued_it():
    """A worker in a thread shares the process's Celery app and logging with every test run
    before it, so it runs in a fresh interpreter: ``isolated_task_logs_under_the_request_id``
    below, collected only there."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            f"{__file__}::isolated_task_logs_under_the_request_id",
            "-o",
            "python_functions=isolated_*",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout[-4000:]


@pytest.mark.urls(__name__)
def isolated_task_logs_under_the_request_id(memory_broker, restore_logging):
    with start_worker(celery_app, perform_ping_check=False):
        stream = io.StringIO()
        configure("json", stream)  # after the worker's start, which reapplies the settings'
        response = HttpClient().get("/probe/")
        request_id = response["X-Request-ID"]
        deadline = time.monotonic() + 60
        ran: list[dict[str, Any]] = []
        while not ran and time.monotonic() < deadline:
            time.sleep(0.05)
            lines = [json.loads(line) for line in stream.getvalue().splitlines()]
            ran = [line for line in lines if line["event"] == "probe_ran"]
    assert ran, stream.getvalue()[-3000:]
    (line,) = ran
    # Logged in the worker's thread, whose context came with the task's message.
    assert line["request_id"] == request_id and line["task_id"]
    (enqueued,) = [line for line in lines if line["event"] == "task_enqueued"]
    assert enqueued["request_id"] == request_id


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "secret"),
    [
        ("/accounts/invitations/WzEsImZCIl0:1xZKbe:r59xSECRET/", "r59xSECRET"),
        ("/accounts/password/reset/Mw/dj1nja-c7fdSECRET/", "c7fdSECRET"),
        ("/accounts/password/reset/Mw/set-password/", "Mw"),
    ],
)
def test_invitation_and_reset_links_never_reach_the_logs(json_lines, path, secret):
    """Whoever reads the logs must not be able to accept an invitation or reset a password."""
    response = HttpClient().get(path)
    assert response.status_code < 500
    logged = "\n".join(json.dumps(line) for line in json_lines())
    assert "request_finished" in logged
    assert secret not in logged
    assert "/accounts/" in logged and "[token]" in logged
