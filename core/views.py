"""Project-level views: the health check."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.health import health_checks_run


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON status of each check of ``HEALTH_CHECKS``: 200 when all pass, 503 otherwise.

    ``core.middleware.HealthzMiddleware`` answers GET and HEAD here before host validation and
    the HTTPS redirect, so that a container's health check on 127.0.0.1 over HTTP reaches it.
    """
    healthy, reports = health_checks_run()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **reports}, status=200 if healthy else 503
    )
