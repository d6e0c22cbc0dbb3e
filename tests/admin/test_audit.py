"""The audit trail of program administration: rule rows, publishing, tier reviews, payments and
memberships each leave one entry per record, by the staff member who acted, also when the work
runs in a Celery task."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from commissions.models import CommissionPayment
from partners.models import Membership
from program.models import FxRate, PointRate, ReviewDate, RuleStatus
from recompute.models import RecomputeRun
from recompute.rules import rules_publish
from recompute.services import points_recompute
from recompute.tasks import recompute_run_task
from tests.admin.registry import admin_url
from tests.audit import changes, only_entry, recorded
from tests.conftest import Personas
from tiers.models import TierReview

pytestmark = pytest.mark.django_db


def staff_member() -> Any:
    return get_user_model().objects.get(email="staff@vendor.example")


def draft_rate(rate: str, deal_type: str = "sourced") -> PointRate:
    return PointRate.objects.create(
        track="sold",
        deal_type=deal_type,
        rate=Decimal(rate),
        effective_from=timezone.localdate() + timedelta(days=30),
        status=RuleStatus.DRAFT,
    )


# --- rule rows and publishing ---------------------------------------------------------------


def test_editing_a_rule_row_in_admin_is_recorded(staff: HttpClient) -> None:
    rate = FxRate.objects.order_by("pk").first()
    assert rate is not None
    before = str(rate.per_100_usd)
    form = {
        "currency": rate.currency,
        "per_100_usd": "123.5",
        "effective_from": rate.effective_from.isoformat(),
        "status": rate.status,
    }
    with recorded() as written:
        assert staff.post(admin_url(FxRate, "change", rate.pk), form).status_code == 302
    entry = only_entry(written, rate)
    assert len(written) == 1
    assert entry.action == LogEntry.Action.UPDATE and entry.actor == staff_member()
    assert changes(entry) == {"per_100_usd": [before, "123.5"]}


def test_a_rule_row_added_in_admin_is_recorded_as_a_draft(staff: HttpClient) -> None:
    form = {
        "track": "sold",
        "deal_type": "assisted",
        "rate": "7",
        "effective_from": "2031-01-01",
        "status": "draft",
    }
    with recorded() as written:
        assert staff.post(admin_url(PointRate, "add"), form).status_code == 302
    row = PointRate.objects.get(effective_from=date(2031, 1, 1))
    entry = only_entry(written, row)
    assert len(written) == 1
    assert entry.action == LogEntry.Action.CREATE and entry.actor == staff_member()
    assert changes(entry)["status"] == ["None", "draft"]


def test_publishing_records_who_published_each_draft(staff: HttpClient) -> None:
    drafts = [draft_rate("8"), draft_rate("9", deal_type="assisted")]
    with recorded() as written:
        response = staff.post(reverse("admin:program_rule_publish"))
    assert response.status_code == 302
    assert len(written) == 2
    for row in drafts:
        entry = only_entry(written, row)
        assert entry.action == LogEntry.Action.UPDATE and entry.actor == staff_member()
        assert changes(entry) == {"status": ["draft", "published"]}


def test_publishing_outside_a_request_records_the_user_it_is_told(personas: Personas) -> None:
    """As a Celery task or a command would publish: nobody is signed in."""
    personas.client_for("staff")
    row = draft_rate("8")
    with recorded() as written:
        assert rules_publish(by=staff_member()) == 1
    entry = only_entry(written, row)
    assert entry.actor == staff_member()
    assert len(written) == 1


def test_refused_publishing_records_nothing(personas: Personas, partner_user: HttpClient) -> None:
    draft_rate("8")
    with recorded() as written:
        response = partner_user.post(reverse("admin:program_rule_publish"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert written == []


# --- tier reviews ---------------------------------------------------------------------------


def test_running_a_review_in_admin_records_it_as_the_staff_members(
    personas: Personas, staff: HttpClient
) -> None:
    day = timezone.localdate() - timedelta(days=10)
    points_recompute(on=day)
    with recorded() as written:
        response = staff.post(reverse("admin:tiers_tierreview_run"), {"on": day.isoformat()})
    assert response.status_code == 302
    review = TierReview.objects.get(date=day)
    entry = only_entry(written, review)
    assert len(written) == 1  # the results and standings it wrote are the review's own record
    assert entry.action == LogEntry.Action.CREATE and entry.actor == staff_member()
    assert changes(entry)["run_by"] == ["None", str(staff_member().pk)]


def test_completing_a_review_the_nightly_job_opened_records_who_completed_it(
    personas: Personas, staff: HttpClient
) -> None:
    day = timezone.localdate() - timedelta(days=10)
    points_recompute(on=day)
    review = TierReview.objects.create(date=day)  # opened by the job: no results, nobody
    with recorded() as written:
        response = staff.post(reverse("admin:tiers_tierreview_run"), {"on": day.isoformat()})
    assert response.status_code == 302
    entry = only_entry(written, review)
    assert len(written) == 1
    assert entry.actor == staff_member()
    assert changes(entry) == {"run_by": ["None", str(staff_member().pk)]}


def test_a_review_opened_by_a_recompute_run_is_recorded_as_the_requesters(
    personas: Personas,
) -> None:
    """The worker has no signed-in user: the run passes on who asked for it."""
    today = timezone.localdate()
    ReviewDate.objects.create(month=today.month, day=today.day, effective_from=today)
    personas.client_for("staff")
    run = RecomputeRun.objects.create(on=today, requested_by=staff_member())
    with recorded() as written:
        recompute_run_task.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == RecomputeRun.Status.FINISHED
    entry = only_entry(written, TierReview.objects.get(date=today))
    assert len(written) == 1
    assert entry.action == LogEntry.Action.CREATE and entry.actor == staff_member()


# --- payments and memberships ---------------------------------------------------------------


def test_marking_payments_paid_records_one_entry_each(
    staff: HttpClient, rows: dict[str, Any]
) -> None:
    payment: CommissionPayment = rows["payment"]
    with recorded() as written:
        response = staff.post(
            admin_url(CommissionPayment, "changelist"),
            {"action": "mark_paid_today", "_selected_action": [payment.pk]},
        )
    assert response.status_code == 302
    entry = only_entry(written, payment)
    assert len(written) == 1
    assert entry.action == LogEntry.Action.UPDATE and entry.actor == staff_member()
    assert changes(entry) == {
        "status": ["scheduled", "paid"],
        "paid_on": ["None", timezone.localdate().isoformat()],
    }
    with recorded() as written:  # already paid: nothing to do, nothing recorded
        staff.post(
            admin_url(CommissionPayment, "changelist"),
            {"action": "mark_paid_today", "_selected_action": [payment.pk]},
        )
    assert written == []


def test_a_payment_marked_paid_on_its_page_is_recorded(
    staff: HttpClient, rows: dict[str, Any]
) -> None:
    payment: CommissionPayment = rows["payment"]
    form = {
        "scheduled_on": payment.scheduled_on.isoformat(),
        "status": "paid",
        "paid_on": "2026-05-15",
        "reference": "WIRE-42",
    }
    with recorded() as written:
        assert (
            staff.post(admin_url(CommissionPayment, "change", payment.pk), form).status_code == 302
        )
    entry = only_entry(written, payment)
    assert len(written) == 1 and entry.actor == staff_member()
    assert changes(entry) == {
        "status": ["scheduled", "paid"],
        "paid_on": ["None", "2026-05-15"],
        "reference": ["", "WIRE-42"],
    }


def test_a_role_changed_in_admin_is_recorded(staff: HttpClient, rows: dict[str, Any]) -> None:
    membership: Membership = rows["membership"]
    form = {
        "user": membership.user_id,
        "partner": membership.partner_id,
        "role": Membership.Role.USER,
    }
    with recorded() as written:
        assert staff.post(admin_url(Membership, "change", membership.pk), form).status_code == 302
    entry = only_entry(written, membership)
    assert len(written) == 1 and entry.actor == staff_member()
    assert changes(entry) == {"role": ["super_admin", "user"]}
