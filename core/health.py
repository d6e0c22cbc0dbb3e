"""The checks ``/healthz`` runs: the database, the broker, and those ``HEALTH_CHECKS`` adds.

``HEALTH_CHECKS`` maps a name, the key of the check's report in the JSON, to the dotted path of
a function that takes nothing and returns a ``Health``. The apps above ``core`` plug their own
checks in this way (the recompute's age: ``recompute.health``). A check that raises reports
the exception's class only: a message could name a host, a user or a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from celery import current_app as celery_app
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils.module_loading import import_string

BROKER_TIMEOUT_SECONDS = 2

Report = str | Mapping[str, object]


@dataclass(frozen=True)
class Health:
    """One check's verdict and what ``/healthz`` shows of it."""

    healthy: bool
    report: Report


def database_check() -> Health:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return Health(True, "ok")


def broker_check() -> Health:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return Health(True, "ok (eager: tasks run in the web process)")
    with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return Health(True, "ok")


def installed_at() -> datetime | None:
    """When the database was set up: the first migration applied to it."""
    return (
        MigrationRecorder.Migration.objects.order_by("applied")
        .values_list("applied", flat=True)
        .first()
    )


def health_checks_run() -> tuple[bool, dict[str, Report]]:
    """Every check of ``HEALTH_CHECKS``, in order: whether all are healthy, and their reports."""
    healthy, reports = True, {}
    for name, path in settings.HEALTH_CHECKS.items():
        try:
            result = import_string(path)()
        except Exception as error:  # a health check reports every failure, whatever its kind
            result = Health(False, f"error: {error.__class__.__name__}")
        healthy = healthy and result.healthy
        reports[name] = result.report
    return healthy, reports
