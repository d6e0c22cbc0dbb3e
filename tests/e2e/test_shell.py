"""In a real browser: log in as alice and see Acme's tier and totals on the dashboard."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from recompute.services import points_recompute
from tests.factories import AssignmentFactory, ClientFactory, DealFactory, MrrFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_alice_logs_in_and_sees_acmes_tier_and_totals(page, personas):
    today = timezone.localdate()
    DealFactory(partner=personas.acme, mrr=Decimal("8000"), closed_on=today)
    client = ClientFactory()
    MrrFactory(client=client, date=today, mrr=Decimal("10000"))
    AssignmentFactory(partner=personas.acme, client=client, start=today)
    points_recompute(on=today)

    page.goto("/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "alice@acme.test")
    page.fill("#id_password", "portal-test-password")
    page.click("button[type=submit]")
    page.wait_for_url("**/partner/dashboard/")

    assert page.text_content(".partner-name") == "Acme Growth Agency"
    assert page.text_content('[data-figure="performance-tier"]') == "Gold"
    assert page.text_content('[data-figure="total-points"]') == "500.00"
    assert page.locator("nav.mainnav a[aria-current=page]").text_content() == "Dashboard"

    page.click("text=Log out")
    page.wait_for_url("**/accounts/login/")
    assert page.console_errors == []


def test_a_wrong_password_shows_an_error_in_the_page(page, personas):
    page.goto("/accounts/login/")
    page.fill("#id_username", "alice@acme.test")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert "correct" in page.text_content("[role=alert]")
