"""Redirects to a user-supplied ``next``: only to a path of this site, and never through
``reverse()``.

``django.shortcuts.redirect(next)`` hands a string without ``/`` or ``.`` to ``reverse()`` as a
view name, which raises ``NoReverseMatch``: a 500 after the view's write was saved, and a
duplicate when the user retries. Here ``next`` is only ever a URL: a path on this host
(starting with one ``/``), or the fallback.
"""

from __future__ import annotations

import unicodedata

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

MAX_NEXT_LENGTH = 2000


def safe_next_url(request: HttpRequest, fallback: str) -> str:
    """The ``next`` of the request (POST, then GET) if it is a path of this site, else
    ``fallback``.

    A path starts with ``/`` but not ``//`` or ``/\\`` (which browsers read as another host),
    holds no control character and passes ``url_has_allowed_host_and_scheme`` for this host.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        not target
        or len(target) > MAX_NEXT_LENGTH
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(unicodedata.category(char).startswith("C") for char in target)
    ):
        return fallback
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return fallback
    return target


def redirect_to_next(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """A 302 to the request's safe ``next`` (see ``safe_next_url``), else to ``fallback``.

    ``fallback`` must be a URL (such as ``reverse(...)``'s answer), not a view name.
    """
    return HttpResponseRedirect(safe_next_url(request, fallback))
