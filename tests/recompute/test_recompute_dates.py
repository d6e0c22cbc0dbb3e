"""The recompute runs for today or a past day on or after the program's first rule, nothing else.

Every entry point (the command, the Celery tasks, the admin's "Recompute now" and "Recompute
all", the tier review) refuses a day out of bounds with one clear line or a form error and
writes nothing: no ledger entry, snapshot, standing, review or run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from points.models import DailySnapshot, LedgerEntry, PairBalance
from points.services import AdjustmentError, ledger_adjust
from program.dates import RecomputeDateError, recompute_date_check
from program.models import FxRate
from program.rules import rules_first_day, rules_load
from recompute.management.commands.recompute_points import progress
from recompute.models import RecomputeRun
from recompute.services import points_recompute
from recompute.tasks import (
    points_recompute_chunk_task,
    points_recompute_fanout,
    points_recompute_task,
    recompute_run_task,
)
from tests.conftest import Personas
from tests.factories import AssignmentFactory, ClientFactory, DealFactory, MrrFactory
from tiers.models import TierReview, TierReviewResult, TierStanding

pytestmark = pytest.mark.django_db
FIRST_RULE = date(2020, 1, 1)  # the shipped rule tables all start on it


def today() -> date:
    return timezone.localdate()


Counts = dict[str, int]


def counts() -> Counts:
    """How many rows each table the recompute writes holds."""
    tables: dict[str, Any] = {
        "ledger": LedgerEntry,
        "pair balances": PairBalance,
        "snapshots": DailySnapshot,
        "standings": TierStanding,
        "reviews": TierReview,
        "review results": TierReviewResult,
        "runs": RecomputeRun,
    }
    return {name: model.objects.count() for name, model in tables.items()}


@pytest.fixture
def work(personas: Personas) -> Callable[[], Counts]:
    """A won deal and a managed client: any day the recompute ran would write something.

    Returns ``counts``, read once the data is in place.
    """
    client = ClientFactory()
    MrrFactory(client=client, date=date(2025, 1, 1), mrr=Decimal("1000"))
    AssignmentFactory(partner=personas.acme, client=client, start=date(2025, 1, 1))
    DealFactory(partner=personas.acme, mrr=Decimal("1000"), closed_on=date(2025, 3, 2))
    return counts


def refused(*args: str) -> str:
    """Run ``recompute_points`` with ``args``; the CommandError's message it stops with."""
    with pytest.raises(CommandError) as error:
        call_command("recompute_points", *args)
    return str(error.value)


# --- the first day a rule is in force -----------------------------------------------------------


def test_the_first_rule_day_is_the_latest_start_of_the_tables_the_recompute_needs(db: None):
    assert rules_first_day(rules_load(use_cache=False)) == FIRST_RULE
    FxRate.objects.filter(currency="USD").update(effective_from=date(2021, 6, 1))
    FxRate.objects.exclude(currency="USD").update(effective_from=date(2022, 3, 1))
    assert rules_first_day(rules_load(use_cache=False)) == date(2021, 6, 1)
    FxRate.objects.all().delete()
    assert rules_first_day(rules_load(use_cache=False)) is None


def test_today_and_the_first_rule_day_are_in_range_and_the_days_around_them_are_not(db: None):
    recompute_date_check(today())
    recompute_date_check(FIRST_RULE)
    with pytest.raises(RecomputeDateError, match="after today"):
        recompute_date_check(today() + timedelta(days=1))
    with pytest.raises(RecomputeDateError, match="before 2020-01-01"):
        recompute_date_check(FIRST_RULE - timedelta(days=1))


# --- manage.py recompute_points -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("9999-12-31", "after today"),
        ("0001-01-01", "before 2020-01-01"),
    ],
)
def test_a_date_out_of_range_stops_the_command_with_one_line_and_writes_nothing(
    work: Callable[[], Counts], day: str, reason: str
):
    before = work()
    message = refused("--date", day)
    assert reason in message and day in message
    assert "\n" not in message
    assert counts() == before


def test_tomorrow_is_refused_as_well(work: Callable[[], Counts]):
    before = work()
    assert "after today" in refused("--date", (today() + timedelta(days=1)).isoformat())
    assert counts() == before


def test_a_range_reaching_past_today_is_refused_before_any_day_is_written(
    work: Callable[[], Counts],
):
    before = work()
    start, end = today() - timedelta(days=2), today() + timedelta(days=1)
    message = refused("--from", start.isoformat(), "--to", end.isoformat())
    assert "after today" in message and "\n" not in message
    assert counts() == before


def test_a_range_starting_before_the_first_rule_is_refused_whole(work: Callable[[], Counts]):
    before = work()
    message = refused("--from", "2019-12-30", "--to", "2020-01-02")
    assert "before 2020-01-01" in message
    assert counts() == before


def test_a_range_longer_than_the_limit_is_refused(work: Callable[[], Counts]):
    before = work()
    start = today() - timedelta(days=3660)  # 3,661 days up to today
    message = refused("--from", start.isoformat(), "--to", today().isoformat())
    assert "3,661 days" in message and "at most 3,660 days" in message
    assert counts() == before


