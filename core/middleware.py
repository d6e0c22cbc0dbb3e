"""Project-wide middleware: the health check's fast path and the request id.

``HealthzMiddleware`` comes first in ``MIDDLEWARE`` and ``RequestIdMiddleware`` right after it,
before django-structlog's ``RequestMiddleware``, which logs each request under that id.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import structlog
from csp.middleware import CSPMiddleware
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware

from core.views import healthz

GetResponse = Callable[[HttpRequest], HttpResponseBase]

# partner_portal/urls.py routes the same path to the same view.
HEALTHZ_PATH = "/healthz"
REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_META = "HTTP_X_REQUEST_ID"
# An upstream id is kept only when it is short and plain (a UUID, a proxy's token): anything
# else, a newline or a kilobyte of text, would be written into every log line of the request.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class HealthzMiddleware:
    """Answers GET and HEAD ``/healthz`` itself, before host validation and the HTTPS redirect.

    A container's health check reaches the portal as ``127.0.0.1`` over plain HTTP, which
    ``ALLOWED_HOSTS`` (the real host name) and ``SECURE_SSL_REDIRECT`` would turn into a 400 or a
    301. Only that path and those methods skip them; the response still carries the security
    headers every page has.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        # Their response headers only: neither their host check nor their redirect.
        self.csp = CSPMiddleware(get_response)
        self.frame_options = XFrameOptionsMiddleware(get_response)
        self.security = SecurityMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info != HEALTHZ_PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        response = healthz(request)
        # Each sets its headers on the response in place.
        self.csp.process_response(request, response)
        self.frame_options.process_response(request, response)
        self.security.process_response(request, response)
        return response


class RequestIdMiddleware:
    """Every request under one id: the upstream proxy's ``X-Request-ID`` when it is plain, a new
    UUID otherwise; bound to the log context and sent back in the response's ``X-Request-ID``.

    django-structlog (``DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID``) reads the id from the
    header this middleware has checked or replaced.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request.META.get(REQUEST_ID_META, "")
        if not isinstance(request_id, str) or not REQUEST_ID.fullmatch(request_id):
            request_id = str(uuid.uuid4())
        request.META[REQUEST_ID_META] = request_id
        # A thread serves one request after another: nothing bound for the last one carries over.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response
