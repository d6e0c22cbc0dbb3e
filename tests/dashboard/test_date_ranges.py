"""Date ranges outside the program's days say so instead of showing silent zeros.

The program's days run from the first day its rules are in force (2020-01-01 with the shipped
rule tables) to today. A range entirely outside them answers with a message (the dashboard's
D3 and D4 sections, the dialog behind a figure, its exports, a saved report) or a 400 with a
field message (the API); a range partly outside is clamped to them, with a notice.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import SavedReport
from partners.services import api_token_create
from points.models import LedgerEntry
from program.models import FxRate
from program.rules import rules_cache_clear
from tests.conftest import Personas
from tests.reports.scenario import END, START, scenario  # noqa: F401

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
API = "/api/v1"
SECTIONS = [
    ("d3", "partners:dashboard-point-changes", "new_sold"),
    ("d4", "partners:dashboard-shared-selling", "deals_created"),
]


def day(offset: int) -> str:
    """Today plus ``offset`` days, as YYYY-MM-DD."""
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


# (start, end, what the message says): entirely after today, entirely before the first day
OUTSIDE = [
    pytest.param(day(10), day(40), "starts after today", id="future"),
    pytest.param("2019-01-01", "2019-12-31", "ends before Jan 1, 2020", id="before-first-day"),
    pytest.param("0001-01-01", "0001-01-31", "ends before Jan 1, 2020", id="year-one"),
]


@pytest.fixture
def alice(personas: Personas) -> HttpClient:
    return personas.client_for("alice")


@pytest.fixture
def api(personas: Personas) -> APIClient:
    http = APIClient()
    _, key = api_token_create(user=personas.alice.user, name="tests")
    http.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return http


@pytest.fixture
def world(scenario: Any) -> Any:  # noqa: F811
    """The hand-computed scenario of tests/reports/scenario.py: Acme's ledger and deals."""
    return scenario


@pytest.fixture
def first_day_2023(world: Any) -> None:
    """The FX table starts on 2023-01-01 (after the scenario is computed), and so do the
    program's days: a range can then start before them and still span under 5 years."""
    FxRate.objects.update(effective_from=date(2023, 1, 1))
    rules_cache_clear()


def figures_of(html: str) -> str:
    """The ``<dl class="figures">`` of a section, as rendered."""
    found = re.search(r'<dl class="figures">.*?</dl>', html, re.S)
    assert found, html
    return found.group(0)


def section(alice: HttpClient, key: str, url_name: str, start: str, end: str) -> str:
    params = {f"{key}-range": "custom", f"{key}-start": start, f"{key}-end": end}
    return alice.get(reverse(url_name), params, **HTMX).content.decode()


# --- the dashboard: D3 and D4 -------------------------------------------------------------------


@pytest.mark.parametrize(("key", "url_name", "kind"), SECTIONS)
@pytest.mark.parametrize(("start", "end", "message"), OUTSIDE)
def test_a_section_range_outside_the_programs_days_says_so_instead_of_zeros(
    alice: HttpClient, world: Any, key: str, url_name: str, kind: str, start: str, end: str,
    message: str,
):  # fmt: skip
    html = section(alice, key, url_name, start, end)
    assert message in html and "data-range-error" in html
    assert f'data-figure="{kind}"' not in html