@override_settings(RECOMPUTE_MAX_RANGE_DAYS=2)
def test_the_range_limit_is_a_setting(work: Callable[[], Counts], capsys: Any):
    before = work()
    assert "at most 2 days" in refused("--from", "2025-03-01", "--to", "2025-03-03")
    assert counts() == before
    call_command("recompute_points", "--from", "2025-03-02", "--to", "2025-03-03")
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_a_range_prints_its_progress_day_by_day(work: Callable[[], Counts], capsys: Any):
    work()
    call_command("recompute_points", "--from", "2025-03-01", "--to", "2025-03-03")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" (")[0] for line in lines] == ["2025-03-01", "2025-03-02", "2025-03-03"]
    for number, line in enumerate(lines, start=1):
        assert f"(day {number} of 3, " in line
        assert " days/s, about " in line and " left): " in line
    assert "won 1" in lines[1]


def test_one_date_prints_one_line_without_progress(work: Callable[[], Counts], capsys: Any):
    work()
    call_command("recompute_points", "--date", "2025-03-02")
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("2025-03-02: 2 ledger entries appended (won 1") and "day 1" not in line


def test_progress_gives_the_rate_and_the_time_left():
    assert progress(10, 100, 5.0) == "day 10 of 100, 2.0 days/s, about 45s left"
    assert progress(1, 3661, 0.5) == "day 1 of 3,661, 2.0 days/s, about 30m 30s left"
    assert progress(1, 7201, 1.0) == "day 1 of 7,201, 1.0 days/s, about 2h 00m 00s left"
    assert progress(3, 3, 0.0) == "day 3 of 3, 0.0 days/s, about 0s left"


# --- the service and the Celery tasks -----------------------------------------------------------


def test_the_service_itself_refuses_a_future_day(work: Callable[[], Counts]):
    before = work()
    with pytest.raises(RecomputeDateError, match="after today"):
        points_recompute(on=date(9999, 12, 31))
    with pytest.raises(RecomputeDateError, match="before 2020-01-01"):
        points_recompute(on=date(1, 1, 1))
    assert counts() == before


def test_a_task_called_with_a_future_date_fails_and_writes_nothing(work: Callable[[], Counts]):
    before = work()
    tomorrow = (today() + timedelta(days=1)).isoformat()
    with pytest.raises(RecomputeDateError):
        points_recompute_task.delay(on=tomorrow)
    with pytest.raises(RecomputeDateError):
        points_recompute_task.delay(on="9999-12-31")
    with pytest.raises(RecomputeDateError):
        points_recompute_chunk_task.delay("0001-01-01", 1, 10**9)
    with pytest.raises(RecomputeDateError):
        points_recompute_fanout(on=date(9999, 12, 31), chunks=2)
    assert counts() == before


def test_a_queued_run_for_a_future_day_fails_with_the_reason_and_writes_nothing(
    work: Callable[[], Counts],
):
    run = RecomputeRun.objects.create(on=today() + timedelta(days=1))
    before = work()
    with pytest.raises(RecomputeDateError):
        recompute_run_task.delay(run.pk)
    run.refresh_from_db()
    assert run.status == RecomputeRun.Status.FAILED and "after today" in run.error
    assert counts() == before


def test_an_adjustment_cannot_be_dated_before_the_first_rule(personas: Personas):
    client = ClientFactory()
    with pytest.raises(AdjustmentError, match="before 2020-01-01"):
        ledger_adjust(
            partner=personas.acme,
            client=client,
            track="sold",
            points=Decimal("5"),
            effective_on=date(2019, 12, 31),
            reason="Backdated",
        )
    assert not LedgerEntry.objects.exists()


# --- the admin: "Recompute now", "Recompute all" and the tier review ----------------------------


@pytest.fixture
def staff(personas: Personas) -> HttpClient:
    return personas.client_for("staff")


@pytest.fixture
def rules_from_tomorrow(db: None) -> None:
    """The FX table starts tomorrow, so today is before the first day a rule is in force."""
    FxRate.objects.update(effective_from=today() + timedelta(days=1))


def test_recompute_all_before_the_first_rule_is_a_message_and_records_no_run(
    work: Callable[[], Counts],
    rules_from_tomorrow: None,
    staff: HttpClient,
    django_capture_on_commit_callbacks: Any,
):
    before = work()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("admin:partners_partner_recompute_all"), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The recompute was not started" in page and "the first day the program" in page
    assert counts() == before


def test_recompute_now_before_the_first_rule_is_a_message_and_records_no_run(
    personas: Personas,
    work: Callable[[], Counts],
    rules_from_tomorrow: None,
    staff: HttpClient,
    django_capture_on_commit_callbacks: Any,
):
    before = work()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("admin:partners_partner_changelist"),
            {"action": "recompute_now", "_selected_action": [personas.acme.pk]},
        )
    assert response.status_code == 302
    page = staff.get(response["Location"]).content.decode()
    assert "The recompute was not started" in page
    assert counts() == before


@pytest.mark.parametrize("day", ["0001-01-01", "2019-12-31", "9999-12-31"])
def test_a_tier_review_out_of_range_is_a_form_error_not_a_500(
    work: Callable[[], Counts], staff: HttpClient, day: str
):
    before = work()
    for method in (staff.get, staff.post):
        response = method(reverse("admin:tiers_tierreview_run"), {"on": day})
        assert response.status_code == 200
        errors = response.context["form"].errors["on"]
        assert any("pick today or a past date" in e or "first day" in e for e in errors), errors
        assert response.context["preview"] is None
    assert counts() == before


def test_a_tier_review_on_the_first_rule_day_is_previewed(
    work: Callable[[], Counts], staff: HttpClient
):
    response = staff.get(reverse("admin:tiers_tierreview_run"), {"on": FIRST_RULE.isoformat()})
    assert response.status_code == 200
    assert not response.context["form"].errors
    assert response.context["preview"] is not None
