"""Project-level views: the health check."""

from __future__ import annotations

from celery import current_app as celery_app
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BROKER_TIMEOUT_SECONDS = 2


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # a health check reports every failure, whatever its kind
        return f"error: {error.__class__.__name__}"
    return "ok"


def _broker_status() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (eager: tasks run in the web process)"
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:  # a health check reports every failure, whatever its kind
        return f"error: {error.__class__.__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON status of the database and the broker: 200 when both answer, 503 otherwise."""
    status = {"database": _database_status(), "broker": _broker_status()}
    healthy = all(value.startswith("ok") for value in status.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **status}, status=200 if healthy else 503
    )
