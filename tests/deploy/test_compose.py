"""docker-compose.yml as Docker Compose renders it with .env.example: TLS in front, only the
proxy published, one configuration file for every portal container, migrations before the
rest, one beat, a persistent broker, pinned images."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.stack import (
    PORTAL_SERVICES,
    compose_config,
    compose_run,
    env_example,
)

# An exact release: caddy:2.11.7-alpine, redis:7.4.11-alpine, postgres:16.15 (PostgreSQL's
# releases are major.minor).
PINNED = {
    "caddy": re.compile(r"^caddy:2\.\d+\.\d+-alpine$"),
    "redis": re.compile(r"^redis:7\.\d+\.\d+(-[a-z0-9.]+)?$"),
    "postgres": re.compile(r"^postgres:16\.\d+(-[a-z0-9.]+)?$"),
}


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return compose_config()


@pytest.fixture(scope="module")
def services(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(config["services"])


def command(service: dict[str, Any]) -> list[str]:
    return list(service.get("command") or [])


def test_only_the_proxy_publishes_ports(services):
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"caddy"}
    ports = {(p["target"], str(p["published"]), p["protocol"]) for p in services["caddy"]["ports"]}
    assert ports == {(80, "80", "tcp"), (443, "443", "tcp"), (443, "443", "udp")}
    assert "gunicorn" in command(services["web"])


def test_caddy_serves_the_domain_from_the_env_file_with_the_repository_caddyfile(services):
    caddy = services["caddy"]
    assert caddy["environment"] == {"PORTAL_DOMAIN": "localhost", "CADDY_TLS": "internal"}
    mounts = {volume["target"]: volume for volume in caddy["volumes"]}
    assert Path(mounts["/etc/caddy/Caddyfile"]["source"]).name == "Caddyfile"
    assert mounts["/etc/caddy/Caddyfile"]["read_only"] is True
    # Certificates and the local CA survive a restart.
    assert mounts["/data"]["type"] == "volume"


def test_the_proxy_does_not_wait_for_web_to_be_healthy(services):
    # /healthz answers 503 when the recompute is late: that must not keep the site down.
    assert services["caddy"]["depends_on"]["web"]["condition"] == "service_started"


def test_every_portal_container_reads_the_env_file(services):
    values, _ = env_example()
    unrendered = compose_config("--no-interpolate")["services"]
    for name in PORTAL_SERVICES:
        paths = [entry["path"] for entry in unrendered[name]["env_file"]]
        assert [path.endswith("${PORTAL_ENV_FILE:-.env}") for path in paths] == [True], name
        environment = services[name]["environment"]
        # What `docker compose run --rm web python manage.py ...` needs, from the file.
        assert environment["DJANGO_SECRET_KEY"] == values["DJANGO_SECRET_KEY"], name
        assert environment["DJANGO_ALLOWED_HOSTS"] == "localhost", name
        assert environment["PORTAL_URL"] == "https://localhost", name
        assert set(values) <= set(environment), name
        assert environment["DJANGO_SETTINGS_MODULE"] == "partner_portal.settings.production"
        assert environment["DATABASE_URL"] == (
            f"postgres://portal:{values['POSTGRES_PASSWORD']}@postgres:5432/portal"
        )
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == values["POSTGRES_PASSWORD"]


def test_the_portal_image_is_built_once_and_run_by_every_portal_service(services):
    images = {services[name]["image"] for name in PORTAL_SERVICES}
    assert images == {"partner-portal:local"}
    contexts = {Path(services[name]["build"]["context"]) for name in PORTAL_SERVICES}
    assert len(contexts) == 1 and (contexts.pop() / "Dockerfile").exists()


def test_every_other_image_is_pinned_to_an_exact_release(services):
    for name, pattern in PINNED.items():
        assert pattern.match(services[name]["image"]), services[name]["image"]
    assert set(services) == {*PORTAL_SERVICES, *PINNED}


def test_proxy_headers_are_trusted_from_the_compose_network_only(config, services):
    (network,) = config["networks"].values()
    (pool,) = network["ipam"]["config"]
    subnet = ipaddress.ip_network(pool["subnet"])
    assert subnet.is_private
    for name in PORTAL_SERVICES:
        environment = services[name]["environment"]
        assert environment["TRUSTED_PROXY_COUNT"] == "1"
        assert environment["TRUSTED_PROXY_NETWORKS"] == str(subnet)
        assert environment["FORWARDED_ALLOW_IPS"] == str(subnet)
    for name, service in services.items():
        assert list(service["networks"]) == list(config["networks"]), name


def test_migrations_run_once_before_web_worker_and_beat(services):
    migrate = services["migrate"]
    assert command(migrate)[:3] == ["python", "manage.py", "migrate"]
    assert migrate["restart"] == "no"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_exactly_one_beat_and_no_worker_embeds_one(services):
    beats = [name for name, service in services.items() if "beat" in command(service)]
    assert beats == ["beat"]
    assert command(services["beat"])[:4] == ["celery", "-A", "partner_portal", "beat"]
    for name, service in services.items():
        assert not {"-B", "--beat"} & set(command(service)), name
    assert "worker" in command(services["worker"])


def test_redis_keeps_queued_tasks_across_a_restart(services):
    redis = services["redis"]
    arguments = command(redis)
    assert arguments[0] == "redis-server"
    assert arguments[arguments.index("--appendonly") + 1] == "yes"
    assert arguments[arguments.index("--appendfsync") + 1] == "everysec"
    assert not {"--maxmemory", "--maxmemory-policy"} & set(arguments)
    (volume,) = redis["volumes"]
    assert (volume["type"], volume["target"]) == ("volume", "/data")


def test_health_checks_and_restart_policies(services):
    web = services["web"]["healthcheck"]["test"]
    assert web[0] == "CMD" and "http://127.0.0.1:8000/healthz" in web[-1]
    worker = services["worker"]["healthcheck"]["test"]
    assert worker[0] == "CMD-SHELL" and "inspect ping" in worker[1]
    # $$ is compose's escape: the container's shell expands $HOSTNAME, the worker's node name.
    assert "celery@$$HOSTNAME" in worker[1]
    beat = services["beat"]["healthcheck"]["test"]
    assert beat[:4] == ["CMD", "python", "manage.py", "shell"]
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    for name, service in services.items():
        assert service["restart"] == ("no" if name == "migrate" else "unless-stopped"), name
    # Running tasks and requests finish on a stop.
    assert services["worker"]["stop_grace_period"] == "5m0s"
    assert services["web"]["stop_grace_period"] == "1m15s"


def test_the_env_file_is_required_and_the_database_password_too(tmp_path):
    values, _ = env_example()
    without_password = tmp_path / "portal.env"
    without_password.write_text(
        "".join(
            f"{name}={value}\n" for name, value in values.items() if name != "POSTGRES_PASSWORD"
        )
    )
    refused = compose_run(env_file=without_password)
    assert refused.returncode != 0 and "set POSTGRES_PASSWORD in .env" in refused.stderr
    missing = compose_run(env_file=tmp_path / "missing.env")
    assert missing.returncode != 0 and "missing.env" in missing.stderr
