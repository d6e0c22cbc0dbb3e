"""Local development: the embedded defaults, debug on."""

from __future__ import annotations

from core.logs import logging_config
from partner_portal.settings.base import *  # noqa: F403
from partner_portal.settings.base import LOG_LEVEL, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# Readable log lines on the terminal of `make run`; LOG_FORMAT=json gives production's.
LOG_FORMAT = env("LOG_FORMAT", default="console")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)

# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
