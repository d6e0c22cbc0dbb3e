"""Structured logs (structlog, django-structlog): one line per event, JSON or readable console.

``logging_config`` builds the ``LOGGING`` setting: every stdlib logger (Django's, Celery's,
django-axes', gunicorn's) and every structlog logger ends in one handler whose
``ProcessorFormatter`` renders the same fields: ``timestamp`` (ISO 8601, UTC), ``level``,
``logger``, ``event`` and whatever the context holds (``request_id``, ``user_id``,
``partner_id``, ``task_id``...). ``LOGGING_CONFIG`` names ``logging_setup``, which
configures structlog before applying it, so that the web process, the workers, beat and
management commands all log alike.
"""

from __future__ import annotations

import logging.config
import re
import sys
from typing import Any, TextIO

import structlog
from django.core.exceptions import ImproperlyConfigured

LOG_FORMATS = ("json", "console")

# The loggers that would otherwise keep handlers or a format of their own (Django's defaults,
# Celery's, gunicorn's): they hand their records to the root handler instead.
ROUTED_LOGGERS = (
    "django",
    "django.server",
    "django.request",
    "django.security",
    "celery",
    "axes",
    "gunicorn.error",
    "gunicorn.access",
)

# Paths that carry a secret: an invitation link's signed token, a password-reset link's user
# id and token. Whoever reads the logs must not be able to accept the invitation or reset the
# password, so the secret parts are replaced wherever a path is logged (the request lines,
# Django's "Not Found: <path>", gunicorn's lines).
_SEGMENT = r"[^/?#\s\"']+"
SECRET_PATHS = (
    (re.compile(rf"(/accounts/invitations/){_SEGMENT}"), r"\1[token]"),
    (
        re.compile(rf"(/accounts/password/reset/)(?!sent/|done/){_SEGMENT}/{_SEGMENT}"),
        r"\1[uid]/[token]",
    ),
)


def secret_paths_redact(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """A processor: the secret parts of ``SECRET_PATHS`` blanked in every text value."""
    for key, value in event_dict.items():
        if isinstance(value, str) and "/accounts/" in value:
            for pattern, replacement in SECRET_PATHS:
                value = pattern.sub(replacement, value)
            event_dict[key] = value
    return event_dict


# Added to every record, from structlog or from the standard library alike.
SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    secret_paths_redact,
]


def structlog_configure() -> None:
    """structlog's loggers as front-ends of the standard library's: the handlers render."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def _renderers(log_format: str, *, colors: bool) -> list[Any]:
    if log_format == "json":
        # Tracebacks as structured frames, without local variables (they may hold secrets).
        transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        return [
            structlog.processors.ExceptionRenderer(transformer),
            structlog.processors.JSONRenderer(),
        ]
    return [
        structlog.dev.ConsoleRenderer(
            colors=colors, exception_formatter=structlog.dev.plain_traceback
        )
    ]


def logging_config(
    *, log_format: str, level: str, stream: str | TextIO = "ext://sys.stderr"
) -> dict[str, Any]:
    """The ``LOGGING`` setting for ``log_format`` ("json" or "console") at ``level``."""
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(
            f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}."
        )
    colors = log_format == "console" and stream == "ext://sys.stderr" and sys.stderr.isatty()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": SHARED_PROCESSORS,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *_renderers(log_format, colors=colors),
                ],
            }
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "stream": stream,
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            **{
                name: {"handlers": [], "level": level, "propagate": True} for name in ROUTED_LOGGERS
            },
            # Never the SQL and its parameters, whatever LOG_LEVEL says.
            "django.db.backends": {"level": "INFO"},
        },
    }


def logging_setup(config: dict[str, Any]) -> None:
    """``LOGGING_CONFIG``: configure structlog, then the standard library from ``config``;
    Python's warnings become log lines too (logger ``py.warnings``)."""
    structlog_configure()
    logging.config.dictConfig(config)
    logging.captureWarnings(True)
