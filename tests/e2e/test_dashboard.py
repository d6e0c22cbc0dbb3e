"""In a real browser: alice works through the dashboard's sections and a report dialog.

Acme's clients (USD, sourced 5 and managed 1 per US$100):
- Northwind: sourced deal MRR 2000 won 10 days ago → 100 new sold points;
- Southpaw: sourced deal MRR 400 won 50 days ago → 20 new sold points (in the last 90 days,
  not the last 30);
- Eastgate: managed alone at MRR 3000 → 30 new managed points today.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import SavedReport, StaticList
from commissions.models import CommissionPayment
from recompute.services import points_recompute
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    DealFactory,
    MrrFactory,
    RenewalFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_alice_uses_the_dashboard_and_a_report_dialog(page, personas):
    today = timezone.localdate()
    acme = personas.acme
    northwind = ClientFactory(name="Northwind", domain="northwind.test")
    southpaw = ClientFactory(name="Southpaw", domain="southpaw.test")
    eastgate = ClientFactory(name="Eastgate", domain="eastgate.test")
    DealFactory(
        partner=acme,
        client=northwind,
        name="Northwind Pro",
        mrr=Decimal("2000"),
        shared_selling=True,
        created_on=today - timedelta(days=20),
        closed_on=today - timedelta(days=10),
    )
    DealFactory(
        partner=acme,
        client=southpaw,
        mrr=Decimal("400"),
        created_on=today - timedelta(days=60),
        closed_on=today - timedelta(days=50),
    )
    DealFactory(
        partner=acme,
        client=southpaw,
        name="Southpaw expansion",
        shared_selling=True,
        stage="in_flight",
        created_on=today - timedelta(days=5),
        closed_on=None,
    )
    MrrFactory(client=eastgate, date=today - timedelta(days=100), mrr=Decimal("3000"))
    AssignmentFactory(partner=acme, client=eastgate, start=today - timedelta(days=1))
    RenewalFactory(
        client=eastgate,
        date=today + timedelta(days=40),
        products="Marketing Hub Pro",
        renewal_manager="Rita Renewals",
    )
    CommissionPayment.objects.create(
        partner=acme,
        quarter_start=date(2026, 4, 1),
        scheduled_on=date(2026, 8, 15),
        currency="USD",
        amount=Decimal("1840.25"),
        status="paid",
        paid_on=date(2026, 8, 15),
    )
    CommissionPayment.objects.create(
        partner=acme,
        quarter_start=date(2099, 1, 1),
        scheduled_on=today + timedelta(days=45),
        currency="USD",
        amount=Decimal("960.00"),
    )
    points_recompute(on=today)

    page.goto("/")
    page.fill("#id_username", "alice@acme.test")
    page.fill("#id_password", "portal-test-password")
    page.click("button[type=submit]")
    page.wait_for_url("**/partner/dashboard/")
    assert page.text_content('[data-figure="total-points"]') == "150.00"

    assert page.text_content('#shared-selling [data-figure="deals_created"]') == "2"
    assert page.text_content('#shared-selling [data-figure="deals_in_flight"]') == "1"
    assert "1,840.25 USD" in page.text_content("#commission")

    # "Get to": the next tier up is Gold; choosing Diamond re-renders the section in place
    assert page.locator("#get-to").input_value() == "gold"
    page.select_option("#get-to", "diamond")
    page.wait_for_selector('[data-target-tier="diamond"]')
    assert page.url.endswith("/partner/dashboard/")  # no reload
    total = page.locator('#tier-progression [data-requirement="total"] [data-needed]')
    assert total.text_content() == "5,850.00"  # 6,000 - 150

    # a date range: the last 90 days bring in Southpaw's 20 sold points
    assert page.text_content('#point-changes [data-figure="new_sold"]') == "100.00"
    page.select_option("#d3-range", "last_90_days")
    expect(page.locator('#point-changes [data-figure="new_sold"]')).to_have_text("120.00")
    assert page.locator("#get-to").input_value() == "diamond"  # D2 was left alone

    # a custom range: editing a date picks "Custom range"; Apply re-renders the section
    page.fill("#d4-start", (today - timedelta(days=7)).isoformat())
    assert page.locator("#d4-range").input_value() == "custom"
    page.click("#shared-selling button[type=submit]")
    expect(page.locator('#shared-selling [data-figure="deals_created"]')).to_have_text("1")
    assert page.text_content('#point-changes [data-figure="new_sold"]') == "120.00"

    # the new-sold-points figure opens its dialog with the per-client rows
    page.click('#point-changes [data-figure="new_sold"]')
    dialog = page.locator("#report-dialog")
    page.wait_for_selector("#report-dialog[open] h2[data-report=new_sold]")
    assert dialog.locator("tr[data-client]").all_text_contents()[0].split() == [
        "Northwind",
        "100.00",
        "1",
    ]
    assert dialog.locator("tr[data-client]").count() == 2

    # export the unsummarized data as CSV
    page.fill("#new_sold-export-name", "Sold in the quarter")
    page.select_option("#new_sold-export-format", "csv")
    with page.expect_download() as download_info:
        dialog.locator('form[data-action="export"] button[type=submit]').click()
    download = download_info.value
    assert download.suggested_filename == "sold-in-the-quarter.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    header = rows[0]
    assert header[:4] == ["Entry ID", "Effective date", "Client ID", "Client"]
    by_client = {row[header.index("Client")]: row for row in rows[1:]}
    assert sorted(by_client) == ["Northwind", "Southpaw"]
    points = header.index("Points")
    assert Decimal(by_client["Northwind"][points]) == Decimal("100")
    assert Decimal(by_client["Southpaw"][points]) == Decimal("20")
    assert by_client["Northwind"][header.index("Deal")] == "Northwind Pro"

    # use in lists: a new list, then add another figure's client to it
    page.fill("#new_sold-new-list-name", "Quarter wins")
    dialog.locator('form[data-action="use-in-lists"] button[type=submit]').click()
    page.wait_for_selector("#report-dialog .action-message")
    assert "Added 2 clients" in dialog.locator(".action-message").text_content()
    page.click("#report-dialog .dialog-close button")
    page.wait_for_selector("#report-dialog:not([open])", state="attached")

    page.click('#point-changes [data-figure="new_managed"]')
    page.wait_for_selector("#report-dialog[open] h2[data-report=new_managed]")
    quarter_wins = StaticList.objects.get(partner=acme, name="Quarter wins")
    page.select_option("#new_managed-list", str(quarter_wins.pk))
    dialog.locator('form[data-action="use-in-lists"] button[type=submit]').click()
    page.wait_for_selector("#report-dialog .action-message")
    assert "Added 1 client" in dialog.locator(".action-message").text_content()
    assert sorted(quarter_wins.members.values_list("client__name", flat=True)) == [
        "Eastgate",
        "Northwind",
        "Southpaw",
    ]

    # save as report, then open it again from the reports page
    dialog_rows = dialog.locator("tr[data-client]").all_text_contents()
    page.fill("#new_managed-report-name", "Managed gains")
    dialog.locator('form[data-action="save-report"] button[type=submit]').click()
    page.wait_for_selector("#report-dialog .action-message:has-text('Saved the report')")
    report = SavedReport.objects.get(partner=acme, name="Managed gains")
    assert (report.kind, report.start, report.end) == (
        "new_managed",
        today - timedelta(days=89),
        today,
    )
    page.click("#report-dialog .dialog-close button")
    page.goto("/partner/reports/")
    page.click("text=Managed gains")
    page.wait_for_url(f"**/partner/reports/{report.pk}/")
    reopened = page.locator("table.report-rows tbody tr").all_text_contents()
    assert [r.split()[0] for r in reopened] == [r.split()[0] for r in dialog_rows] == ["Eastgate"]
    assert page.text_content('[data-figure="report-total"]') == "30.00"

    # the renewals table leads to the client record
    page.goto("/partner/dashboard/?get_to=platinum")
    assert "Marketing Hub Pro" in page.text_content("#renewals")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    page.click("#renewals >> text=Eastgate")
    page.wait_for_url(f"**/partner/clients/{eastgate.pk}/")

    assert page.console_errors == []


def test_the_dialog_works_as_a_page_without_javascript(browser, live_server, personas):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    DealFactory(partner=personas.acme, closed_on=timezone.localdate())
    points_recompute(on=timezone.localdate())
    page.goto("/accounts/login/")
    page.fill("#id_username", "bob@acme.test")
    page.fill("#id_password", "portal-test-password")
    page.click("button[type=submit]")
    page.wait_for_url("**/partner/dashboard/")
    page.select_option("#get-to", "platinum")
    page.click("#tier-progression button[type=submit]")
    page.wait_for_url("**get_to=platinum**")
    assert page.locator("#get-to").input_value() == "platinum"
    page.select_option("#d4-range", "last_12_months")
    page.click("#shared-selling button[type=submit]")
    page.wait_for_url("**d4-range=last_12_months**")
    assert page.locator("#get-to").input_value() == "platinum"  # kept by the form
    page.click('#point-changes [data-figure="new_sold"]')
    page.wait_for_url("**/partner/dashboard/report/?kind=new_sold**")
    assert page.locator("tr[data-client]").count() == 1
    context.close()
