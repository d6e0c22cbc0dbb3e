"""Local development: the embedded defaults, debug on."""

from __future__ import annotations

from partner_portal.settings.base import *  # noqa: F403
from partner_portal.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
