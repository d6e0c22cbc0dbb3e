"""Login: throttling with a clear message, session expiry, and no off-site redirects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from partner_portal.settings import base, local
from partners.models import Membership
from partners.services import invitation_create, invitation_token
from tests.factories import PASSWORD, UserFactory

OFF_SITE = [
    "https://evil.example/",
    "//evil.example/partner/",
    "http://evil.example",
    "https:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    " https://evil.example",
    "https://127.0.0.1.evil.example/",
]


def log_in(http: HttpClient, username: str, password: str, next_url: str | None = None):
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return http.post("/accounts/login/", data)


@pytest.fixture
def invite_link(personas):
    """An invitation from alice to ``email``, as the link mailed to it."""

    def make(email: str) -> str:
        invitation = invitation_create(
            partner=personas.acme, by=personas.alice.user, email=email, role="user"
        )
        return reverse("invitation-accept", args=[invitation_token(invitation)])

    return make


@pytest.fixture
def throttled(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    return settings


def test_repeated_failures_lock_the_login_out_with_a_clear_message(personas, throttled):
    http = HttpClient()
    email = personas.alice.user.username
    for _ in range(throttled.AXES_FAILURE_LIMIT - 1):
        response = log_in(http, email, "wrong password")
        assert response.status_code == 200
        assert "Please enter a correct" in response.content.decode()

    locked = log_in(http, email, "wrong password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert 'id="locked-out"' in page and "Too many failed logins" in page
    assert "locked for 15 minutes" in page
    assert 'name="username"' in page  # still the login page, not a bare error

    # the right password does not get in while the lockout lasts
    right = log_in(http, email, PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in http.session
    assert AccessAttempt.objects.filter(username=email).exists()

    # another account from the same address is not locked
    other = log_in(HttpClient(), personas.carol.user.username, PASSWORD)
    assert other.status_code == 302


def test_failures_from_one_address_never_lock_the_owner_out_elsewhere(personas, throttled):
    attacker = HttpClient(REMOTE_ADDR="198.51.100.7")
    email = personas.alice.user.username
    for _ in range(throttled.AXES_FAILURE_LIMIT + 3):
        log_in(attacker, email, "guess")
    assert log_in(attacker, email, PASSWORD).status_code == 429
    owner = HttpClient(REMOTE_ADDR="203.0.113.20")
    assert log_in(owner, email, PASSWORD).status_code == 302


def test_an_email_in_another_case_counts_against_the_same_account(personas, throttled):
    http = HttpClient(REMOTE_ADDR="198.51.100.8")
    for variant in ("ALICE@acme.test", "Alice@Acme.Test", " alice@ACME.test"):
        log_in(http, variant, "guess")
    assert log_in(http, "alice@acme.test", PASSWORD).status_code == 429


def test_behind_the_proxy_each_client_is_locked_on_its_own_address(personas, throttled):
    throttled.TRUSTED_PROXY_COUNT = 1
    email = personas.alice.user.username

    def via_proxy(client_address: str, sent: str = "") -> HttpClient:
        forwarded = f"{sent}, {client_address}" if sent else client_address
        return HttpClient(REMOTE_ADDR="172.18.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    # the attacker forges X-Forwarded-For entries: only the one the proxy appended counts
    for n in range(throttled.AXES_FAILURE_LIMIT):
        log_in(via_proxy("198.51.100.9", sent=f"10.0.0.{n}"), email, "guess")
    assert log_in(via_proxy("198.51.100.9", sent="10.9.9.9"), email, PASSWORD).status_code == 429
    assert AccessAttempt.objects.get(username=email).ip_address == "198.51.100.9"
    # the owner, behind the same proxy, is not locked out
    assert log_in(via_proxy("203.0.113.30"), email, PASSWORD).status_code == 302


def test_without_trusted_proxies_a_forwarded_header_is_ignored(personas, throttled):
    email = personas.alice.user.username
    for n in range(throttled.AXES_FAILURE_LIMIT):
        log_in(HttpClient(HTTP_X_FORWARDED_FOR=f"10.1.1.{n}"), email, "guess")
    assert log_in(HttpClient(HTTP_X_FORWARDED_FOR="10.2.2.2"), email, PASSWORD).status_code == 429


def test_guessing_spread_over_many_addresses_is_slowed_but_the_owner_gets_in(personas, throttled):
    throttled.ACCOUNT_FAILURE_LIMIT = 4
    email = personas.alice.user.username
    attackers = [HttpClient(REMOTE_ADDR=f"198.51.100.{n}") for n in (21, 22)]
    for attacker in attackers:
        for _ in range(2):  # below the per-address limit of 3
            assert log_in(attacker, email, "guess").status_code == 200
    # the account has 4 failures in all: every address that failed is refused, even with the
    # right password, until the failures age out
    for attacker in attackers:
        refused = log_in(attacker, email, PASSWORD)
        assert refused.status_code == 429 and 'id="locked-out"' in refused.content.decode()
        assert "_auth_user_id" not in attacker.session
    # an address that has not failed still logs in with the right password
    owner = HttpClient(REMOTE_ADDR="203.0.113.40")
    assert log_in(owner, email, PASSWORD).status_code == 302
    # a new address gets one wrong guess before it too is refused
    newcomer = HttpClient(REMOTE_ADDR="198.51.100.23")
    assert log_in(newcomer, email, "guess").status_code == 200
    assert log_in(newcomer, email, PASSWORD).status_code == 429


def test_a_success_before_the_limit_clears_the_failures(personas, throttled):
    http = HttpClient()
    email = personas.bob.user.username
    log_in(http, email, "wrong password")
    log_in(http, email, "wrong password")
    assert log_in(http, email, PASSWORD).status_code == 302
    http.post("/accounts/logout/")
    for _ in range(throttled.AXES_FAILURE_LIMIT - 1):
        assert log_in(http, email, "wrong password").status_code == 200
    assert log_in(http, email, PASSWORD).status_code == 302


def test_throttling_is_on_in_every_settings_module_but_test():
    assert getattr(base, "AXES_ENABLED", True) is True
    assert getattr(local, "AXES_ENABLED", True) is True
    assert base.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert base.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert base.AXES_FAILURE_LIMIT == 5


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_never_redirects_off_site(personas, target):
    http = HttpClient()
    response = log_in(http, personas.alice.user.username, PASSWORD, next_url=target)
    assert response.status_code == 302
    assert response["Location"] == "/partner/dashboard/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_in_the_query_string_never_redirects_off_site(personas, target):
    http = HttpClient()
    http.force_login(personas.alice.user)
    response = http.get("/accounts/login/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/partner/dashboard/"
    logout = http.post("/accounts/logout/", {"next": target})
    assert logout.status_code == 302
    assert logout["Location"] == "/accounts/login/"


def test_next_on_site_is_followed(personas):
    response = log_in(
        HttpClient(), personas.alice.user.username, PASSWORD, next_url="/partner/tier/"
    )
    assert response["Location"] == "/partner/tier/"


def test_a_page_sends_an_anonymous_user_to_login_with_a_local_next(db):
    response = HttpClient().get("/partner/tier/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/partner/tier/"


def test_the_session_ends_with_the_browser_and_after_its_age(personas):
    http = HttpClient()
    response = log_in(http, personas.alice.user.username, PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert http.session.get_expire_at_browser_close() is True
    assert http.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 12 * 60 * 60


def test_an_expired_session_is_logged_out(personas, settings):
    http = HttpClient()
    log_in(http, personas.alice.user.username, PASSWORD)
    assert http.get("/partner/dashboard/").status_code == 200
    Session.objects.filter(session_key=http.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = http.get("/partner/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_account_limit_holds_on_every_login_form(personas, throttled, invite_link):
    """Django admin's login and an invitation's password form go through the same backends."""
    throttled.ACCOUNT_FAILURE_LIMIT = 2
    staff = UserFactory(email="ops@vendor.example", is_staff=True)
    failing = HttpClient(REMOTE_ADDR="198.51.100.31")
    for _ in range(2):
        failing.post("/admin/login/", {"username": staff.email, "password": "guess"})
    refused = failing.post(
        "/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD}
    )
    assert refused.status_code == 429 and "_auth_user_id" not in failing.session
    clean = HttpClient(REMOTE_ADDR="203.0.113.50")
    admitted = clean.post(
        "/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD}
    )
    assert admitted.status_code == 302

    erin = UserFactory(email="erin@example.test")
    link = invite_link("erin@example.test")
    guesser = HttpClient(REMOTE_ADDR="198.51.100.32")
    for _ in range(2):
        assert guesser.post(link, {"password": "guess"}).status_code == 400
    assert guesser.post(link, {"password": PASSWORD}).status_code == 429
    assert not Membership.objects.filter(user=erin).exists()


def test_an_accounts_username_and_email_share_one_count(personas, throttled):
    legacy = UserFactory(username="legacy", email="legacy@example.test")
    http = HttpClient(REMOTE_ADDR="198.51.100.33")
    log_in(http, "legacy", "guess")
    log_in(http, "LEGACY@example.test", "guess")
    log_in(http, "legacy", "guess")
    assert log_in(http, legacy.email, PASSWORD).status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {legacy.email}


def test_a_lookalike_email_is_another_name_and_never_logs_in_as_the_account(personas, throttled):
    http = HttpClient(REMOTE_ADDR="198.51.100.34")
    assert log_in(http, "alıce@acme.test", PASSWORD).status_code == 200  # dotless ı
    assert "_auth_user_id" not in http.session


def test_ipv6_clients_are_counted_per_64_block(personas, throttled):
    email = personas.alice.user.username
    for n in range(throttled.AXES_FAILURE_LIMIT):
        log_in(HttpClient(REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}"), email, "guess")
    assert log_in(HttpClient(REMOTE_ADDR="2001:db8:1:2::ff"), email, PASSWORD).status_code == 429
    assert log_in(HttpClient(REMOTE_ADDR="2001:db8:1:3::1"), email, PASSWORD).status_code == 302


def test_the_forwarded_header_is_read_only_from_the_trusted_proxy_networks(personas, throttled):
    throttled.TRUSTED_PROXY_COUNT = 1
    throttled.TRUSTED_PROXY_NETWORKS = ["172.18.0.0/16"]
    email = personas.alice.user.username
    # a client reaching gunicorn directly cannot pick a new address for each guess
    for n in range(throttled.AXES_FAILURE_LIMIT):
        direct = HttpClient(REMOTE_ADDR="198.51.100.35", HTTP_X_FORWARDED_FOR=f"10.3.3.{n}")
        log_in(direct, email, "guess")
    direct = HttpClient(REMOTE_ADDR="198.51.100.35", HTTP_X_FORWARDED_FOR="10.4.4.4")
    assert log_in(direct, email, PASSWORD).status_code == 429
    proxied = HttpClient(REMOTE_ADDR="172.18.0.2", HTTP_X_FORWARDED_FOR="203.0.113.60")
    assert log_in(proxied, email, PASSWORD).status_code == 302
