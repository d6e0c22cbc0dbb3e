"""CSRF is enforced on every unsafe method of every URL of the project.

Each URL pattern (pages, partials, exports, admin and API) is requested with POST, PUT, PATCH
and DELETE by a logged-in session without a CSRF token: pages answer 403 before their view runs,
and the API (session authentication) refuses the request too. A token-bearing request goes
through, so the refusal is the token's doing.
"""

from __future__ import annotations

import pytest
from django.middleware.csrf import get_token
from django.test import Client as HttpClient

from clients.models import StaticList
from tests.factories import PASSWORD

from .urlwalk import routes

UNSAFE = ("post", "put", "patch", "delete")
ROUTES = list(routes())


def csrf_client(user) -> HttpClient:
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(user)
    return http


def test_the_walk_covers_pages_partials_exports_admin_and_the_api():
    paths = {route.path for route in ROUTES}
    assert {"/accounts/login/", "/partner/lists/1/rename/", "/partner/reports/save/"} <= paths
    assert any(p.startswith("/admin/") for p in paths)
    assert any(p.startswith("/api/v1/") for p in paths)
    assert any(p.endswith("/export/") for p in paths)


@pytest.mark.parametrize("method", UNSAFE)
def test_every_unsafe_request_without_a_token_is_refused(personas, method):
    http = csrf_client(personas.alice.user)
    accepted = []
    # POST over every route; the other methods over every route but Django admin's (which
    # takes POST only, refused by the same middleware).
    walked = ROUTES if method == "post" else [r for r in ROUTES if not r.path.startswith("/admin/")]
    for route in walked:
        response = getattr(http, method)(route.path, {"name": "x"})
        if route.path.startswith("/api/"):
            # The API reads JSON only: once a page has set the CSRF cookie, a form body is
            # refused as unsupported (415) while the CSRF check reads it; a JSON body reaches
            # the check and is refused there.
            as_json = getattr(http, method)(
                route.path, {"name": "x"}, content_type="application/json"
            )
            refused = response.status_code in (401, 403, 415) and as_json.status_code in (401, 403)
        else:
            refused = response.status_code == 403 and b"CSRF" in response.content
        if not refused:
            accepted.append((route.path, response.status_code))
    assert accepted == []
    assert len(ROUTES) > 100


def test_staff_admin_posts_without_a_token_are_refused(personas, admin_user):
    http = csrf_client(admin_user)
    admin_routes = [r for r in ROUTES if r.path.startswith("/admin/")]
    statuses = {http.post(r.path, {}).status_code for r in admin_routes}
    assert statuses == {403}


def test_a_write_without_a_token_changes_nothing_and_with_one_goes_through(personas):
    static_list = StaticList.objects.create(partner=personas.acme, name="Key accounts")
    http = csrf_client(personas.alice.user)
    url = f"/partner/lists/{static_list.pk}/rename/"

    refused = http.post(url, {"name": "Renamed"})
    assert refused.status_code == 403
    static_list.refresh_from_db()
    assert static_list.name == "Key accounts"

    http.get(f"/partner/lists/{static_list.pk}/")  # sets the CSRF cookie
    token = http.cookies["csrftoken"].value
    accepted = http.post(url, {"name": "Renamed", "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    static_list.refresh_from_db()
    assert static_list.name == "Renamed"


def test_the_login_form_itself_needs_its_token(personas):
    http = HttpClient(enforce_csrf_checks=True)
    response = http.post(
        "/accounts/login/", {"username": personas.alice.user.username, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in http.session


def test_the_api_refuses_a_session_post_without_token_but_not_a_token_client(personas, rf):
    http = csrf_client(personas.alice.user)
    body = {"sold_amount": "1000", "currency": "USD", "market": "US"}
    refused = http.post("/api/v1/calculator/points/", body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    request = rf.get("/")
    assert get_token(request)  # the token mechanism is on for the pages that need it
