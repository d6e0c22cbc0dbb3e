"""The partner area's shell: the member's partner and the top navigation.

The sections come from ``settings.PORTAL_NAV``: the project, which installs the feature apps,
says which pages the navigation links to.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def partner(request: HttpRequest) -> dict[str, Any]:
    """The signed-in member's partner and the top navigation."""
    current = getattr(getattr(request, "resolver_match", None), "view_name", "") or ""
    return {
        "partner": getattr(request, "partner", None),
        "membership": getattr(request, "membership", None),
        "nav_items": [
            {"label": label, "url": reverse(name), "active": current.startswith(prefix)}
            for label, name, prefix in settings.PORTAL_NAV
        ],
    }
