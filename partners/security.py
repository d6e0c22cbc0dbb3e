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
import unicodedata
from datetime import timedelta
from typing import Any, cast

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

LOCKOUT_STATUS = 429


def normalise_email(value: object) -> str:
    """An email or username as the portal compares it: NFKC-normalised (as Django's login
    form does), trimmed and lower-cased."""
    return unicodedata.normalize("NFKC", str(value or "")).strip().lower()[:254]


def accounts_named(login: object) -> QuerySet[User]:
    """The accounts whose email or username is ``login`` once normalised.

    Stored emails and usernames are normalised on every save (``partners.signals``, and
    migration ``partners/0004`` for older rows), so the comparison is exact. The database's
    case-insensitive match is never used: PostgreSQL's ``iexact`` compares ``upper()``, which
    folds the dotless ``ı`` into ``I``, so ``alıce@…`` would find alice's account while
    counting as another name for the lockout; SQLite's folds ASCII only.
    """
    name = normalise_email(login)
    users = cast("QuerySet[User]", get_user_model()._default_manager.all())
    return users.filter(Q(email=name) | Q(username=name)).order_by("pk")


def account_key(login: object, request: HttpRequest | None = None) -> str:
    """The name failed logins are counted under: the account's email (or username) when
    ``login`` names an account, so that its email and its username share one count;
    otherwise ``login`` itself, normalised.

    django-axes asks for it several times per login attempt: with ``request`` the answer is
    looked up once and kept on the request.
    """
    name = normalise_email(login)
    known: dict[str, str] = getattr(request, "_account_keys", {})
    if name in known:
        return known[name]
    account = accounts_named(name).only("email", "username").first() if name else None
    key = name if account is None else normalise_email(account.email or account.get_username())
    if request is not None:
        known[name] = key
        request._account_keys = known  # type: ignore[attr-defined]
    return key


def login_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The account a login attempt is for (``AXES_USERNAME_CALLABLE``), see ``account_key``."""
    if credentials and "username" in credentials:
        return account_key(credentials["username"], request)
    data = getattr(request, "POST", None) or {}
    return account_key(data.get("username"), request)


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def _from_proxy(remote: str | None) -> bool:
    networks = settings.TRUSTED_PROXY_NETWORKS
    if not networks:
        return True
    if remote is None:
        return False
    address = ipaddress.ip_address(remote)
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)


def _grouped(address: str | None) -> str | None:
    """IPv6 clients are counted per /64, the block one subscriber usually holds."""
    if address is None:
        return None
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (``AXES_CLIENT_IP_CALLABLE``), IPv6 grouped per /64.

    With ``TRUSTED_PROXY_COUNT`` = n > 0, the portal runs behind n reverse proxies that each
    append the address they received from to ``X-Forwarded-For``: the client is the n-th entry
    from the right. Entries further left are whatever the client sent and are never trusted.
    With ``TRUSTED_PROXY_NETWORKS`` set, the header is read only from a peer in those networks,
    so that a client reaching gunicorn directly cannot name its own address. Without proxies,
    or when the header has fewer entries than proxies, it is ``REMOTE_ADDR``.
    """
    remote = _address(str(request.META.get("REMOTE_ADDR", "")))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0 or not _from_proxy(remote):
        return _grouped(remote)
    entries = [e for e in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if e]
    if len(entries) < proxies:
        return _grouped(remote)
    return _grouped(_address(entries[-proxies]) or remote)


class AccountThrottleBackend:
    """An authentication backend, right after django-axes's: refuses an attempt that
    ``account_throttled`` holds back, on every login form (the portal's, Django admin's, an
    invitation's), and marks the request locked out so that axes answers with its lockout page
    without counting the attempt again."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None and account_throttled(request, account_key(username, request)):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            raise PermissionDenied("Too many failed logins for this account.")
        return None


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
    """Events of one kind per key in the cache, forgotten ``window`` after the last one (the
    password-change page's wrong old passwords, password-reset mails per address, invitation
    mails per partner); the limit is the setting named ``limit_setting``, read on each use."""

    def __init__(self, kind: str, *, limit_setting: str, window: timedelta) -> None:
        self.kind, self.limit_setting, self.window = kind, limit_setting, window

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.limit_setting))

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
