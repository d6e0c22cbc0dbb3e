"""Error answers of the portal's own views, in the layout of Django's error pages.

A view that refuses a request for a reason the user can fix (a malformed query parameter, an
export that cannot be made) answers the error page with that reason and a way back, instead
of a bare text body: ``templates/_error.html`` gives an htmx request the section alone.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# The templates that show a reason, as ``exception`` (the name Django's 403 handler uses).
REASON_TEMPLATES = {400: "400.html", 403: "403.html"}


def error_response(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """The ``status`` error page saying ``message`` (escaped, as any template value)."""
    return render(request, REASON_TEMPLATES[status], {"exception": message}, status=status)
