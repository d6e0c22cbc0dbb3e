"""In a real browser: a client record, a static list exported as CSV, a saved report run again."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from clients.services import static_list_add_clients, static_list_create
from recompute.services import points_recompute
from reports.ranges import DateRange
from reports.reports import ReportSpec
from reports.services import saved_report_create
from tests.factories import ClientFactory, DealFactory, MrrFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def log_in(page, email):
    page.goto("/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", "portal-test-password")
    page.click("button[type=submit]")
    page.wait_for_url("**/partner/dashboard/")


def test_bob_opens_a_record_exports_a_list_and_reruns_a_report(page, personas):
    today = timezone.localdate()
    alpha = ClientFactory(name="Alpha Corp", domain="alpha.test")
    bravo = ClientFactory(name="=Bravo", domain="bravo.test")
    MrrFactory(client=alpha, date=today - timedelta(days=60), mrr=Decimal("800"))
    MrrFactory(client=alpha, date=today - timedelta(days=20), mrr=Decimal("1000"))
    DealFactory(
        partner=personas.acme,
        client=alpha,
        name="Alpha Pro",
        mrr=Decimal("1000"),
        created_on=today - timedelta(days=9),
        closed_on=today - timedelta(days=5),
    )
    DealFactory(
        partner=personas.acme,
        client=bravo,
        name="Bravo Pro",
        mrr=Decimal("200"),
        created_on=today - timedelta(days=9),
        closed_on=today - timedelta(days=4),
    )
    points_recompute(on=today)
    key_accounts = static_list_create(partner=personas.acme, name="Key accounts")
    static_list_add_clients(static_list=key_accounts, client_ids=[alpha.pk, bravo.pk])
    report = saved_report_create(
        partner=personas.acme,
        user=personas.bob.user,
        name="Recent wins",
        spec=ReportSpec("new_sold", DateRange(today - timedelta(days=29), today, "last_30_days")),
    )

    log_in(page, "bob@acme.test")

    page.goto(f"/partner/clients/{alpha.pk}/")
    assert page.text_content("h1") == "Alpha Corp"
    assert "Alpha Pro" in page.text_content("#deals + table")
    page.wait_for_selector('.chart[data-figure="mrr-figure"][data-drawn="true"]')
    assert page.text_content('[data-figure="client-sold"]').strip() == "50.00"  # 1000/100 × 5
    page.select_option("#id_track", "sold")
    page.wait_for_selector("#entries tr[data-entry]")
    assert "Deal won" in page.text_content("#entries tbody")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "client-record.png"), full_page=True)

    page.goto("/partner/lists/")
    page.click("text=Key accounts")
    page.wait_for_url(f"**/partner/lists/{key_accounts.pk}/")
    page.fill("#export-name", "My key accounts")
    page.select_option("#export-format", "csv")
    with page.expect_download() as download_info:
        page.click("form.export button[type=submit]")
    download = download_info.value
    assert download.suggested_filename == "my-key-accounts.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    assert rows[0][:2] == ["Client ID", "Client"]
    assert sorted(row[1] for row in rows[1:]) == ["'=Bravo", "Alpha Corp"]

    page.goto("/partner/reports/")
    page.click("text=Recent wins")
    page.wait_for_url(f"**/partner/reports/{report.pk}/")
    first = page.locator("table.report-rows tbody tr").all_text_contents()
    assert (
        page.text_content('[data-figure="report-total"]') == "60.00"
    )  # 1000/100 × 5 + 200/100 × 5
    page.click("text=Run again")
    page.wait_for_load_state()
    assert page.locator("table.report-rows tbody tr").all_text_contents() == first

    page.fill("#new_sold-new-list-name", "From the report")
    page.click('form[data-action="use-in-lists"] button[type=submit]')
    page.wait_for_selector(".report-actions .action-message")
    assert "Added 2 clients" in page.text_content(".report-actions .action-message")
    assert page.console_errors == []
