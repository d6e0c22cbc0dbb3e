"""In a real browser: alice opens a commission statement and downloads its CSV."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from commissions.services import commissions_accrue
from tests.factories import ClientFactory, DealFactory, MrrFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def log_in(page, email):
    page.goto("/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", "portal-test-password")
    page.click("button[type=submit]")
    page.wait_for_url("**/partner/dashboard/")


def test_alice_opens_a_statement_and_downloads_its_csv(page, personas):
    for name, currency, mrr in (("Alpha Co", "USD", "1000"), ("Beta GmbH", "EUR", "880")):
        client = ClientFactory(name=name, currency=currency)
        MrrFactory(client=client, date=date(2024, 1, 1), mrr=Decimal(mrr))
        DealFactory(partner=personas.acme, client=client, closed_on=date(2025, 1, 10))
    commissions_accrue(month=date(2025, 3, 1), restate_months=2)

    log_in(page, "alice@acme.test")
    page.click("nav.mainnav >> text=Commissions")
    page.wait_for_url("**/partner/commissions/")
    assert page.locator(".statement-lines [data-line]").count() == 2  # the latest month

    page.select_option("#filter-month", "2025-01")
    page.click("#statement button[type=submit]")
    page.wait_for_url("**/partner/commissions/?month=2025-01*")
    assert page.locator('[data-statement="2025-01"] [data-line]').count() == 2

    page.click('tr[data-month="2025-03"] >> text=Print view')
    page.wait_for_url("**/partner/commissions/statements/2025-03/")
    assert "March 2025" in page.text_content("h1")
    # 1000 × 20% + 880 EUR × 20% × 100/88 = 200.00 + 200.00
    assert page.text_content('[data-figure="statement-total"]') == "400.00 USD"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "commission-statement.png"), full_page=True)

    with page.expect_download() as download:
        page.click(".statement-print >> text=CSV")
    assert download.value.suggested_filename == "commission-statement-2025-03.csv"
    with open(download.value.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [(r[1], r[9], r[11]) for r in rows[1:]] == [
        ("Alpha Co", "200.00", "Final"),
        ("Beta GmbH", "200.00", "Estimated"),
    ]
    assert page.console_errors == []
