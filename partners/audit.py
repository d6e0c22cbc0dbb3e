"""The audit trail's middleware: the signed-in user is the actor of every entry a request
writes, and the client address is the one the portal trusts."""

from __future__ import annotations

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.http import HttpRequest

from partners.security import client_ip


class AuditMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware with the client address of ``partners.security.client_ip``
    (the login throttle's: ``X-Forwarded-For`` read only as far as ``TRUSTED_PROXY_COUNT``
    proxies wrote it, IPv6 per /64). django-auditlog's own takes the header's first entry,
    which the client writes itself, and the port from ``X-Forwarded-Port``, also the client's
    to choose: no port is recorded."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        if getattr(settings, "AUDITLOG_DISABLE_REMOTE_ADDR", False):
            return None
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        return None
