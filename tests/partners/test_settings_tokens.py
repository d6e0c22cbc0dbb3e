"""Settings > API tokens (S3): create (shown once, stored hashed), list, revoke."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.models import ApiToken
from partners.services import api_token_create

pytestmark = pytest.mark.django_db
TOKENS = "/partner/settings/api-tokens/"
CALC = "/api/v1/calculator/points/"
BODY = '{"sold_amount": "1000", "currency": "USD", "market": "BR"}'


def call_api(key):
    return HttpClient().post(
        CALC, BODY, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )


def test_a_token_is_shown_once_stored_hashed_and_works(personas):
    bob = personas.client_for("bob")
    response = bob.post(TOKENS, {"name": "CRM sync"})
    html = response.content.decode()
    key = html.split("data-token-key>")[1].split("</code>")[0]
    token = ApiToken.objects.get()
    assert (
        token.key_digest == hashlib.sha256(key.encode()).hexdigest() and key not in token.key_digest
    )
    assert token.prefix == key[:8]
    assert call_api(key).status_code == 200
    listing = bob.get(TOKENS).content.decode()
    assert "CRM sync" in listing and key not in listing and token.prefix in listing
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_several_named_tokens_each_revocable(personas):
    bob = personas.client_for("bob")
    _, first = api_token_create(user=personas.bob.user, name="one")
    second_token, second = api_token_create(user=personas.bob.user, name="two")
    assert (
        bob.post(reverse("partners:settings-api-token-revoke", args=[second_token.pk])).status_code
        == 302
    )
    assert call_api(second).status_code == 401
    assert call_api(first).status_code == 200


def test_a_name_is_needed_and_unique_among_active_tokens(personas):
    bob = personas.client_for("bob")
    assert bob.post(TOKENS, {"name": ""}).status_code == 400
    assert bob.post(TOKENS, {"name": "x" * 500}).status_code == 400
    assert bob.post(TOKENS, {"name": "ci"}).status_code == 200
    duplicate = bob.post(TOKENS, {"name": "ci"})
    assert (
        duplicate.status_code == 400
        and "already have an active token" in duplicate.content.decode()
    )
    assert ApiToken.objects.count() == 1


def test_nobody_lists_or_revokes_another_users_token(personas):
    token, key = api_token_create(user=personas.alice.user, name="alice's")
    revoke = reverse("partners:settings-api-token-revoke", args=[token.pk])
    for name in ("bob", "carol"):
        http = personas.client_for(name)
        assert "alice&#x27;s" not in http.get(TOKENS).content.decode()
        assert http.post(revoke).status_code == 404
    assert call_api(key).status_code == 200


def test_a_removed_member_token_no_longer_reaches_the_api(personas):
    _, key = api_token_create(user=personas.bob.user, name="script")
    personas.bob.delete()
    assert call_api(key).status_code == 403


def test_token_page_queries_do_not_grow_with_the_number_of_tokens(personas):
    bob = personas.client_for("bob")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert bob.get(TOKENS).status_code == 200
        return len(queries)

    for n in range(5):
        api_token_create(user=personas.bob.user, name=f"t{n}")
    small = count()
    ApiToken.objects.bulk_create(
        ApiToken(user=personas.bob.user, name=f"bulk{n}", prefix="abc", key_digest=f"{n:064d}")
        for n in range(495)
    )
    assert count() == small
