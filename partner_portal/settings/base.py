"""Settings shared by every environment.

The embedded defaults (SQLite, Celery in eager mode, a local-memory cache) need nothing but
Python; ``DATABASE_URL``, ``CELERY_BROKER_URL`` and ``REDIS_URL`` switch to PostgreSQL, a real
Celery worker and Redis.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

from core.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-development-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "axes",
    "template_partials",
    "django_countries",
    "django_celery_beat",
    "django_structlog",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    # The project's apps, bottom layer first (docs/architecture.md).
    "program",
    "core",
    "partners",
    "clients",
    "points",
    "tiers",
    "commissions",
    "recompute",
    "reports",
    "tierpage",
    "dashboard",
    "demo",
    # After the project's apps: Django runs a command from the first app that has it, and
    # core's ``import`` and ``export`` replace django-import-export's (core/formats.py).
    "import_export",
]

MIDDLEWARE = [
    # First: /healthz answers before host validation and the HTTPS redirect (core/middleware.py).
    "core.middleware.HealthzMiddleware",
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # request_started and request_finished log lines, for all but static files (core/logs.py).
    "django_structlog.middlewares.RequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in user is the actor of the audit-log entries a request writes.
    "partners.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "partners.middleware.PartnerMiddleware",
    "partners.log_context.LogContextMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partner_portal.urls"
WSGI_APPLICATION = "partner_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partners.context_processors.partner",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout: the dev server and eager tasks write without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # A miss, not an error, while Redis is down (core/cache.py).
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions live in the database so that pages keep serving while Redis is down.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The CSRF token reaches htmx through the page (hx-headers), never through JavaScript reading
# the cookie, so the cookie can be HttpOnly too.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# Response headers on every environment (production adds HTTPS-only cookies and HSTS).
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): every script and style is a file served by the portal;
# no template carries inline script, inline style or an event-handler attribute, so neither
# 'unsafe-inline' nor 'unsafe-eval' is allowed. Plotly and htmx draw under this policy: they
# style elements through the CSSOM (element.style, CSSStyleSheet.insertRule), which CSP does
# not govern. Chart images and Plotly's icons are data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Login throttling (django-axes, attempts kept in the database so that it works without Redis):
# after AXES_FAILURE_LIMIT failed logins for one email from one client address, that pair is
# locked out for AXES_COOLOFF_TIME and the login page says so; the same email from another
# address still logs in. ACCOUNT_FAILURE_LIMIT failures for one email from any addresses slow
# further guessing: every address that has failed for it is then refused until the failures
# age out, while an address that has not failed still logs in (partners/security.py).
# Behind TRUSTED_PROXY_COUNT reverse proxies the client address is read from X-Forwarded-For.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "partners.security.AccountThrottleBackend",
    # Emails are usernames, matched whatever their case.
    "partners.backends.EmailBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "partners.security.lockout_response"
AXES_USERNAME_CALLABLE = "partners.security.login_username"
AXES_CLIENT_IP_CALLABLE = "partners.security.client_ip"
ACCOUNT_FAILURE_LIMIT = env.int("ACCOUNT_FAILURE_LIMIT", default=20)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# When set (CIDRs), X-Forwarded-For is read only from a peer in these networks.
TRUSTED_PROXY_NETWORKS = env.list("TRUSTED_PROXY_NETWORKS", default=[])
# A failure during a lockout does not extend it: it ends AXES_COOLOFF_TIME after the last
# failure that counted.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Wrong old passwords on the password-change page, per account, before it is refused (429).
PASSWORD_CHANGE_FAILURE_LIMIT = env.int("PASSWORD_CHANGE_FAILURE_LIMIT", default=5)
# Password-reset mails per address and hour (more are silently not sent).
PASSWORD_RESET_MAILS_PER_HOUR = env.int("PASSWORD_RESET_MAILS_PER_HOUR", default=3)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"

# Bulk import and export in Django admin need the model's permissions: export "view", import
# "add" (core.admin.ProgramImportExportMixin also asks for "change" to import, as an import
# updates the rows it finds by natural key). Unset, django-import-export lets any staff user in.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# Audit trail (django-auditlog): who created, changed or deleted a rule row, a payment, a tier
# review, a partner, a member, an invitation, a beta opt-in, an API token or an account, and
# when (README "Audit trail"). Staff read it in Django admin, read-only; partners never see it.
# Secrets are masked (core.audit.mask: nothing of them shows) or left out, and so are the
# timestamps that every sign-in or API call moves. Entries carry the request id of the logs.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    "program.FxRate",
    "program.GrowthMarket",
    "program.PointRate",
    "program.Tier",
    "program.TierRequirement",
    "program.ReviewDate",
    "commissions.MonthEndRate",
    "commissions.CommissionPayment",
    "tiers.TierReview",
    "partners.Partner",
    "partners.Membership",
    {"model": "partners.Invitation", "exclude_fields": ["nonce"]},
    "partners.BetaFeature",
    "partners.BetaOptIn",
    {
        "model": "partners.ApiToken",
        "mask_fields": ["key_digest"],
        "exclude_fields": ["last_used_at"],
    },
    {
        "model": "auth.User",
        "mask_fields": ["password"],
        "exclude_fields": ["last_login"],
        "m2m_fields": ["groups", "user_permissions"],
    },
)
AUDITLOG_MASK_CALLABLE = "core.audit.mask"
AUDITLOG_CID_GETTER = "core.audit.correlation_id"
# Fixtures loaded with loaddata are not changes anyone made.
AUDITLOG_DISABLE_ON_RAW_SAVE = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "partners:dashboard"

# The partner area's top navigation: (label, URL name, the view-name prefix that marks it active).
PORTAL_NAV = (
    ("Dashboard", "partners:dashboard", "partners:dashboard"),
    ("Tier", "tiers:tier", "tiers:"),
    ("Clients", "clients:list", "clients:"),
    ("Commissions", "commissions:statements", "commissions:"),
    ("Settings", "partners:settings", "partners:settings"),
)
LOGOUT_REDIRECT_URL = "login"
# Invitation and password-reset links stay valid this long.
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)
# An invitation is resent at most once per this many minutes; a partner sends at most this many
# invitation mails a day.
INVITATION_RESEND_MINUTES = env.int("INVITATION_RESEND_MINUTES", default=10)
INVITATION_MAILS_PER_DAY = env.int("INVITATION_MAILS_PER_DAY", default=50)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)

# Mail: EMAIL_URL (smtp://user:password@host:587, smtp+tls://..., consolemail://) picks the
# backend; without it mail is printed on the console. PORTAL_URL is the address that links in
# mails point to.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)  # django-environ's documented way to set EMAIL_BACKEND, EMAIL_HOST...
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Partner Portal <portal@localhost>")
PORTAL_URL = env("PORTAL_URL", default="http://127.0.0.1:8000").rstrip("/")

LANGUAGE_CODE = "en-us"
# The program's time zone: dates such as "today", review dates and expiries are calendar dates here.
TIME_ZONE = env("PROGRAM_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.staticfinders.PlotlyFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task whose worker died unacknowledged (acks_late) goes back to the queue once the visibility
# timeout has passed: longer than the longest task, so that a running task is never sent twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int(
        "CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 300
    ),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": 1,
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

_recompute_hour, _recompute_minute = env("RECOMPUTE_AT", default="02:30").split(":")
# Housekeeping on beat: expired sessions go every night; django-axes' login attempts and logs,
# and finished or failed recompute runs, once they are this many days old (the latest finished
# run is kept whatever its age, and a queued or running one is never deleted).
LOGIN_RECORDS_RETENTION_DAYS = env.int("LOGIN_RECORDS_RETENTION_DAYS", default=90)
RECOMPUTE_RUNS_RETENTION_DAYS = env.int("RECOMPUTE_RUNS_RETENTION_DAYS", default=90)
CELERY_BEAT_SCHEDULE = {
    "nightly-points-recompute": {
        "task": "recompute.tasks.points_recompute_task",
        "schedule": crontab(hour=_recompute_hour, minute=_recompute_minute),
    },
    "requeue-unsent-recompute-runs": {
        "task": "recompute.tasks.recompute_runs_requeue_task",
        "schedule": 60.0,
    },
    "monthly-commission-accrual": {
        "task": "commissions.tasks.commissions_accrue_task",
        "schedule": crontab(day_of_month="1", hour="4", minute="0"),
    },
    "nightly-sessions-clear": {
        "task": "partners.tasks.sessions_clear_task",
        "schedule": crontab(hour="3", minute="15"),
    },
    "nightly-login-records-prune": {
        "task": "partners.tasks.login_records_prune_task",
        "schedule": crontab(hour="3", minute="20"),
    },
    "nightly-recompute-runs-prune": {
        "task": "recompute.tasks.recompute_runs_prune_task",
        "schedule": crontab(hour="3", minute="25"),
    },
}

REST_FRAMEWORK = {
    # Token first, so that a request without credentials is answered 401 with its challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partners.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only, bounded in size and nesting depth (400 past either limit).
    "DEFAULT_PARSER_CLASSES": ["core.parsers.BoundedJSONParser"],
    # "api": every /api/v1/ request made with an API token, per user (429 with Retry-After).
    "DEFAULT_THROTTLE_RATES": {
        "calculator": "600/minute",
        "api": env("API_TOKEN_RATE", default="600/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner Portal API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RenewalStatusEnum": "clients.models.Renewal.Status",
        "PaymentStatusEnum": "commissions.models.CommissionPayment.Status",
    },
}

# Logs (core/logs.py): one JSON object a line (LOG_FORMAT=json, the default here) or readable
# lines (console, the default of the local settings), on stderr, from every logger alike. Each
# request's lines carry its request id (the proxy's X-Request-ID when plain, else a new one,
# sent back in the response), the user's and the partner's ids; a task's lines carry those of
# the request that queued it (django-structlog's Celery receivers, partner_portal/celery.py).
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING_CONFIG = "core.logs.logging_setup"
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# core.middleware.RequestIdMiddleware has checked or replaced the header by then.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
# The address is bound by partners.log_context, read as django-axes reads it (proxies trusted
# only as far as TRUSTED_PROXY_COUNT says), not from whatever X-Forwarded-For a client sends.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False

# /healthz runs these checks (name in the JSON: dotted path of a core.health.Health function)
# and answers 503 when one fails; the recompute's fails once no run has finished for
# HEALTHZ_RECOMPUTE_MAX_AGE_HOURS.
HEALTH_CHECKS = {
    "database": "core.health.database_check",
    "broker": "core.health.broker_check",
    "recompute": "recompute.health.recompute_check",
}
HEALTHZ_RECOMPUTE_MAX_AGE_HOURS = env.int("HEALTHZ_RECOMPUTE_MAX_AGE_HOURS", default=26)

# A partner's stored account metrics are recomputed this long after a burst of changes to its
# clients, deals, MRR or assignments (clients.tasks.account_metrics_schedule).
ACCOUNT_METRICS_DEBOUNCE_SECONDS = env.int("ACCOUNT_METRICS_DEBOUNCE_SECONDS", default=30)

# Lock held by the nightly recompute so that two runs never overlap.
RECOMPUTE_LOCK_TIMEOUT = CELERY_TASK_TIME_LIMIT
