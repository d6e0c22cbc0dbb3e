"""reports.reports against the hand-computed scenario of tests/reports/scenario.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reports.ranges import DateRange, ReportError
from reports.reports import (
    DEAL_KINDS,
    POINT_KINDS,
    REPORT_KINDS,
    ReportSpec,
    report_client_ids,
    report_columns,
    report_rows,
    report_summary,
    report_totals,
)

from .scenario import END, START

pytestmark = pytest.mark.django_db
RANGE = DateRange(START, END)
TODAY = date(2025, 5, 14)


def spec(kind, start=START, end=END):
    return ReportSpec(kind, DateRange(start, end))


def test_totals_match_the_hand_computed_figures(personas, scenario):
    assert report_totals(partner=personas.acme, range=RANGE) == {
        "new_sold": Decimal("85"),  # 50 (Alpha) + 30 (Bravo) + 5 (Charlie)
        "lost_sold": Decimal("50"),  # 30 (Bravo reversed) + 20 (Delta expired)
        "new_managed": Decimal("20"),  # Charlie: 2000/100 × 1
        "lost_managed": Decimal("10"),  # Charlie: MRR 2000 → 1000
        "deals_created": 3,  # E1, E2, E5
        "deals_in_flight": 1,  # E1 (E2 is assisted)
        "deals_closed_won": 1,  # E3
    }


def test_a_narrower_range_counts_only_its_own_days(personas, scenario):
    march = DateRange(START, date(2025, 3, 31))
    totals = report_totals(partner=personas.acme, range=march)
    assert totals["new_sold"] == Decimal("85")
    assert totals["lost_sold"] == Decimal("0")
    assert totals["lost_managed"] == Decimal("0")
    april = report_totals(partner=personas.acme, range=DateRange(date(2025, 4, 1), END))
    assert april["new_sold"] == Decimal("0") and april["lost_sold"] == Decimal("50")
    assert april["deals_created"] == 0


@pytest.mark.parametrize("kind", list(REPORT_KINDS))
def test_summary_rows_add_up_to_the_total(personas, scenario, kind):
    totals = report_totals(partner=personas.acme, range=RANGE)
    rows = report_summary(partner=personas.acme, spec=spec(kind))
    assert sum((row.value for row in rows), Decimal(0)) == totals[kind]
    assert report_client_ids(partner=personas.acme, spec=spec(kind)) == sorted(
        row.client_id for row in rows
    )


def test_new_sold_summary_has_one_row_per_client_largest_first(personas, scenario):
    rows = report_summary(partner=personas.acme, spec=spec("new_sold"))
    assert [(r.client_name, r.value, r.entries) for r in rows] == [
        ("Alpha Corp", Decimal("50"), 1),
        ("Bravo Ltda", Decimal("30"), 1),
        ("Charlie Inc", Decimal("5"), 1),
    ]


def test_lost_summaries_are_positive_amounts(personas, scenario):
    lost_sold = report_summary(partner=personas.acme, spec=spec("lost_sold"))
    assert [(r.client_name, r.value) for r in lost_sold] == [
        ("Bravo Ltda", Decimal("30")),
        ("Delta LLC", Decimal("20")),
    ]
    lost_managed = report_summary(partner=personas.acme, spec=spec("lost_managed"))
    assert [(r.client_name, r.value) for r in lost_managed] == [("Charlie Inc", Decimal("10"))]


def test_deal_summaries_count_deals_per_client(personas, scenario):
    created = report_summary(partner=personas.acme, spec=spec("deals_created"))
    assert [(r.client_name, r.value) for r in created] == [("Bravo Ltda", 2), ("Alpha Corp", 1)]
    in_flight = report_summary(partner=personas.acme, spec=spec("deals_in_flight"))
    assert [(r.client_id, r.value) for r in in_flight] == [(scenario.alpha.pk, 1)]
    won = report_summary(partner=personas.acme, spec=spec("deals_closed_won"))
    assert [(r.client_id, r.value) for r in won] == [(scenario.charlie.pk, 1)]


def test_point_rows_are_one_per_ledger_entry_with_signed_points(personas, scenario):
    header = report_columns("lost_sold")
    rows = [
        dict(zip(header, row, strict=True))
        for row in report_rows(partner=personas.acme, spec=spec("lost_sold"))
    ]
    assert [(r["Effective date"], r["Client"], r["Kind"], r["Points"]) for r in rows] == [
        (date(2025, 4, 5), "Bravo Ltda", "Deal reversed", Decimal("-30")),
        (date(2025, 4, 15), "Delta LLC", "Sold points expired", Decimal("-20")),
    ]


def test_deal_rows_are_one_per_deal(personas, scenario):
    header = report_columns("deals_created")
    rows = [
        dict(zip(header, row, strict=True))
        for row in report_rows(partner=personas.acme, spec=spec("deals_created"))
    ]
    assert [r["Deal ID"] for r in rows] == [scenario.e1.pk, scenario.e2.pk, scenario.e5.pk]
    assert rows[1]["Deal type"] == "Assisted" and rows[1]["Stage"] == "Created"


def test_globex_sees_only_its_own_rows(personas, scenario):
    globex = personas.globex
    totals = report_totals(partner=globex, range=RANGE)
    # Globex manages Alpha (US, 1000/100 × 1 = 10) and won a 700 sourced deal (700/100 × 5 = 35)
    assert totals["new_managed"] == Decimal("10")
    assert totals["new_sold"] == Decimal("35")
    assert totals["deals_created"] == 1 and totals["deals_closed_won"] == 1
    for kind in REPORT_KINDS:
        names = {r.client_name for r in report_summary(partner=globex, spec=spec(kind))}
        assert names <= {"Alpha Corp"}
        for row in report_rows(partner=globex, spec=spec(kind)):
            assert "Alpha Pro" not in row and "Alpha expansion" not in row
    acme_deals = [r[0] for r in report_rows(partner=personas.acme, spec=spec("deals_created"))]
    assert scenario.globex_deal.pk not in acme_deals


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, (date(2025, 4, 15), TODAY, "last_30_days")),
        ({"range": "last_90_days"}, (date(2025, 2, 14), TODAY, "last_90_days")),
        ({"range": "this_quarter"}, (date(2025, 4, 1), TODAY, "this_quarter")),
        ({"range": "last_12_months"}, (date(2024, 5, 15), TODAY, "last_12_months")),
        (
            {"range": "custom", "start": "2025-01-01", "end": "2025-01-31"},
            (date(2025, 1, 1), date(2025, 1, 31), ""),
        ),
        ({"start": "2025-01-01", "end": "2025-01-01"}, (date(2025, 1, 1), date(2025, 1, 1), "")),
        (
            {"range": "last_90_days", "start": "junk", "end": ""},
            (date(2025, 2, 14), TODAY, "last_90_days"),
        ),
    ],
)
def test_date_ranges_from_query_parameters(params, expected):
    # 30 days ending May 14 start April 15; 90 days start Feb 14 (14 + 31 + 30 + 14 + 1 = 90)
    found = DateRange.from_params(params, today=TODAY)
    assert (found.start, found.end, found.preset) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"range": "yesterday"},
        {"range": "custom", "start": "2025-02-30", "end": "2025-03-01"},
        {"range": "custom", "start": "2025-03-01"},
        {"range": "custom", "start": "not a date", "end": "2025-03-01"},
        {"range": "custom", "start": "2025-03-02", "end": "2025-03-01"},
        {"range": "custom", "start": "2015-01-01", "end": "2025-03-01"},
        {"range": ["custom"], "start": 3, "end": None},
    ],
)
def test_bad_ranges_raise_a_report_error(params):
    with pytest.raises(ReportError):
        DateRange.from_params(params, today=TODAY)


def test_prefixed_parameters_read_their_own_range():
    params = {"d3-range": "custom", "d3-start": "2025-01-01", "d3-end": "2025-01-02"}
    found = DateRange.from_params(params, today=TODAY, prefix="d3-")
    assert (found.start, found.end) == (date(2025, 1, 1), date(2025, 1, 2))


def test_a_spec_round_trips_through_its_parameters():
    original = ReportSpec("lost_managed", DateRange(START, END))
    assert ReportSpec.from_params(original.as_params(), today=TODAY) == original
    preset = ReportSpec.from_params({"kind": "new_sold", "range": "this_quarter"}, today=TODAY)
    assert preset.as_params() == {
        "kind": "new_sold",
        "range": "this_quarter",
        "start": "2025-04-01",
        "end": "2025-05-14",
    }


@pytest.mark.parametrize("kind", ["", "everything", None])
def test_an_unknown_kind_is_a_report_error(kind):
    with pytest.raises(ReportError):
        ReportSpec.from_params({"kind": kind}, today=TODAY)
    with pytest.raises(ReportError):
        report_columns(kind or "")


def test_the_kind_groups_cover_every_kind():
    assert set(POINT_KINDS) | set(DEAL_KINDS) == set(REPORT_KINDS)
