"""The portal's processes as the containers run them, on a SQLite database and static files of
their own: the production settings, the compose file's health checks."""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.deploy.stack import COMPOSE_FILE, ROOT

HOST = "portal.example.com"
# The variables of the test process that would point the portal elsewhere.
FOREIGN = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


@dataclass
class Site:
    """A migrated SQLite database and collected static files in a folder of their own, and the
    environment that runs the portal on them with the production settings."""

    folder: Path
    env: dict[str, str]

    def settings_module(self, name: str, **overrides: object) -> dict[str, str]:
        """The environment for a settings module ``name`` in the folder: this site's settings
        with ``overrides``."""
        lines = "".join(f"{key} = {value!r}\n" for key, value in overrides.items())
        base = self.env["DJANGO_SETTINGS_MODULE"]
        (self.folder / f"{name}.py").write_text(f"from {base} import *  # noqa: F403\n\n{lines}")
        return {**self.env, "DJANGO_SETTINGS_MODULE": name}


def production_site(folder: Path) -> Site:
    """The production settings with STATIC_ROOT moved into ``folder``, so that collectstatic
    leaves the working tree alone; ALLOWED_HOSTS the real host name, the HTTPS redirect on."""
    (folder / "deploy_settings.py").write_text(
        "from partner_portal.settings.production import *  # noqa: F403\n\n"
        f"STATIC_ROOT = {str(folder / 'static')!r}\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN}
    env.update(
        DJANGO_SETTINGS_MODULE="deploy_settings",
        PYTHONPATH=os.pathsep.join([str(folder), str(ROOT)]),
        # The compose health checks call `celery` and `python` from PATH, as in the image.
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="true",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        LOG_LEVEL="WARNING",
    )
    return Site(folder=folder, env=env)


def manage(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def prepared(site: Site) -> Site:
    """migrate and collectstatic, side by side, as the migrate service and the image build do."""
    jobs = [
        manage(site.env, "migrate", "--noinput"),
        manage(site.env, "collectstatic", "--noinput"),
    ]
    for job in jobs:
        _, errors = job.communicate(timeout=300)
        assert job.returncode == 0, errors.decode()
    return site


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing listened on port {port} within {timeout} s")


def request(port: int, path: str, headers: dict[str, str]) -> tuple[int, http.client.HTTPMessage]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.headers
    finally:
        connection.close()


def wait_for_answer(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request(port, "/healthz", {})
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the server on port {port} did not answer within {timeout} s")


def healthcheck(service: str) -> list[str]:
    """A service's health check command, as written in docker-compose.yml."""
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    test: list[str] = services[service]["healthcheck"]["test"]
    return test


def run_healthcheck(test: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Runs a compose health check as Docker does: CMD as an argument list, CMD-SHELL through
    sh. ``$$`` is compose's escape for a ``$`` the container's shell sees."""
    kind, *arguments = test
    if kind == "CMD-SHELL":
        arguments = ["sh", "-c", arguments[0].replace("$$", "$")]
    else:
        assert kind == "CMD", kind
    return subprocess.run(arguments, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def wait_for_healthy(
    test: list[str], env: dict[str, str], timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    deadline = time.monotonic() + timeout
    while True:
        result = run_healthcheck(test, env)
        if result.returncode == 0 or time.monotonic() > deadline:
            return result
        time.sleep(1)
