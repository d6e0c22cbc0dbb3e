"""Test settings: the same switches as local, fast password hashing."""

from __future__ import annotations

from partner_portal.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# The test client's login() calls authenticate() without a request, which django-axes refuses,
# and many tests log in over and over: throttling is off here and switched on by the tests that
# prove the lockout (tests/security/test_login.py). The Content-Security-Policy of
# base stays on, so the browser tests run every page under it.
AXES_ENABLED = False
