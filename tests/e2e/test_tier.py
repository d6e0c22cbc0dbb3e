"""In a real browser: the Tier Points beta opt-in, the breakdown, the client panel, calculator."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Deal
from points.models import DailySnapshot
from program import engine
from recompute.services import points_recompute
from tests.factories import AssignmentFactory, ClientFactory, DealFactory, MrrFactory
from tests.tierpage.helpers import give_clients, opt_in, tier_points_feature

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def log_in(page, email):
    page.goto("/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", "portal-test-password")
    page.click("button[type=submit]")
    page.wait_for_url("**/partner/dashboard/")


def log_out(page):
    page.click("text=Log out")
    page.wait_for_url("**/accounts/login/")


def acme_history(personas):
    """A year of Acme: clients in the US and Brazil, monthly snapshots, deals that expire."""
    today = timezone.localdate()
    give_clients(personas.acme, 6, prefix="Northwind", recompute=False)
    give_clients(
        personas.acme,
        4,
        prefix="Rio Digital",
        country="BR",
        deal_type=Deal.DealType.ASSISTED,
        recompute=False,
    )
    big = ClientFactory(name="Initech", country="US")
    MrrFactory(client=big, date=engine.add_months(today, -13), mrr=Decimal("30000"))
    AssignmentFactory(partner=personas.acme, client=big, start=engine.add_months(today, -13))
    for months, mrr in ((13, "6000"), (7, "5000"), (2, "9000")):
        DealFactory(
            partner=personas.acme,
            client=big,
            name=f"Initech expansion {months}",
            mrr=Decimal(mrr),
            created_on=engine.add_months(today, -months),
            closed_on=engine.add_months(today, -months),
        )
    for months in range(13, 0, -1):
        points_recompute(on=engine.add_months(today, -months))
    points_recompute(on=today)
    assert DailySnapshot.objects.filter(partner=personas.acme).count() >= 12


def test_carol_opts_into_the_beta_accepting_the_terms_and_sees_the_points_view(page, personas):
    tier_points_feature()
    log_in(page, "carol@globex.test")
    page.goto("/partner/tier/")
    assert page.locator(".beta-banner").count() == 0
    page.click("text=Try the new Tier Points beta")
    dialog = page.locator("dialog.beta-dialog")
    dialog.wait_for(state="visible")
    assert "Beta terms" in dialog.text_content()
    assert dialog.locator("text=Opt all users into beta").count() == 1  # carol is a super admin
    dialog.locator("input[name=accept_terms]").check()
    dialog.locator("button[value=opt_in]").click()
    page.wait_for_selector(".beta-banner")
    assert page.url.endswith("/partner/tier/")
    assert "Preview Tier Points" in page.text_content(".beta-banner")
    assert page.locator("#tier-insights").is_visible()
    page.wait_for_selector('.chart[data-figure="tier-progress-figure"][data-drawn="true"]')
    assert page.console_errors == []


def test_alice_opts_all_users_in_and_bob_then_sees_the_points_view(page, personas):
    tier_points_feature()
    log_in(page, "alice@acme.test")
    page.goto("/partner/settings/beta/")
    page.click("text=Try beta")
    dialog = page.locator("dialog.beta-dialog")
    dialog.wait_for(state="visible")
    dialog.locator("input[name=accept_terms]").check()
    dialog.locator("button[value=opt_in_everyone]").click()
    page.wait_for_selector('[data-beta-status="on"]')
    assert "Every user of Acme Growth Agency" in page.text_content(".messages")
    log_out(page)
    log_in(page, "bob@acme.test")
    page.goto("/partner/tier/")
    page.wait_for_selector(".beta-banner")
    assert page.locator("#tier-insights").is_visible()
    assert "Try the new Tier Points beta" not in page.content()
    assert page.console_errors == []


def test_the_breakdown_filters_exports_and_opens_the_client_panel(page, personas):
    acme_history(personas)
    opt_in(personas.alice)
    log_in(page, "alice@acme.test")
    page.goto("/partner/tier/")
    page.click(".tabs >> text=Points Breakdown")
    page.wait_for_url("**/partner/tier/breakdown/")
    assert page.locator("tr[data-client]").count() == 11

    page.select_option("#id_market_type", "growth")
    page.wait_for_url("**market_type=growth**")
    expect(page.locator("tr[data-client]")).to_have_count(4)
    page.select_option("#id_deal_type", "sourced")
    expect(page.locator("tr[data-client]")).to_have_count(0)
    assert "No client matches these filters" in page.text_content("#breakdown-table")
    page.select_option("#id_deal_type", "assisted")
    expect(page.locator("tr[data-client]")).to_have_count(4)

    with page.expect_download() as download:
        page.click("[data-export=csv]")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert len(rows) == 5 and {r[0] for r in rows[1:]} == {f"Rio Digital {n:03d}" for n in range(4)}
    assert all(r[3] == "Growth" for r in rows[1:])

    page.select_option("#id_market_type", "")
    page.select_option("#id_deal_type", "")
    expect(page.locator("tr[data-client]")).to_have_count(11)
    page.click("text=Initech")
    panel = page.locator("#client-panel dialog.client-panel")
    panel.wait_for(state="visible")
    assert panel.locator("h2").text_content() == "Initech"
    assert panel.locator('[data-sold-entry="active"]').count() == 2
    assert panel.locator('[data-sold-entry="expired"]').count() == 1
    page.wait_for_selector('#client-panel .chart[data-drawn="true"]')
    panel.locator("button[aria-label=Close]").click()
    panel.wait_for(state="hidden")
    assert page.console_errors == []


def test_the_tier_points_page_screenshot(page, personas):
    acme_history(personas)
    opt_in(personas.alice)
    log_in(page, "alice@acme.test")
    page.goto("/partner/tier/")
    page.wait_for_selector('.chart[data-figure="tier-progress-figure"][data-drawn="true"]')
    page.wait_for_selector('.chart[data-figure="over-time-figure"][data-drawn="true"]')
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "tier.png"), full_page=True)
    assert page.console_errors == []


def test_the_calculator_answers_as_alice_types(page, personas):
    today = timezone.localdate()
    DealFactory(partner=personas.acme, mrr=Decimal("8000"), closed_on=today - timedelta(days=1))
    points_recompute(on=today)
    log_in(page, "alice@acme.test")
    page.goto("/partner/tier/")
    page.click("summary.calc-toggle")
    page.wait_for_selector("#id_points-sold_amount")
    page.fill("#id_points-sold_amount", "1000")
    page.select_option("#id_points-currency", "USD")
    page.select_option("#id_points-market", "BR")
    expect(page.locator("[data-result=sold_points]")).to_have_text("100.00")
    assert page.text_content("[data-result=total_points]") == "100.00"
    page.check("#id_points-will_manage")
    expect(page.locator("[data-result=managed_points]")).to_have_text("20.00")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "calculator.png"), full_page=False)

    page.click("#calc-tab-currency")
    assert page.locator("#calc-panel-points").is_hidden()
    page.select_option("#id_currency-market", "BR")
    page.select_option("#id_currency-currency", "USD")
    page.fill("#id_currency-sold_points", "100")
    expect(page.locator("[data-result=sold_value]")).to_have_text("1,000.00 USD")
    page.select_option("#id_currency-direction", "currency_to_points")
    assert page.locator("#id_currency-sold_points").is_hidden()
    page.fill("#id_currency-sold_value", "-5")
    page.wait_for_selector("#currency-result .error")
    # the sidebar stays open on the next page
    page.goto("/partner/tier/")
    page.wait_for_selector("#id_points-sold_amount")
    assert page.console_errors == []
