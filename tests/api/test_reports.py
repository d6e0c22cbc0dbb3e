"""Saved reports: create, read, rename, delete, run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clients.models import SavedReport
from tests.reports.scenario import END, START, scenario  # noqa: F401

from .conftest import body

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_save_a_report_and_run_it_for_its_stored_range(api_for, scenario):  # noqa: F811
    alice = api_for("alice")
    response = alice.post(
        f"{API}/reports/",
        {"name": "Spring sold", "kind": "new_sold", "start": str(START), "end": str(END)},
        format="json",
    )
    assert response.status_code == 201
    report = body(response)
    assert (report["kind"], report["start"], report["end"]) == (
        "new_sold",
        "2025-03-01",
        "2025-04-30",
    )
    assert report["created_by"] == "alice@acme.test"
    rows = body(alice.get(f"{API}/reports/{report['id']}/run/"))["results"]
    page = body(alice.get(f"{API}/points/changes/new_sold/?start={START}&end={END}"))["results"]
    assert rows == page
    assert [r["points"] for r in rows] == ["50.00", "30.00", "5.00"]


def test_a_deal_report_counts_deals(api_for, scenario):  # noqa: F811
    alice = api_for("alice")
    report = body(
        alice.post(
            f"{API}/reports/",
            {"name": "Created", "kind": "deals_created", "start": str(START), "end": str(END)},
            format="json",
        )
    )
    rows = body(alice.get(f"{API}/reports/{report['id']}/run/"))["results"]
    assert sum(r["deals"] for r in rows) == 3
    assert {r["points"] for r in rows} == {None}


def test_a_preset_range_is_stored_as_days(api_for, personas):
    alice = api_for("alice")
    report = body(
        alice.post(
            f"{API}/reports/",
            {"name": "Recent", "kind": "lost_sold", "range": "last_30_days"},
            format="json",
        )
    )
    today = timezone.localdate()
    assert report["range_preset"] == "last_30_days"
    assert report["start"] == (today - timedelta(days=29)).isoformat()
    assert report["end"] == today.isoformat()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "new_sold", "range": "last_30_days"}, "name"),
        ({"name": "x", "kind": "everything", "range": "last_30_days"}, "kind"),
        (
            {"name": "x", "kind": "new_sold", "start": "2025-05-01", "end": "2025-04-01"},
            "non_field_errors",
        ),
        ({"name": "x", "kind": "new_sold", "start": "May"}, "start"),
    ],
)
def test_bad_reports_are_400s_per_field(api_for, personas, payload, field):
    response = api_for("alice").post(f"{API}/reports/", payload, format="json")
    assert response.status_code == 400
    assert field in body(response)
    assert not SavedReport.objects.exists()


def test_rename_list_and_delete(api_for, personas):
    alice = api_for("alice")
    made = [
        body(alice.post(f"{API}/reports/", {"name": n, "kind": "new_sold"}, format="json"))
        for n in ("Beta", "Alpha")
    ]
    assert [r["name"] for r in body(alice.get(f"{API}/reports/"))["results"]] == ["Alpha", "Beta"]
    renamed = alice.patch(f"{API}/reports/{made[0]['id']}/", {"name": "Gamma"}, format="json")
    assert body(renamed)["name"] == "Gamma"
    assert body(alice.get(f"{API}/reports/{made[0]['id']}/"))["name"] == "Gamma"
    assert alice.delete(f"{API}/reports/{made[1]['id']}/").status_code == 204
    assert alice.get(f"{API}/reports/{made[1]['id']}/run/").status_code == 404
    assert [r["name"] for r in body(alice.get(f"{API}/reports/"))["results"]] == ["Gamma"]
