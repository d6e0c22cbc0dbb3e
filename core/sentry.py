"""Error reporting to Sentry (``SENTRY_DSN``), with the partners' data left out.

Sentry is a third party: an event carries what is needed to find the fault (the exception's
type and stack without local variables, the route, the method, the user's and partner's ids
and the request id to find the full story in the portal's own logs) and nothing a partner
typed or owns:

- no request body, query string, cookies, URL (a path can hold an invitation or reset token),
  client address or header outside a short list;
- no user email or username: the user is its id;
- no exception message: database errors quote the row (``Key (email)=(...)``), validation
  errors the value, and the portal's own messages may name a partner or a client;
- log messages as their template or structlog event name only, without arguments or extras;
- SQL (breadcrumbs, spans) with its string and number literals replaced by ``?``;
- no task arguments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sentry_sdk
import structlog
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.types import Breadcrumb, BreadcrumbHint, Event, Hint

FILTERED = "[Filtered]"
# Request headers an event keeps (lower case); every other one is dropped.
HEADERS_KEPT = frozenset(
    {"accept", "content-length", "content-type", "host", "hx-request", "user-agent", "x-request-id"}
)
# The log context's keys that become tags (and the user's id, which becomes the event's user).
CONTEXT_TAGS = ("request_id", "partner_id", "task_id", "parent_task_id")
SPAN_DATA_KEPT = frozenset(
    {"db.system", "http.method", "http.request.method", "http.response.status_code", "thread.id"}
)

_SQL_STRING = re.compile(r"'(?:[^']|'')*'")
_SQL_NUMBER = re.compile(r"(?<![\w\"])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\b")


UNRESOLVED = "<unresolved path>"


def sql_literals_strip(sql: str) -> str:
    """``sql`` with its string and number literals replaced by ``?`` (identifiers stay)."""
    return _SQL_NUMBER.sub("?", _SQL_STRING.sub("?", sql))


def _log_message(record: Any) -> str:
    """A log record's template, or its structlog event name, without the values."""
    message = getattr(record, "msg", None)
    if isinstance(message, Mapping):
        return str(message.get("event", FILTERED))
    return str(message) if message is not None else FILTERED


def _request_scrub(request: Mapping[str, Any]) -> dict[str, Any]:
    headers = request.get("headers") or {}
    return {
        "method": request.get("method"),
        "headers": {
            name: value for name, value in headers.items() if str(name).lower() in HEADERS_KEPT
        },
    }


def _stacktrace_scrub(holder: Mapping[str, Any]) -> None:
    for frame in (holder.get("stacktrace") or {}).get("frames") or ():
        frame.pop("vars", None)


def _spans_scrub(spans: list[dict[str, Any]]) -> None:
    for span in spans:
        description = span.get("description")
        if isinstance(description, str):
            is_sql = str(span.get("op", "")).startswith("db")
            span["description"] = (
                sql_literals_strip(description) if is_sql else description.split("?", 1)[0]
            )
        data = span.get("data")
        if isinstance(data, dict):
            span["data"] = {key: value for key, value in data.items() if key in SPAN_DATA_KEPT}


def scrub(event: Event, hint: Hint) -> Event:
    """``before_send`` and ``before_send_transaction``: the event without partner data, tagged
    with the request id, partner id and task id of the log context, its user reduced to the id."""
    if "request" in event:
        event["request"] = _request_scrub(event["request"])
    for value in (event.get("exception") or {}).get("values") or ():
        if value.get("value"):
            value["value"] = FILTERED
        _stacktrace_scrub(value)
    for thread in (event.get("threads") or {}).get("values") or ():
        _stacktrace_scrub(thread)
    if "logentry" in event:
        record = (hint or {}).get("log_record")
        event["logentry"] = {"message": _log_message(record) if record else FILTERED}
    event.pop("message", None)
    event.pop("extra", None)
    # A route's pattern names a transaction; a path that matched no route is the raw path
    # (an email address, a token), so it is named by what it is instead.
    if (event.get("transaction_info") or {}).get("source") == "url":
        event["transaction"] = UNRESOLVED
    spans = event.get("spans")
    if isinstance(spans, list):
        _spans_scrub(spans)
    trace = (event.get("contexts") or {}).get("trace")
    if isinstance(trace, dict):
        _spans_scrub([trace])

    context = structlog.contextvars.get_contextvars()
    tags = event.setdefault("tags", {})
    for key in CONTEXT_TAGS:
        if context.get(key) is not None:
            tags[key] = str(context[key])
    user_id = context.get("user_id") or (event.get("user") or {}).get("id")
    event["user"] = {"id": str(user_id)} if user_id is not None else {}
    return event


def breadcrumb_scrub(crumb: Breadcrumb, hint: BreadcrumbHint) -> Breadcrumb:
    """``before_breadcrumb``: SQL without literals, log lines as their template, no data."""
    message = crumb.get("message")
    record = (hint or {}).get("log_record")
    if crumb.get("category") == "query" and isinstance(message, str):
        crumb["message"] = sql_literals_strip(message)
    elif record is not None:
        crumb["message"] = _log_message(record)
    elif message:
        crumb["message"] = FILTERED
    crumb.pop("data", None)
    return crumb


def sentry_init(
    *,
    dsn: str,
    environment: str,
    release: str | None,
    traces_sample_rate: float | None,
    transport: Any = None,
) -> None:
    """Report errors of the web process and the Celery workers to ``dsn``.

    Traces only when ``traces_sample_rate`` is given. ``transport`` replaces the HTTP transport
    (the tests record the envelopes instead of sending them).
    """
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        auto_enabling_integrations=False,
        # What the SDK collects, before ``scrub`` sees the event: sentry-sdk 2.75 deprecates
        # ``send_default_pii`` for this; it is ``send_default_pii=False``, narrowed further.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": sorted(HEADERS_KEPT)}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "graphql": {"document": False, "variables": False},
            "gen_ai": {"inputs": False, "outputs": False},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=scrub,
        before_send_transaction=scrub,
        before_breadcrumb=breadcrumb_scrub,
        transport=transport,
    )
