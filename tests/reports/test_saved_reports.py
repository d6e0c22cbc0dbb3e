"""C3, saved reports: run again with the same rows, rename, delete; and isolation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import SavedReport
from recompute.services import points_recompute
from reports.ranges import DateRange
from reports.reports import ReportSpec, report_summary, saved_report_spec
from reports.services import saved_report_create
from tests.factories import DealFactory

from .factories import bulk_clients
from .scenario import END, START

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def report(personas, scenario):
    spec = ReportSpec("new_sold", DateRange(START, END))
    return saved_report_create(
        partner=personas.acme, user=personas.alice.user, name="Spring", spec=spec
    )


def detail(report):
    return reverse("lists:report-detail", args=[report.pk])


def test_running_a_saved_report_again_shows_the_same_rows(personas, scenario, report):
    alice = personas.client_for("alice")
    first = alice.get(detail(report))
    rows = [(r.client_name, r.value) for r in first.context["rows"]]
    assert rows == [
        ("Alpha Corp", Decimal("50")),
        ("Bravo Ltda", Decimal("30")),
        ("Charlie Inc", Decimal("5")),
    ]
    assert first.context["total"] == Decimal("85")
    html = first.content.decode()
    assert 'data-figure="report-total">85.00<' in html
    # later activity outside the stored range does not move a saved report
    DealFactory(
        partner=personas.acme,
        client=scenario.delta,
        created_on=END + timedelta(days=1),
        closed_on=END + timedelta(days=2),
    )
    points_recompute(on=END + timedelta(days=2))
    again = alice.get(detail(report))
    assert [(r.client_name, r.value) for r in again.context["rows"]] == rows
    assert rows == [
        (r.client_name, r.value)
        for r in report_summary(partner=personas.acme, spec=saved_report_spec(report))
    ]


def test_a_saved_deal_report_counts_deals(personas, scenario):
    report = saved_report_create(
        partner=personas.acme,
        user=None,
        name="Created",
        spec=ReportSpec("deals_created", DateRange(START, END)),
    )
    response = personas.client_for("bob").get(detail(report))
    assert response.context["count"] == 3
    assert 'data-figure="report-total">3<' in response.content.decode()


def test_the_saved_report_page_offers_the_actions_for_its_stored_range(personas, report):
    html = personas.client_for("alice").get(detail(report)).content.decode()
    assert 'name="start" value="2025-03-01"' in html
    assert 'name="end" value="2025-04-30"' in html
    assert 'name="range" value="custom"' in html


def test_reports_page_lists_the_partners_reports(personas, report):
    html = personas.client_for("bob").get(reverse("lists:reports")).content.decode()
    assert "Spring" in html and "New sold points" in html and "Mar 1, 2025" in html


def test_rename_and_delete_a_report(personas, report):
    alice = personas.client_for("alice")
    response = alice.post(
        reverse("lists:report-rename", args=[report.pk]), {"name": "Summer"}, headers=HTMX
    )
    assert "Summer" in response.content.decode()
    report.refresh_from_db()
    assert report.name == "Summer"
    response = alice.post(reverse("lists:report-rename", args=[report.pk]), {"name": "  "})
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.name == "Summer"
    response = alice.post(reverse("lists:report-delete", args=[report.pk]))
    assert response.url == reverse("lists:reports")
    assert not SavedReport.objects.exists()


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [
        ("get", "lists:report-detail", {}),
        ("post", "lists:report-rename", {"name": "Mine"}),
        ("post", "lists:report-delete", {}),
    ],
)
def test_carol_gets_404_for_acmes_reports(personas, report, method, name, data):
    carol = personas.client_for("carol")
    assert getattr(carol, method)(reverse(name, args=[report.pk]), data).status_code == 404
    report.refresh_from_db()
    assert report.name == "Spring"


def test_carol_sees_none_of_acmes_reports_or_rows(personas, scenario, report):
    carol = personas.client_for("carol")
    assert "Spring" not in carol.get(reverse("lists:reports")).content.decode()
    own = saved_report_create(
        partner=personas.globex, user=None, name="Carol's", spec=saved_report_spec(report)
    )
    html = carol.get(detail(own)).content.decode()
    assert "Alpha Corp" in html  # Globex's own deal with Alpha: 35 points
    assert "Bravo" not in html and "Charlie" not in html and "Acme" not in html
    assert 'data-figure="report-total">35.00<' in html


def test_bad_report_ids_are_404(personas, report):
    alice = personas.client_for("alice")
    assert alice.get("/partner/reports/0/").status_code == 404
    assert alice.get("/partner/reports/123456789/").status_code == 404
    assert alice.post("/partner/reports/123456789/rename/", {"name": "x"}).status_code == 404


@pytest.mark.parametrize("page", ["lists:reports", "lists:report-detail"])
def test_report_pages_query_count_is_the_same_at_5_and_500_clients(personas, page):
    today = timezone.localdate()
    alice = personas.client_for("alice")
    bulk_clients(partner=personas.acme, count=5, on=today - timedelta(days=3))
    report = saved_report_create(
        partner=personas.acme,
        user=personas.alice.user,
        name="Managed",
        spec=ReportSpec("new_managed", DateRange(today - timedelta(days=10), today)),
    )
    url = reverse(page, args=[report.pk] if page == "lists:report-detail" else [])

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = alice.get(url)
            assert response.status_code == 200
        return len(queries), response

    small, _ = count()
    bulk_clients(partner=personas.acme, count=495, on=today - timedelta(days=3), prefix="More")
    large, response = count()
    assert large == small
    assert small <= 12
    if page == "lists:report-detail":
        assert len(response.context["rows"]) == 500
        assert response.context["total"] == Decimal("5000")
