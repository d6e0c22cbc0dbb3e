"""Error reports to Sentry without partner data: a real sentry_sdk client whose transport keeps
the envelopes it would have sent."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
import structlog
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from core.sentry import FILTERED, UNRESOLVED, scrub, sentry_init, sql_literals_strip
from partner_portal import urls as portal_urls
from partners.models import Partner

PARTNER_NAME = "Acme Growth Agency"  # the personas' partner
TOKEN = "Token 0123456789abcdef-secret"

logger = logging.getLogger("tests.sentry")


@csrf_exempt  # the form comes from outside the portal's pages
def settle_view(request: HttpRequest) -> HttpResponse:
    """Touches the partner's data every way a report could pick it up, then fails."""
    partner_name = request.partner.name  # a local variable
    logger.warning("Settling %s", partner_name)
    structlog.get_logger("tests.sentry").warning("settling", partner=partner_name)
    Partner.objects.filter(name=partner_name).exists()
    raise RuntimeError(f"Cannot settle {partner_name}")


# The portal's routes too: its error pages link to them.
urlpatterns = [path("settle/", settle_view), *portal_urls.urlpatterns]


class RecordingTransport(Transport):
    """Keeps every envelope instead of sending it."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)


@pytest.fixture
def transport() -> Iterator[RecordingTransport]:
    recording = RecordingTransport()
    sentry_init(
        dsn="https://public@sentry.invalid/1",
        environment="test",
        release="portal@1.0",
        traces_sample_rate=None,
        transport=recording,
    )
    try:
        yield recording
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)


def wsgi_post(path: str, data: dict[str, str], **headers: str) -> tuple[str, dict[str, str]]:
    """POST through the WSGI application, as gunicorn calls it (Sentry hooks in there)."""
    environ = RequestFactory().post(path, data, **headers).environ
    answer: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], *args: Any) -> None:
        answer.update(status=status, headers=dict(response_headers))

    # As the test client does: the test's database connection stays open across the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = get_wsgi_application()(environ, start_response)
        b"".join(body)
        body.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"]


@pytest.mark.urls(__name__)
def test_a_failing_request_reports_ids_and_no_partner_data(personas, transport):
    alice = personas.client_for("alice")
    session = alice.cookies[settings.SESSION_COOKIE_NAME].value
    email = personas.alice.user.email
    status, headers = wsgi_post(
        f"/settle/?partner={PARTNER_NAME}&email={email}",
        {"name": PARTNER_NAME, "email": email, "password": "hunter2"},
        HTTP_HOST="testserver",
        HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}={session}",
        HTTP_AUTHORIZATION=TOKEN,
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        HTTP_USER_AGENT="Mozilla/5.0 (test)",
    )
    assert status.startswith("500")
    sentry_sdk.flush()

    events = [envelope.get_event() for envelope in transport.envelopes]
    errors = [event for event in events if event and event.get("exception")]
    assert errors, "the error was reported"
    sent = b"".join(envelope.serialize() for envelope in transport.envelopes)
    for leak in (
        PARTNER_NAME,
        "Acme",
        email,
        personas.alice.user.username,
        "hunter2",
        TOKEN,
        session,
        "203.0.113.7",
        "127.0.0.1",
        "settle/?",
    ):
        assert leak.encode() not in sent, leak

    for event in errors:
        assert event["user"] == {"id": str(personas.alice.user.pk)}
        assert event["tags"]["request_id"] == headers["X-Request-ID"]
        assert event["tags"]["partner_id"] == str(personas.acme.pk)
        assert event["environment"] == "test" and event["release"] == "portal@1.0"
        assert event["transaction"] == "/settle/"
        (exception,) = event["exception"]["values"]
        assert exception["type"] == "RuntimeError" and exception["value"] == FILTERED
        frames = exception["stacktrace"]["frames"]
        assert any(frame["function"] == "settle_view" for frame in frames)
        assert all("vars" not in frame for frame in frames)
        request = event["request"]
        assert request["method"] == "POST"
        assert set(request) == {"method", "headers"}  # no URL, query, body, cookies or env
        assert request["headers"]["User-Agent"] == "Mozilla/5.0 (test)"
        assert not {"Cookie", "Authorization", "X-Forwarded-For"} & set(request["headers"])
        crumbs = event["breadcrumbs"]["values"]
        assert all("data" not in crumb for crumb in crumbs)
        logged = [crumb["message"] for crumb in crumbs if crumb["category"] == "tests.sentry"]
        assert logged == ["Settling %s", "settling"]
        (lookup,) = [
            crumb["message"]
            for crumb in crumbs
            if crumb["category"] == "query"
            and 'WHERE "partners_partner"."name" =' in crumb["message"]
        ]
        assert lookup.endswith("LIMIT ?")


@pytest.mark.parametrize(
    ("sql", "stripped"),
    [
        (
            'SELECT 1 AS "a" FROM "partners_partner" WHERE "partners_partner"."name" = '
            "'Acme ''Growth'' Agency' LIMIT 1",
            'SELECT ? AS "a" FROM "partners_partner" WHERE "partners_partner"."name" = ? LIMIT ?',
        ),
        (
            'UPDATE "t2" SET "amount3" = 1250.50, "on" = \'2025-03-01\'::date WHERE id = -7',
            'UPDATE "t2" SET "amount3" = ?, "on" = ?::date WHERE id = ?',
        ),
    ],
)
def test_sql_keeps_its_shape_without_literals(sql, stripped):
    assert sql_literals_strip(sql) == stripped


def test_a_transaction_for_a_path_that_matched_no_route_is_not_named_by_the_path():
    """Traces name a transaction by its route's pattern; a raw path may hold an email or a
    token, so an unresolved one is renamed."""
    unresolved = scrub(
        {
            "type": "transaction",
            "transaction": "/accounts/password/reset/Mw/token-x/extra/alice@acme.example",
            "transaction_info": {"source": "url"},
        },
        {},
    )
    assert unresolved["transaction"] == UNRESOLVED
    routed = scrub(
        {
            "type": "transaction",
            "transaction": "/accounts/invitations/{token}/",
            "transaction_info": {"source": "route"},
        },
        {},
    )
    assert routed["transaction"] == "/accounts/invitations/{token}/"
