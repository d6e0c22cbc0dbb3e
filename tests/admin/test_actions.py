"""Admin actions: "Recompute now", "Run tier review" (preview, then apply), "Add adjustment"."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partners.models import Partner
from points.models import LedgerEntry
from points.selectors import partner_balance
from program import engine
from program.models import Tier
from recompute.models import RecomputeRun
from recompute.services import points_recompute, recompute_run_execute
from tests.admin.conftest import managed_clients
from tests.conftest import Personas
from tests.factories import ClientFactory, DealFactory, PartnerFactory, UserFactory
from tiers.models import TierReview, TierReviewResult, TierStanding
from tiers.services import tier_review_preview

pytestmark = pytest.mark.django_db


def today() -> date:
    return timezone.localdate()


def won_deal(partner: Partner, mrr: str, closed_on: date) -> None:
    DealFactory(
        partner=partner,
        client=ClientFactory(),
        mrr=Decimal(mrr),
        created_on=closed_on,
        closed_on=closed_on,
    )


# --- Recompute now ------------------------------------------------------------------------------


def test_recompute_now_on_selected_partners_records_the_run(
    personas: Personas, staff: HttpClient, django_capture_on_commit_callbacks: Any
) -> None:
    won_deal(personas.acme, "1000", today() - timedelta(days=3))
    won_deal(personas.globex, "1000", today() - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("admin:partners_partner_changelist"),
            {"action": "recompute_now", "_selected_action": [personas.acme.pk]},
        )
    assert response.status_code == 302
    run = RecomputeRun.objects.get()
    assert run.status == RecomputeRun.Status.FINISHED
    assert run.partner_ids == [personas.acme.pk]
    assert run.requested_by is not None and run.requested_by.email == "staff@vendor.example"
    assert run.started_at is not None and run.finished_at is not None
    assert run.summary["deals_won"] == 1 and run.summary["partners"] == 1
    assert LedgerEntry.objects.filter(partner=personas.acme).count() == 1
    assert not LedgerEntry.objects.filter(partner=personas.globex).exists()
    page = staff.get(reverse("admin:recompute_recomputerun_change", args=[run.pk])).content.decode()
    assert "Sold gains appended (deals won)" in page


def test_recompute_all_asks_first_then_runs_every_partner(
    personas: Personas, staff: HttpClient, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("admin:partners_partner_recompute_all")
    page = staff.get(url)
    assert page.status_code == 200
    assert "all 2 partners" in page.content.decode()
    assert not RecomputeRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(url).status_code == 302
    run = RecomputeRun.objects.get()
    assert run.partner_ids is None
    assert run.status == RecomputeRun.Status.FINISHED
    assert TierStanding.objects.filter(date=run.on).count() == 2
    listing = staff.get(reverse("admin:recompute_recomputerun_changelist"))
    assert listing.status_code == 200
    assert "All" in listing.content.decode()


def test_a_failed_run_is_recorded_with_its_error(personas: Personas) -> None:
    client = ClientFactory(currency="XYZ")
    DealFactory(partner=personas.acme, client=client, closed_on=today())
    run = RecomputeRun.objects.create(on=today(), partner_ids=[personas.acme.pk])
    with pytest.raises(engine.RuleError):
        recompute_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RecomputeRun.Status.FAILED
    assert "XYZ" in run.error


def test_a_finished_run_is_not_run_again(personas: Personas) -> None:
    run = RecomputeRun.objects.create(
        on=today(), status=RecomputeRun.Status.FINISHED, summary={"entries_appended": 0}
    )
    won_deal(personas.acme, "1000", today())
    assert recompute_run_execute(run_id=run.pk) == {"entries_appended": 0}
    assert not LedgerEntry.objects.exists()


def test_partner_users_cannot_recompute(personas: Personas, partner_user: HttpClient) -> None:
    response = partner_user.post(reverse("admin:partners_partner_recompute_all"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not RecomputeRun.objects.exists()


# --- Run tier review ----------------------------------------------------------------------------


@pytest.fixture
def review_setup(personas: Personas) -> dict[str, Any]:
    """Acme earns Gold, Globex was credited Gold at an earlier review and has dropped, and an
    uncertified partner with points stays Untiered."""
    day = today() - timedelta(days=10)
    tiers = {t.key: t for t in Tier.objects.all()}
    earlier = TierReview.objects.create(date=day - timedelta(days=60))
    TierReviewResult.objects.create(
        review=earlier,
        partner=personas.globex,
        tier=tiers["gold"],
        previous_tier=tiers["untiered"],
        sold=Decimal("600"),
        managed=Decimal("0"),
    )
    won_deal(personas.acme, "10000", day - timedelta(days=5))  # 500 sold points
    managed_clients(personas.acme, 2, start=day - timedelta(days=5), prefix="acme", mrr=5000)
    uncertified = PartnerFactory(name="Uncertified Ltd", certified_until=None)
    won_deal(uncertified, "20000", day - timedelta(days=5))
    points_recompute(on=day)
    return {"day": day, "tiers": tiers, "uncertified": uncertified}


def test_review_preview_lists_only_the_partners_that_change(
    personas: Personas, staff: HttpClient, review_setup: dict[str, Any]
) -> None:
    day = review_setup["day"]
    response = staff.get(reverse("admin:tiers_tierreview_run"), {"on": day.isoformat()})
    assert response.status_code == 200
    preview = response.context["preview"]
    changes = {(c.partner_name, c.from_tier, c.to_tier) for c in preview.changes}
    assert changes == {
        ("Acme Growth Agency", "Untiered", "Gold"),
        ("Globex Digital", "Gold", "Untiered"),
    }
    page = response.content.decode()
    assert "Acme Growth Agency" in page and "Uncertified Ltd" not in page
    assert "600.00" in page  # Acme's total: 500 sold + 100 managed
    assert not TierReview.objects.filter(date=day).exists()


def test_review_preview_matches_what_applying_records(
    personas: Personas, staff: HttpClient, review_setup: dict[str, Any]
) -> None:
    day = review_setup["day"]
    preview = tier_review_preview(on=day)
    expected = {(c.partner_id, c.from_tier, c.to_tier, c.sold, c.managed) for c in preview.changes}
    response = staff.post(reverse("admin:tiers_tierreview_run"), {"on": day.isoformat()})
    assert response.status_code == 302
    review = TierReview.objects.get(date=day)
    assert review.run_by is not None and review.run_by.email == "staff@vendor.example"
    results = review.results.select_related("tier", "previous_tier")
    assert results.count() == Partner.objects.count()
    applied = {
        (r.partner_id, r.previous_tier.name, r.tier.name, r.sold, r.managed)
        for r in results
        if r.tier_id != r.previous_tier_id
    }
    assert applied == expected
    standing = TierStanding.objects.get(partner=personas.acme, date=day)
    assert standing.credited_tier.key == "gold"
    assert TierStanding.objects.get(partner=personas.acme, date=today()).credited_tier.key == "gold"
    again = tier_review_preview(on=day)
    assert again.changes == [] and again.already_reviewed == Partner.objects.count()


@pytest.mark.parametrize(
    ("value", "message"),
    [("2026-13-45", "Enter a valid date"), ("not-a-date", "Enter a valid date"), ("", "required")],
)
def test_review_with_a_bad_date_is_a_form_error(
    staff: HttpClient, personas: Personas, value: str, message: str
) -> None:
    for method in (staff.get, staff.post):
        response = method(reverse("admin:tiers_tierreview_run"), {"on": value})
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not TierReview.objects.exists()


def test_review_of_a_future_date_is_refused(staff: HttpClient, personas: Personas) -> None:
    future = (today() + timedelta(days=1)).isoformat()
    response = staff.post(reverse("admin:tiers_tierreview_run"), {"on": future})
    assert response.status_code == 200
    assert "pick today or a past date" in response.content.decode()
    assert not TierReview.objects.exists()


def test_partner_users_cannot_run_a_review(personas: Personas, partner_user: HttpClient) -> None:
    response = partner_user.post(reverse("admin:tiers_tierreview_run"), {"on": "2026-01-15"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not TierReview.objects.exists()


def test_review_preview_queries_do_not_grow_with_clients(
    personas: Personas, staff: HttpClient
) -> None:
    day = today() - timedelta(days=1)
    url = reverse("admin:tiers_tierreview_run")
    managed_clients(personas.acme, 5, start=day, prefix="few")
    points_recompute(on=day)
    staff.get(url, {"on": day.isoformat()})
    with CaptureQueriesContext(connection) as few:
        staff.get(url, {"on": day.isoformat()})
    managed_clients(personas.acme, 495, start=day, prefix="many")
    points_recompute(on=day)
    with CaptureQueriesContext(connection) as many:
        response = staff.get(url, {"on": day.isoformat()})
    assert response.status_code == 200
    assert len(many) == len(few)


# --- Add adjustment -----------------------------------------------------------------------------


def adjustment(personas: Personas, client_pk: int, **overrides: Any) -> dict[str, Any]:
    return {
        "partner": personas.acme.pk,
        "client": client_pk,
        "track": "sold",
        "points": "-12.5",
        "effective_on": today().isoformat(),
        "reason": "Deal booked twice in January",
        **overrides,
    }


def test_adjustment_form_appends_an_entry_and_never_edits(
    personas: Personas, staff: HttpClient
) -> None:
    client = ClientFactory()
    won_deal(personas.acme, "1000", today() - timedelta(days=3))
    points_recompute(on=today())
    before = list(LedgerEntry.objects.values_list("pk", "points", "kind", "idempotency_key"))
    url = reverse("admin:points_ledgerentry_adjust")
    assert staff.get(url).status_code == 200
    for _ in range(2):
        response = staff.post(url, adjustment(personas, client.pk))
        assert response.status_code == 302
    adjustments = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ADJUSTMENT)
    assert adjustments.count() == 2
    entry = adjustments.first()
    assert entry is not None
    assert (entry.points, entry.track, entry.reason) == (
        Decimal("-12.5"),
        "sold",
        "Deal booked twice in January",
    )
    assert entry.idempotency_key.startswith("adjustment:")
    assert len({a.idempotency_key for a in adjustments}) == 2
    for pk, points, kind, key in before:
        assert LedgerEntry.objects.filter(
            pk=pk, points=points, kind=kind, idempotency_key=key
        ).exists()
    assert LogEntry.objects.filter(object_id=str(entry.pk)).exists()
    sold, _managed = partner_balance(partner=personas.acme, on=today())
    points_recompute(on=today())
    assert partner_balance(partner=personas.acme, on=today())[0] == sold
    assert sold == Decimal("50") - Decimal("25")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reason": "   "}, "reason"),
        ({"reason": ""}, "This field is required"),
        ({"points": "0"}, "non-zero"),
        ({"points": "lots"}, "Enter a number"),
        ({"track": "managed"}, "correct the MRR record"),
        ({"track": "bogus"}, "Select a valid choice"),
        ({"effective_on": "2999-01-01"}, "future"),
        ({"effective_on": "15/01/2026"}, "Enter a valid date"),
        ({"partner": "999999"}, "Select a valid choice"),
    ],
)
def test_a_bad_adjustment_is_a_form_error_and_writes_nothing(
    personas: Personas, staff: HttpClient, overrides: dict[str, str], message: str
) -> None:
    client = ClientFactory()
    response = staff.post(
        reverse("admin:points_ledgerentry_adjust"), adjustment(personas, client.pk, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_partner_users_cannot_adjust(personas: Personas, partner_user: HttpClient) -> None:
    client = ClientFactory()
    url = reverse("admin:points_ledgerentry_adjust")
    response = partner_user.post(url, adjustment(personas, client.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not LedgerEntry.objects.exists()


def test_staff_without_the_add_permission_cannot_adjust(personas: Personas) -> None:
    user = UserFactory(email="viewer@vendor.example", is_staff=True)
    http = HttpClient()
    http.force_login(user)
    assert http.get(reverse("admin:points_ledgerentry_adjust")).status_code == 403


def test_ledger_list_offers_the_adjustment_form(staff: HttpClient, personas: Personas) -> None:
    page = staff.get(reverse("admin:points_ledgerentry_changelist")).content.decode()
    assert reverse("admin:points_ledgerentry_adjust") in page
