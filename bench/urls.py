"""The portal's URLs plus the benchmark's trivial view."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from partner_portal.urls import urlpatterns as portal


def trivial(request: HttpRequest) -> HttpResponse:
    """The cheapest Django response: the full middleware stack, no database query."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench-trivial"), *portal]
