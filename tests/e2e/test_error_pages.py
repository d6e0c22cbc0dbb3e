"""In a real browser, under the Content-Security-Policy: the 403, 404 and 500 pages in the
portal's layout, styled, each with a way back that works."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import path

from partner_portal import urls as project_urls
from partners.models import BetaOptIn
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ACCENT = "rgb(255, 92, 53)"  # portal.css --accent, on the way-back link (errors.css)
TOPBAR = "rgb(33, 51, 67)"  # portal.css .topbar
# Chromium reports an error status on the console: the pages' own, expected here (each test
# checks which responses failed), and admin's /favicon.ico, which admin does not link.
STATUS_MESSAGE = re.compile(r"^Failed to load resource: the server responded with a status of ")


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


# The project's URLs and a view that fails (``pytest.mark.urls(__name__)``).
urlpatterns = [path("boom/", boom), *project_urls.urlpatterns]


@pytest.fixture
def failed(page) -> list[tuple[str, int]]:
    """Every response of 400 or more the page received: (path, status)."""
    answers: list[tuple[str, int]] = []

    def record(response) -> None:
        if response.status >= 400:
            answers.append((urlsplit(response.url).path, response.status))

    page.on("response", record)
    return answers


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def styled(page, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")


def other_console_errors(page) -> list[str]:
    return [m for m in page.console_errors if not STATUS_MESSAGE.match(m)]


def test_bob_is_refused_the_team_page_and_its_actions_in_the_layout(page, personas, failed):
    log_in(page, "bob@acme.test")
    page.wait_for_url("**/partner/dashboard/")

    response = page.goto("/partner/settings/team/")
    assert response.status == 403
    assert page.text_content("h1") == "You cannot do that here"
    assert page.text_content("[data-reason]") == "Only a super admin of this partner can do that."
    assert page.text_content(".partner-name") == "Acme Growth Agency"
    assert page.locator("nav.mainnav a").count() == 5
    assert styled(page, ".topbar", "backgroundColor") == TOPBAR
    assert styled(page, "[data-way-back=dashboard]", "backgroundColor") == ACCENT
    page.click("[data-way-back=dashboard]")
    page.wait_for_url("**/partner/dashboard/")
    assert page.locator('[data-figure="total-points"]').count() == 1

    # The super admin's button is not on bob's page; sent all the same, it is refused.
    page.goto("/partner/settings/beta/tier-points/")
    assert page.locator("button[value=opt_in_everyone]").count() == 0
    page.eval_on_selector(
        "dialog form[method=post]",
        """form => {
          const button = document.createElement("button");
          button.name = "action"; button.value = "opt_in_everyone"; button.id = "forced";
          form.append(button);
        }""",
    )
    page.check("#id_accept_terms")
    with page.expect_navigation() as navigation:
        page.click("#forced")
    assert navigation.value.status == 403 and not BetaOptIn.objects.exists()
    assert "Only a super admin of this partner can opt every user in." in page.text_content(
        "[data-reason]"
    )
    page.click("[data-way-back=dashboard]")
    page.wait_for_url("**/partner/dashboard/")
    feature = "/partner/settings/beta/tier-points/"
    assert failed == [("/partner/settings/team/", 403), (feature, 403)]
    assert other_console_errors(page) == []


def test_an_unknown_url_shows_the_404_page_with_a_way_back(page, personas, failed):
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert page.text_content("h1") == "Page not found"
    assert styled(page, "[data-way-back=login]", "backgroundColor") == ACCENT
    page.click("[data-way-back=login]")
    page.wait_for_url("**/accounts/login/")

    log_in(page, "alice@acme.test")
    page.wait_for_url("**/partner/dashboard/")
    response = page.goto("/partner/no-such-page/")
    assert response.status == 404
    assert page.text_content(".partner-name") == "Acme Growth Agency"
    page.click("[data-way-back=dashboard]")
    page.wait_for_url("**/partner/dashboard/")
    assert failed == [("/no-such-page/", 404), ("/partner/no-such-page/", 404)]
    assert other_console_errors(page) == []


def test_staff_logging_in_from_the_sites_root_lands_in_admin(page, personas, failed):
    UserFactory(email="ops@vendor.test", is_staff=True, is_superuser=True)
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "ops@vendor.test")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    response = page.goto("/partner/dashboard/")
    assert response.status == 403
    page.click("[data-way-back=admin]")
    page.wait_for_url("**/admin/")
    assert failed == [("/partner/dashboard/", 403)]
    assert other_console_errors(page) == []


@pytest.mark.urls(__name__)
def test_a_server_error_shows_the_self_contained_500_page_styled(page, personas, failed):
    response = page.goto("/boom/")
    assert response.status == 500
    assert page.text_content("h1") == "Something went wrong on our side"
    assert "a bug in a view" not in page.content()
    assert styled(page, ".topbar", "backgroundColor") == TOPBAR
    assert styled(page, "[data-way-back=home]", "backgroundColor") == ACCENT
    page.click("[data-way-back=home]")
    page.wait_for_url("**/accounts/login/?next=/partner/dashboard/")
    assert failed == [("/boom/", 500)]
    assert other_console_errors(page) == []
