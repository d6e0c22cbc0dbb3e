"""Test settings: the same switches as local, fast password hashing."""

from __future__ import annotations

from core.logs import logging_config
from partner_portal.settings.base import *  # noqa: F403
from partner_portal.settings.base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The same configuration as everywhere, quiet: warnings and errors only, as readable lines that
# pytest shows for a failing test (tests/core/test_logging.py applies the others).
LOG_FORMAT = env("LOG_FORMAT", default="console")
LOG_LEVEL = env("LOG_LEVEL", default="WARNING")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)

# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# The test client's login() calls authenticate() without a request, which django-axes refuses,
# and many tests log in over and over: throttling is off here and switched on by the tests that
# prove the lockout (tests/security/test_login.py). The Content-Security-Policy of
# base stays on, so the browser tests run every page under it.
AXES_ENABLED = False
