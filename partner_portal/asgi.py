"""ASGI entry point (an ASGI server such as uvicorn: partner_portal.asgi:application)."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partner_portal.settings.local")

application = get_asgi_application()
