"""Login throttling: who a login attempt comes from, for which account, and what a locked-out
login sees.

django-axes keeps the failed attempts per (email, client address) and locks that pair out
after ``AXES_FAILURE_LIMIT`` failures, so a stranger who knows an email cannot lock its owner
out from another address. On top of it, ``account_throttled`` slows guessing spread over many
addresses: once an email has ``ACCOUNT_FAILURE_LIMIT`` recent failures in all, every address
that has failed for it is refused until its failures age out, while an address that has not
failed for it still logs in with the right password.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

LOCKOUT_STATUS = 429


def normalise_email(value: object) -> str:
    """An email as the portal compares it: trimmed and lower-cased."""
    return str(value or "").strip().lower()[:254]


def login_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The account a login attempt is for (``AXES_USERNAME_CALLABLE``): the email as typed,
    in any case, counts against one account."""
    if credentials and "username" in credentials:
        return normalise_email(credentials["username"])
    data = getattr(request, "POST", None) or {}
    return normalise_email(data.get("username"))


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (``AXES_CLIENT_IP_CALLABLE``).

    With ``TRUSTED_PROXY_COUNT`` = n > 0, the portal runs behind n reverse proxies that each
    append the address they received from to ``X-Forwarded-For``: the client is the n-th entry
    from the right. Entries further left are whatever the client sent and are never trusted.
    Without proxies, or when the header has fewer entries than proxies, it is ``REMOTE_ADDR``.
    """
    remote = _address(str(request.META.get("REMOTE_ADDR", "")))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    entries = [e for e in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if e]
    if len(entries) < proxies:
        return remote
    return _address(entries[-proxies]) or remote


def account_throttled(request: HttpRequest, username: str) -> bool:
    """Whether this address must wait before trying ``username`` again: the account has had
    ``ACCOUNT_FAILURE_LIMIT`` recent failures from all addresses, and this address is one of
    those that failed."""
    if not settings.AXES_ENABLED or not username:
        return False
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=since)
    total = recent.aggregate(total=Sum("failures_since_start"))["total"] or 0
    if total < settings.ACCOUNT_FAILURE_LIMIT:
        return False
    return recent.filter(ip_address=get_client_ip_address(request)).exists()


def lockout_minutes() -> int:
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The login page again, with the lockout explained, answered 429 Too Many Requests."""
    username = (credentials or {}).get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "next": request.POST.get("next", ""),
        "locked_out": True,
        "lockout_minutes": lockout_minutes(),
    }
    return render(request, "registration/login.html", context, status=LOCKOUT_STATUS)


class AttemptCounter:
    """Failures of one kind per key in the cache, forgotten ``window`` after the last one
    (the password-change page's wrong old passwords, password-reset mails per address)."""

    def __init__(self, kind: str, *, limit: int, window: timedelta) -> None:
        self.kind, self.limit, self.window = kind, limit, window

    def _key(self, key: object) -> str:
        return f"attempts:{self.kind}:{key}"

    def count(self, key: object) -> int:
        return int(cache.get(self._key(key), 0))

    def exceeded(self, key: object) -> bool:
        return self.count(key) >= self.limit

    def add(self, key: object) -> int:
        count = self.count(key) + 1
        cache.set(self._key(key), count, timeout=int(self.window.total_seconds()))
        return count

    def clear(self, key: object) -> None:
        cache.delete(self._key(key))
