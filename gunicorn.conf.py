"""gunicorn's settings for the portal, read from ./gunicorn.conf.py in the working directory
(the image's /app). Every value can be changed from the environment; options given on the
command line win over this file.

The web runs behind Caddy (deploy/Caddyfile), which terminates TLS, holds the slow clients and
keeps its connections to gunicorn alive for at most 60 seconds.
"""

from __future__ import annotations

import os

from core.logs import logging_config, structlog_configure


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


wsgi_app = "partner_portal.wsgi:application"
# Every address of the container: only the compose network reaches it (web publishes no port).
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# Threaded workers: a worker's main loop keeps telling the arbiter it is alive while its threads
# serve, so a long streamed CSV/XLSX export is not cut off by `timeout`, which catches only a
# worker that has stopped answering altogether. Each thread holds its own database connection:
# web's share of PostgreSQL's connections is workers x threads.
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", min(2 * _cpus() + 1, 8))
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 60)
# On a restart or `docker compose stop` (whose stop_grace_period for web is longer), requests
# in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 60)
# Longer than Caddy's keepalive towards gunicorn, so that it is always Caddy that closes an idle
# connection, never gunicorn under a request Caddy is sending.
keepalive = _int("GUNICORN_KEEPALIVE", 75)

# X-Forwarded-Proto is believed only from these addresses: the compose network's subnet, where
# Caddy runs (docker-compose.yml sets it). Django's SECURE_PROXY_SSL_HEADER and the portal's
# TRUSTED_PROXY_* settings make the same decision for the application.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The portal logs every request itself, with its request id; gunicorn's own access log is off
# unless GUNICORN_ACCESS_LOG names a file ("-" is stdout).
# The master's own lines (booting, workers started and stopped) in the portal's format
# (LOG_FORMAT, LOG_LEVEL), like the workers' once Django has configured them.
structlog_configure()
logconfig_dict = logging_config(
    log_format=os.environ.get("LOG_FORMAT", "json"), level=os.environ.get("LOG_LEVEL", "INFO")
)
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
if accesslog is None:
    # gunicorn turns its access log on whenever logconfig_dict is set: off means no handler.
    logconfig_dict["loggers"]["gunicorn.access"] = {"handlers": [], "propagate": False}
# The scheme comes from Caddy's X-Forwarded-Proto alone; a client's X-Forwarded-Ssl or
# X-Forwarded-Protocol, which Caddy passes on, must not make gunicorn refuse the request.
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn's own lines at its level, whatever LOG_LEVEL says for the portal's.
logconfig_dict["loggers"]["gunicorn.error"]["level"] = loglevel.upper()
proc_name = "partner-portal"

# The workers' heartbeat files in memory rather than on the container's overlay filesystem
# (gunicorn's advice for containers).
_SHARED_MEMORY = "/dev/shm"  # noqa: S108
if os.path.isdir(_SHARED_MEMORY):
    worker_tmp_dir = _SHARED_MEMORY
# The runtime control socket (gunicornc) is not used.
control_socket_disable = True
