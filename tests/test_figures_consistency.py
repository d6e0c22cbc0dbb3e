"""Regression tests for "Figures a partner can trust": one figure has one value on every
surface, totals add up from their parts as shown, and every figure's "why" opens for everyone.

The review's findings: (2) the Clients list truncated Combined (``|add`` casts to int: Blue
Wellness 7.64 + 6.74 showed 13.00); (3) the same client was 0.01 apart between the breakdown
(which rounded the exact sum) and its side panel (which summed the rounded parts), and the
admin review preview's total was not its shown sold + managed; (4) the dashboard's Total /
Sold / Managed links sent users outside the Tier Points beta away. The values are chosen so
that rounding the exact sum and summing the rounded parts differ: 7.645 + 6.745 is 14.39
exactly, but 7.65 + 6.75 = 14.40 as shown.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import Client
from partners.models import Membership, Partner
from partners.services import api_token_create
from recompute.services import points_recompute
from reports.ranges import DateRange
from reports.reports import ReportSpec
from reports.services import saved_report_create
from tests.conftest import Personas
from tests.factories import AssignmentFactory, ClientFactory, DealFactory, MrrFactory
from tests.tierpage.helpers import give_clients
from tiers.selectors import standing_summary

pytestmark = pytest.mark.django_db
API = "/api/v1"
SOLD, MANAGED, COMBINED = "7.65", "6.75", "14.40"  # exact 7.645, 6.745 and 14.390


def client_with(partner: Partner, name: str, *, sold_mrr: str, managed_mrr: str) -> Client:
    """A US client of ``partner``: a sourced deal won 3 days ago (MRR/100 × 5 sold points)
    and a managed assignment alone on ``managed_mrr`` (MRR/100 managed points)."""
    today = timezone.localdate()
    client = cast(Client, ClientFactory(name=name, country="US", currency="USD"))
    MrrFactory(client=client, date=today - timedelta(days=40), mrr=Decimal(managed_mrr))
    AssignmentFactory(partner=partner, client=client, start=today - timedelta(days=40))
    DealFactory(
        partner=partner,
        client=client,
        mrr=Decimal(sold_mrr),
        created_on=today - timedelta(days=5),
        closed_on=today - timedelta(days=3),
    )
    return client


@pytest.fixture
def blue(personas: Personas) -> Client:
    """Carol's Blue Wellness: 152.90 × 5 / 100 = 7.645 sold, 674.50 / 100 = 6.745 managed."""
    client = client_with(personas.globex, "Blue Wellness", sold_mrr="152.90", managed_mrr="674.50")
    points_recompute(on=timezone.localdate())
    return client


def api_client(member: Membership) -> APIClient:
    http = APIClient()
    _, key = api_token_create(user=member.user, name="figures")
    http.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return http


def page(http: HttpClient | APIClient, url: str, **extra: Any) -> str:
    response = http.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def row_cells(text: str, client: Client) -> list[str]:
    """The numeric cells of the table row of ``client``."""
    row = re.search(rf'<tr data-client="{client.pk}">(.*?)</tr>', text, re.DOTALL)
    assert row is not None, f"no row for {client.name}"
    return re.findall(r'<td class="num">([^<]*)</td>', row.group(1))


