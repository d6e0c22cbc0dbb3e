"""WSGI entry point (gunicorn partner_portal.wsgi)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partner_portal.settings.local")

application = get_wsgi_application()
