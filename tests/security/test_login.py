"""Login: throttling with a clear message, session expiry, and no off-site redirects."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client as HttpClient

from tests.factories import PASSWORD

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
    from partner_portal.settings import base, local

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
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    http = HttpClient()
    log_in(http, personas.alice.user.username, PASSWORD)
    assert http.get("/partner/dashboard/").status_code == 200
    Session.objects.filter(session_key=http.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = http.get("/partner/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
