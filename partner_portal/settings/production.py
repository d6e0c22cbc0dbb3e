"""Production: only overrides of base. Every secret comes from the environment."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from core.sentry import sentry_init
from partner_portal.settings.base import *  # noqa: F403
from partner_portal.settings.base import CONTENT_SECURITY_POLICY as BASE_CONTENT_SECURITY_POLICY
from partner_portal.settings.base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
# The placeholders of .env.example would let anyone sign sessions and password-reset links, or
# read the database: a deployment that kept one refuses to start.
PLACEHOLDER = "replace-me"
if SECRET_KEY.startswith(PLACEHOLDER):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is still .env.example's placeholder: set 50 or more random characters "
        "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
if str(DATABASES["default"].get("PASSWORD", "")).startswith(PLACEHOLDER):  # noqa: F405
    raise ImproperlyConfigured(
        "The database password (POSTGRES_PASSWORD) is still .env.example's placeholder."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_directives: dict[str, Any] = dict(BASE_CONTENT_SECURITY_POLICY["DIRECTIVES"])
_directives["upgrade-insecure-requests"] = True
CONTENT_SECURITY_POLICY = {"DIRECTIVES": _directives}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Error reports to Sentry, only when SENTRY_DSN is set, without partner data (core/sentry.py);
# traces only with SENTRY_TRACES_SAMPLE_RATE. The local and test settings never report.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    _traces_sample_rate = env("SENTRY_TRACES_SAMPLE_RATE", default="")
    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="") or "production",
        release=env("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=float(_traces_sample_rate) if _traces_sample_rate else None,
    )