def test_the_whole_page_shows_the_notice_in_its_section_and_the_other_figures_as_before(
    alice: HttpClient, world: Any
):
    params = {"d3-range": "custom", "d3-start": day(1), "d3-end": day(30)}
    response = alice.get(reverse("partners:dashboard"), params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "starts after today" in html
    assert 'data-figure="new_sold"' not in html
    assert 'data-figure="deals_created"' in html  # D4 keeps its default range


@pytest.mark.parametrize(("key", "url_name", "kind"), SECTIONS)
def test_a_range_partly_before_the_first_day_is_clamped_with_a_notice(
    alice: HttpClient, first_day_2023: None, key: str, url_name: str, kind: str
):
    html = section(alice, key, url_name, "2022-12-01", END.isoformat())
    assert "data-range-notice" in html
    assert "Shown from Jan 1, 2023 to Apr 30, 2025" in html
    assert "the program&#x27;s figures start on Jan 1, 2023" in html
    assert f'name="{key}-start" value="2023-01-01"' in html
    assert "start=2023-01-01" in html  # the dialog behind each figure covers the same days
    clamped = section(alice, key, url_name, "2023-01-01", END.isoformat())
    assert figures_of(html) == figures_of(clamped)
    assert "data-range-notice" not in clamped


def test_a_range_partly_after_today_ends_today_and_leaves_out_entries_dated_ahead(
    alice: HttpClient, personas: Personas, world: Any
):
    # An entry dated ahead, as the recompute wrote before it refused future days.
    LedgerEntry.objects.create(
        partner=personas.acme,
        client=world.alpha,
        track="sold",
        kind=LedgerEntry.Kind.ADJUSTMENT,
        points=Decimal("7"),
        effective_on=timezone.localdate() + timedelta(days=3),
        idempotency_key="test:ahead",
        reason="dated ahead",
    )
    url_name = "partners:dashboard-point-changes"
    html = section(alice, "d3", url_name, "2025-03-01", day(10))
    assert "data-range-notice" in html and "there are no figures after today" in html
    assert figures_of(html) == figures_of(section(alice, "d3", url_name, "2025-03-01", day(0)))


def test_a_range_inside_the_programs_days_has_no_notice(alice: HttpClient, world: Any):
    html = section(
        alice, "d3", "partners:dashboard-point-changes", START.isoformat(), END.isoformat()
    )
    assert "data-range-notice" not in html and "data-range-error" not in html
    assert 'data-figure="new_sold"' in html


# --- the dialog behind a figure, its actions and saved reports ----------------------------------


@pytest.mark.parametrize(("start", "end", "message"), OUTSIDE)
def test_the_dialog_for_a_range_outside_says_so(
    alice: HttpClient, world: Any, start: str, end: str, message: str
):
    params = {"kind": "new_sold", "range": "custom", "start": start, "end": end}
    page = alice.get(reverse("partners:dashboard-report"), params)
    assert page.status_code == 400 and message in page.content.decode()
    partial = alice.get(reverse("partners:dashboard-report"), params, **HTMX)
    assert partial.status_code == 200 and message in partial.content.decode()


def test_the_dialog_for_a_range_partly_outside_shows_the_notice(
    alice: HttpClient, first_day_2023: None
):
    params = {"kind": "new_sold", "range": "custom", "start": "2022-06-01", "end": str(END)}
    html = alice.get(reverse("partners:dashboard-report"), params, **HTMX).content.decode()
    assert "data-range-notice" in html and "Shown from Jan 1, 2023" in html


@pytest.mark.parametrize(("start", "end", "message"), OUTSIDE)
def test_exporting_or_saving_a_range_outside_is_refused(
    alice: HttpClient, world: Any, start: str, end: str, message: str
):
    spec = {"kind": "new_sold", "range": "custom", "start": start, "end": end}
    export = alice.post(reverse("lists:report-export"), {**spec, "name": "x", "format": "csv"})
    assert export.status_code == 400 and message in export.content.decode()
    save = alice.post(reverse("lists:report-save"), {**spec, "name": "Nothing"})
    assert save.status_code == 400 and message in save.content.decode()
    assert not SavedReport.objects.exists()


def saved(personas: Personas, start: date, end: date) -> SavedReport:
    return SavedReport.objects.create(
        partner=personas.acme, name="Stored", kind="new_sold", start=start, end=end
    )


def test_a_saved_report_whose_range_is_after_today_says_so_when_run(
    alice: HttpClient, personas: Personas, world: Any
):
    today = timezone.localdate()
    report = saved(personas, today + timedelta(days=5), today + timedelta(days=9))
    response = alice.get(reverse("lists:report-detail", kwargs={"report_id": report.pk}))
    assert response.status_code == 200
    assert "starts after today" in response.content.decode()


def test_a_saved_report_partly_before_the_first_day_runs_over_the_programs_days(
    alice: HttpClient, personas: Personas, first_day_2023: None
):
    report = saved(personas, date(2022, 12, 1), END)
    response = alice.get(reverse("lists:report-detail", kwargs={"report_id": report.pk}))
    html = response.content.decode()
    assert "Shown from Jan 1, 2023 to Apr 30, 2025" in html
    assert response.context["spec"].range.start == date(2023, 1, 1)
    assert response.context["rows"]  # the stored days inside the program still have rows


# --- the API ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        pytest.param(day(10), day(40), "start", id="future"),
        pytest.param("2019-01-01", "2019-12-31", "end", id="before-first-day"),
        pytest.param("0001-01-01", "0001-01-31", "end", id="year-one"),
    ],
)
def test_an_api_range_outside_the_programs_days_is_a_400_with_a_field_message(
    api: APIClient, world: Any, start: str, end: str, field: str
):
    for url in (f"{API}/points/changes/", f"{API}/points/changes/new_sold/"):
        response = api.get(url, {"start": start, "end": end})
        assert response.status_code == 400
        messages = json.loads(response.content)[field]
        assert "after today" in messages[0] or "first day" in messages[0]
    create = api.post(
        f"{API}/reports/",
        {"name": "Nothing", "kind": "new_sold", "start": start, "end": end},
        format="json",
    )
    assert create.status_code == 400 and field in json.loads(create.content)
    assert not SavedReport.objects.exists()


def test_an_api_range_partly_outside_is_clamped_and_says_so(api: APIClient, first_day_2023: None):
    response = api.get(f"{API}/points/changes/", {"start": "2022-12-01", "end": END})
    data = json.loads(response.content)
    assert (data["range"]["start"], data["range"]["end"]) == ("2023-01-01", END.isoformat())
    assert "Jan 1, 2023" in data["range"]["notice"]
    inside = json.loads(api.get(f"{API}/points/changes/", {"start": START, "end": END}).content)
    assert inside["range"]["notice"] == ""


def test_running_a_saved_report_after_today_through_the_api_is_a_400(
    api: APIClient, personas: Personas, world: Any
):
    today = timezone.localdate()
    report = saved(personas, today + timedelta(days=5), today + timedelta(days=9))
    response = api.get(f"{API}/reports/{report.pk}/run/")
    assert response.status_code == 400
    assert "after today" in json.loads(response.content)["range"][0]
