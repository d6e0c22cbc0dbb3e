from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

# (label, URL name, the URL namespace prefix that marks it active)
NAV = (
    ("Dashboard", "partners:dashboard", "partners:dashboard"),
    ("Tier", "tiers:tier", "tiers:"),
    ("Clients", "clients:list", "clients:"),
    ("Commissions", "commissions:statements", "commissions:"),
    ("Settings", "partners:settings", "partners:settings"),
)


def partner(request: HttpRequest) -> dict[str, Any]:
    """The signed-in member's partner and the top navigation."""
    current = getattr(getattr(request, "resolver_match", None), "view_name", "") or ""
    return {
        "partner": getattr(request, "partner", None),
        "membership": getattr(request, "membership", None),
        "nav_items": [
            {"label": label, "url": reverse(name), "active": current.startswith(prefix)}
            for label, name, prefix in NAV
        ],
    }
