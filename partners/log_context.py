"""The signed-in user, their partner and the client's address in every log line of a request."""

from __future__ import annotations

from collections.abc import Callable

import structlog
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from partners.security import client_ip


class LogContextMiddleware:
    """Right after ``PartnerMiddleware``: binds ``user_id``, ``partner_id`` and ``ip``.

    The user and the partner are the ones that middleware has loaded, so this costs no query.
    The address is the one django-axes throttles on (``partners.security.client_ip``: proxies
    are trusted only as far as ``TRUSTED_PROXY_COUNT`` says).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        context: dict[str, object] = {"ip": client_ip(request)}
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context["user_id"] = user.pk
        partner = getattr(request, "partner", None)
        if partner is not None:
            context["partner_id"] = partner.pk
        structlog.contextvars.bind_contextvars(**context)
        return self.get_response(request)
