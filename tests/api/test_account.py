"""The caller: ``/me/``, authentication by token or session, and throttling of token clients."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from partners.services import api_token_create, api_token_revoke
from tests.factories import UserFactory

from .conftest import body

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_me_is_the_caller_and_their_partner(api_for, personas):
    data = body(api_for("bob").get(f"{API}/me/"))
    assert data["email"] == "bob@acme.test"
    assert data["role"] == "user"
    assert data["partner"]["name"] == "Acme Growth Agency"
    assert data["partner"]["id"] == personas.acme.pk


def test_no_or_wrong_credentials_are_401_with_a_challenge(api_for, personas):
    response = api_for("anonymous").get(f"{API}/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Token not-a-key")
    assert wrong.get(f"{API}/tier/breakdown/").status_code == 401


def test_a_revoked_token_stops_working(personas):
    token, key = api_token_create(user=personas.carol.user, name="ci")
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert http.get(f"{API}/me/").status_code == 200
    api_token_revoke(user=personas.carol.user, token_id=token.pk)
    assert http.get(f"{API}/me/").status_code == 401


def test_a_user_outside_any_partner_is_403(personas):
    staff = UserFactory(email="staff@vendor.example", is_staff=True)
    _, key = api_token_create(user=staff, name="x")
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = http.get(f"{API}/clients/")
    assert response.status_code == 403
    assert "partner" in body(response)["detail"]


def test_the_browser_session_works_for_reads(personas):
    browser = APIClient()
    browser.force_login(personas.alice.user)
    assert body(browser.get(f"{API}/me/"))["email"] == "alice@acme.test"


@pytest.fixture
def tight_rate(settings):
    rates = dict(django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) | {"api": "3/minute"}
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_token_clients_are_throttled_with_retry_after(api_for, personas, tight_rate):
    alice = api_for("alice")
    for _ in range(3):
        assert alice.get(f"{API}/me/").status_code == 200
    response = alice.get(f"{API}/clients/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in body(response)["detail"].lower()
    # another user's token has its own allowance
    assert api_for("carol").get(f"{API}/me/").status_code == 200


def test_sessions_are_not_throttled(personas, tight_rate):
    browser = APIClient()
    browser.force_login(personas.alice.user)
    assert all(browser.get(f"{API}/me/").status_code == 200 for _ in range(5))