def figure_of(text: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">(?:<a [^>]*>)?([^<]*)<', text)
    assert found is not None, f"no figure {name}"
    return found.group(1)


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# --- finding 2: the Clients list's Combined --------------------------------------------------


def test_the_clients_list_shows_combined_as_the_sum_of_the_parts_shown(personas, blue):
    text = page(personas.client_for("carol"), reverse("clients:list"))
    assert row_cells(text, blue)[1:] == [SOLD, MANAGED, COMBINED]


def test_the_clients_list_never_truncates_a_combined_figure(personas):
    """Cedar Print: 2.88 + 8.26 showed 10.00 (an int cast) where 11.14 adds up."""
    cedar = client_with(personas.globex, "Cedar Print", sold_mrr="57.60", managed_mrr="826.00")
    points_recompute(on=timezone.localdate())
    text = page(personas.client_for("carol"), reverse("clients:list"))
    assert row_cells(text, cedar)[1:] == ["2.88", "8.26", "11.14"]


# --- finding 3: the same client, the same digits everywhere ----------------------------------


def test_a_clients_figures_have_the_same_digits_on_every_page_and_panel(personas, blue):
    carol = personas.client_for("carol")
    breakdown = page(carol, reverse("tiers:breakdown"))
    assert row_cells(breakdown, blue) == [SOLD, MANAGED, COMBINED]
    panel = page(carol, reverse("tiers:client", args=[blue.pk]), HTTP_HX_REQUEST="true")
    record = page(carol, reverse("clients:record", args=[blue.pk]))
    for text in (panel, record):
        assert figure_of(text, "client-sold") == SOLD
        assert figure_of(text, "client-managed") == MANAGED
        assert figure_of(text, "client-combined") == COMBINED
    assert row_cells(page(carol, reverse("clients:list")), blue)[1:] == [SOLD, MANAGED, COMBINED]


def test_a_clients_figures_have_the_same_digits_in_the_api(personas, blue):
    api = api_client(personas.carol)
    rows = api.get(f"{API}/tier/breakdown/").json()["results"]
    assert [(r["sold"], r["managed"], r["combined"]) for r in rows] == [(SOLD, MANAGED, COMBINED)]
    points = api.get(f"{API}/clients/{blue.pk}/points/").json()
    assert (points["sold"], points["managed"], points["combined"]) == (SOLD, MANAGED, COMBINED)
    record = api.get(f"{API}/clients/{blue.pk}/").json()
    assert (record["sold_points"], record["managed_points"]) == (SOLD, MANAGED)
    listed = api.get(f"{API}/clients/").json()["results"]
    assert [(r["sold"], r["managed"]) for r in listed] == [(SOLD, MANAGED)]


def test_a_clients_figures_have_the_same_digits_in_every_export(personas, blue):
    carol, api = personas.client_for("carol"), api_client(personas.carol)
    for response in (
        carol.get(reverse("tiers:breakdown"), {"export": "csv"}),
        api.get(f"{API}/tier/breakdown/", {"format": "csv"}),
    ):
        [row] = csv_rows(response)
        assert (row["Sold"], row["Managed"], row["Combined"]) == (SOLD, MANAGED, COMBINED)
    [listed] = csv_rows(api.get(f"{API}/clients/", {"format": "csv"}))
    assert (listed["Sold points"], listed["Managed points"]) == (SOLD, MANAGED)


def test_a_partners_total_is_its_shown_sold_plus_shown_managed_everywhere(personas, blue):
    carol = personas.client_for("carol")
    dashboard = page(carol, reverse("partners:dashboard"))
    shown = (
        figure_of(dashboard, "sold-points"),
        figure_of(dashboard, "managed-points"),
        figure_of(dashboard, "total-points"),
    )
    assert shown == (SOLD, MANAGED, COMBINED)
    tier = page(carol, reverse("tiers:tier"))
    assert (figure_of(tier, "sold-points"), figure_of(tier, "managed-points")) == (SOLD, MANAGED)
    standing = api_client(personas.carol).get(f"{API}/tier/standing/").json()
    assert (standing["sold"], standing["managed"], standing["total"]) == (SOLD, MANAGED, COMBINED)


def test_the_admin_review_preview_total_is_its_shown_sold_plus_shown_managed(personas):
    """300.005 + 300.005 is 600.01 exactly; the preview shows 300.01 + 300.01 = 600.02."""
    client_with(personas.globex, "Big Co", sold_mrr="6000.10", managed_mrr="30000.50")
    today = timezone.localdate()
    points_recompute(on=today)
    staff = personas.client_for("staff")
    text = page(staff, reverse("admin:tiers_tierreview_run"), data={"on": today.isoformat()})
    row = re.search(rf'<tr data-partner="{personas.globex.pk}">(.*?)</tr>', text, re.DOTALL)
    assert row is not None
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells[-3:] == ["300.01", "300.01", "600.02"]


def test_tier_requirements_are_compared_with_the_figures_as_shown(personas):
    """249.995 + 249.995 is 499.99 exactly: shown 250.00 + 250.00 = 500.00, which meets Gold."""
    client_with(personas.acme, "Edge Co", sold_mrr="4999.90", managed_mrr="24999.50")
    points_recompute(on=timezone.localdate())
    summary = standing_summary(partner=personas.acme, on=timezone.localdate())
    assert (summary.sold, summary.managed, summary.total) == (
        Decimal("250.00"),
        Decimal("250.00"),
        Decimal("500.00"),
    )
    assert summary.performance_tier == "Gold"
    assert summary.next_tier == "Platinum"
    assert summary.needs_for_next is not None and summary.needs_for_next.total == Decimal(1500)
    tier = page(personas.client_for("alice"), reverse("tiers:tier"))
    gold = re.search(r'<tr data-tier="Gold">(.*?)</tr>', tier, re.DOTALL)
    assert gold is not None and "Current performance" in gold.group(1)


# --- a dialog's and a report's total: the sum of their rows as shown -------------------------


@pytest.fixture
def two_gains(personas: Personas) -> list[Client]:
    """Two of carol's clients each won 7.645 sold points: 15.29 exactly, 15.30 as shown."""
    clients = [
        client_with(personas.globex, name, sold_mrr="152.90", managed_mrr="0")
        for name in ("Alder Co", "Birch Co")
    ]
    points_recompute(on=timezone.localdate())
    return clients


def test_a_point_change_figure_is_the_sum_of_its_dialogs_rows_as_shown(personas, two_gains):
    carol = personas.client_for("carol")
    dashboard = page(carol, reverse("partners:dashboard"))
    assert figure_of(dashboard, "new_sold") == "15.30"
    link = re.search(r'<a href="([^"]+)"[^>]*data-figure="new_sold"', dashboard)
    assert link is not None
    dialog = page(carol, html_lib.unescape(link.group(1)), HTTP_HX_REQUEST="true")
    assert "total 15.30 points" in dialog
    assert sorted(re.findall(r'<td class="num">(\d+\.\d\d)</td>', dialog)) == ["7.65", "7.65"]
    changes = api_client(personas.carol).get(f"{API}/points/changes/").json()
    assert changes["new_sold"] == "15.30"


def test_a_saved_reports_total_is_the_sum_of_its_rows_as_shown(personas, two_gains):
    today = timezone.localdate()
    report = saved_report_create(
        partner=personas.globex,
        user=personas.carol.user,
        name="New sold",
        spec=ReportSpec("new_sold", DateRange(today - timedelta(days=29), today)),
    )
    text = page(personas.client_for("carol"), reverse("lists:report-detail", args=[report.pk]))
    assert figure_of(text, "report-total") == "15.30"
    rows = csv_rows(api_client(personas.carol).get(f"{API}/reports/{report.pk}/run/?format=csv"))
    assert [r["Value"] for r in rows] == ["7.65", "7.65"]


# --- finding 4: every "why" opens for every user ---------------------------------------------


def test_a_user_outside_the_beta_follows_every_why_link_of_the_dashboard(personas):
    """bob is not in the Tier Points beta: each figure's link answers 200, and the clients
    behind the points figures lead to their ledger entries."""
    give_clients(personas.acme, 2, prefix="Why")
    bob = personas.client_for("bob")
    dashboard = page(bob, reverse("partners:dashboard"))
    links = {
        html_lib.unescape(href)
        for href in re.findall(
            r'<a href="([^"]+)"[^>]*(?:data-figure="[^"]+"|data-report-link)', dashboard
        )
    }
    entries_seen = 0
    for link in sorted(links):
        response = bob.get(link)
        assert response.status_code == 200, (link, response.status_code)
        text = response.content.decode()
        for client_page in set(re.findall(r'href="(/partner/(?:tier/)?clients/\d+/)"', text)):
            detail = page(bob, client_page)
            assert "Ledger entries" in detail
            entries = detail.count("data-ledger-entry") + detail.count("data-entry=")
            assert entries > 0, client_page
            entries_seen += entries
    assert entries_seen > 0
    # Total, Sold and Managed each open the breakdown, sorted by that figure
    points_links = {
        f"{reverse('tiers:breakdown')}?sort=-{key}" for key in ("combined", "sold", "managed")
    }
    assert points_links <= links
