""".env.example names every variable the portal and the stack read; the image is built from
the lock, as a non-root user, without secrets; Caddy's configuration adapts as intended."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
from typing import Any

import pytest
from django.conf import settings

from tests.deploy.stack import (
    CADDYFILE,
    ROOT,
    caddyfile_variable_names,
    compose_variable_names,
    env_example,
    gunicorn_env_names,
    settings_env_names,
)

DOCKERFILE = ROOT / "Dockerfile"
# What the build and the running image need from the build context.
BUILD_NEEDS = (
    "pyproject.toml",
    "uv.lock",
    "manage.py",
    "gunicorn.conf.py",
    "partner_portal/settings/production.py",
    "templates/_base.html",
    "static/css/portal.css",
    "core/views.py",
)
NEVER_IN_THE_IMAGE = (
    ".env",
    ".env.production",
    "deploy/.env",
    ".venv/bin/python",
    ".git/config",
    "db.sqlite3",
    "db.sqlite3-wal",
    "tests/conftest.py",
    ".pytest_cache/v/cache",
    "core/__pycache__/views.cpython-311.pyc",
)


def test_env_example_names_every_variable_the_settings_and_the_stack_read():
    values, documented = env_example()
    named = set(values) | documented
    read = settings_env_names() | gunicorn_env_names() | compose_variable_names()
    # The parsers find what they should (a regression here would make the check vacuous).
    assert {"DJANGO_SECRET_KEY", "CELERY_VISIBILITY_TIMEOUT", "DATABASE_URL"} <= read
    assert {"GUNICORN_WORKERS", "POSTGRES_PASSWORD", "PORTAL_SUBNET"} <= read
    # Set in the shell, never in the file it names.
    missing = read - named - {"PORTAL_ENV_FILE"}
    assert not missing, f".env.example does not mention {sorted(missing)}"


def test_every_variable_set_in_env_example_is_read_somewhere():
    values, _ = env_example()
    read = (
        settings_env_names()
        | gunicorn_env_names()
        | compose_variable_names()
        | caddyfile_variable_names()
    )
    assert not set(values) - read, "set in .env.example but read by nothing"
    # The placeholders an operator must replace are plainly placeholders.
    assert values["DJANGO_SECRET_KEY"].startswith("replace-me")
    assert values["POSTGRES_PASSWORD"].startswith("replace-me")


def test_env_example_keeps_the_documented_defaults_of_the_settings():
    values, _ = env_example()
    assert int(values["HEALTHZ_RECOMPUTE_MAX_AGE_HOURS"]) == (
        settings.HEALTHZ_RECOMPUTE_MAX_AGE_HOURS
    )
    assert values["RECOMPUTE_AT"] == "02:30"


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore's patterns leave ``path`` out (the last matching pattern wins,
    "!" re-includes; a pattern that names a folder covers what is inside)."""
    result = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!").rstrip("/")
        candidates = [path] + [path[: i.start()] for i in re.finditer("/", path)]
        if any(
            fnmatch.fnmatch(candidate, pattern) or fnmatch.fnmatch(candidate, f"**/{pattern}")
            for candidate in candidates
        ):
            result = not negated
    return result


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_dockerignore_keeps_env_files_secrets_and_local_state_out_of_the_image():
    patterns = dockerignore()
    assert {".env", ".env.*"} <= set(patterns)
    for path in NEVER_IN_THE_IMAGE:
        assert ignored(path, patterns), path
    for path in BUILD_NEEDS:
        assert (ROOT / path).exists(), path
        assert not ignored(path, patterns), path


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), " ".join(rest.split())))
    return instructions


def test_the_image_installs_from_the_lock_as_a_non_root_user_without_secrets():
    instructions = dockerfile_instructions()
    (base,) = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", base), base
    copies = [rest for keyword, rest in instructions if keyword == "COPY"]
    assert copies[0] == "--from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/"
    runs = [rest for keyword, rest in instructions if keyword == "RUN"]
    (sync,) = [run for run in runs if "uv sync" in run]
    assert "--frozen" in sync and "--no-dev" in sync
    # The dependencies' layer is built before the source is copied in, from the lock alone.
    keywords = [(keyword, rest) for keyword, rest in instructions]
    assert keywords.index(("RUN", sync)) < keywords.index(("COPY", ". ."))
    assert "source=uv.lock" in sync and "source=pyproject.toml" in sync
    assert any("collectstatic" in run for run in runs)
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    # No secret in the image's environment: the key exists for collectstatic's command only.
    environment = " ".join(rest for keyword, rest in instructions if keyword in {"ENV", "ARG"})
    assert "SECRET" not in environment and "PASSWORD" not in environment
    assert not any(".env" in copy for copy in copies)


def caddy_adapt(**env: str) -> dict[str, Any]:
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy is not installed (apt-get install caddy) to adapt deploy/Caddyfile")
    clean = {k: v for k, v in os.environ.items() if k not in {"PORTAL_DOMAIN", "CADDY_TLS"}}
    result = subprocess.run(
        [caddy, "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    adapted: dict[str, Any] = json.loads(result.stdout)
    return adapted


def site_handlers(adapted: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    (server,) = adapted["apps"]["http"]["servers"].values()
    (route,) = server["routes"]
    (subroute,) = route["handle"]
    handlers = [handler for inner in subroute["routes"] for handler in inner["handle"]]
    return route["match"][0]["host"], handlers


def test_caddy_uses_its_local_ca_for_localhost_by_default():
    adapted = caddy_adapt()
    hosts, _ = site_handlers(adapted)
    assert hosts == ["localhost"]
    (policy,) = adapted["apps"]["tls"]["automation"]["policies"]
    assert [issuer["module"] for issuer in policy["issuers"]] == ["internal"]


def test_caddy_gets_acme_certificates_for_a_real_domain_and_proxies_to_web():
    adapted = caddy_adapt(PORTAL_DOMAIN="portal.example.com", CADDY_TLS="ops@example.com")
    hosts, handlers = site_handlers(adapted)
    assert hosts == ["portal.example.com"]
    (policy,) = adapted["apps"]["tls"]["automation"]["policies"]
    assert policy["subjects"] == ["portal.example.com"]
    assert {issuer["module"] for issuer in policy["issuers"]} <= {"acme", "zerossl"}
    assert {issuer["email"] for issuer in policy["issuers"]} == {"ops@example.com"}
    (proxy,) = [handler for handler in handlers if handler["handler"] == "reverse_proxy"]
    assert proxy["upstreams"] == [{"dial": "web:8000"}]
    # A fresh request id towards web, whatever the client sent.
    assert proxy["headers"]["request"]["set"]["X-Request-Id"] == ["{http.request.uuid}"]
    # Caddy closes idle upstream connections before gunicorn's keepalive (75 s) does.
    assert proxy["transport"]["keep_alive"]["idle_timeout"] == 60 * 10**9
