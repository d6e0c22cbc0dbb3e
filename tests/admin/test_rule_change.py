"""Rule-change preview: draft rule rows, the simulation, and publishing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import ManagedAssignment, MrrRecord
from partners.models import Partner
from program.models import FxRate, GrowthMarket, PointRate, RuleStatus, Tier, TierRequirement
from program.rules import rules_from_tables, rules_load
from recompute.rules import rules_publish, rules_simulate
from recompute.services import points_recompute
from tests.admin.conftest import managed_clients
from tests.conftest import Personas
from tests.factories import ClientFactory, DealFactory, PartnerFactory
from tiers.models import TierStanding

pytestmark = pytest.mark.django_db

SIMULATE = "admin:program_rule_change"
PUBLISH = "admin:program_rule_publish"


def today() -> date:
    return timezone.localdate()


def drafts(effective_from: date) -> None:
    """A rule version: Gold needs 300 points (sold and managed minimums 50) and managed points
    earn 2 per US$100."""
    gold = Tier.objects.get(key="gold")
    TierRequirement.objects.create(
        tier=gold,
        effective_from=effective_from,
        total_points=Decimal(300),
        sold_min=Decimal(50),
        managed_min=Decimal(50),
        status=RuleStatus.DRAFT,
    )
    PointRate.objects.create(
        track="managed",
        deal_type="",
        rate=Decimal(2),
        effective_from=effective_from,
        status=RuleStatus.DRAFT,
    )


@pytest.fixture
def program(personas: Personas) -> dict[str, Any]:
    """Four partners around the Gold line, recomputed today under the published rules."""
    start = today() - timedelta(days=20)
    near = PartnerFactory(name="Near Gold")  # 250 sold + 30 managed: Gold only with the drafts
    DealFactory(partner=near, mrr=Decimal(5000), created_on=start, closed_on=start)
    managed_clients(near, 1, start=start, prefix="near", mrr=3000)
    gold = PartnerFactory(name="Solid Gold")  # 500 sold + 120 managed: Gold either way
    DealFactory(partner=gold, mrr=Decimal(10000), created_on=start, closed_on=start)
    managed_clients(gold, 1, start=start, prefix="gold", mrr=12000)
    uncertified = PartnerFactory(name="Not Certified", certified_until=None)
    DealFactory(partner=uncertified, mrr=Decimal(10000), created_on=start, closed_on=start)
    managed_clients(uncertified, 1, start=start, prefix="unc", mrr=12000)
    points_recompute(on=today())
    return {"near": near, "gold": gold, "uncertified": uncertified}


def test_drafts_are_ignored_by_the_program_until_published(personas: Personas) -> None:
    draft = PointRate.objects.create(
        track="sold",
        deal_type="sourced",
        rate=Decimal(9),
        effective_from=today() - timedelta(days=1),
        status=RuleStatus.DRAFT,
    )
    assert rules_load(use_cache=False).sold_rate("sourced", today()) == Decimal(5)
    assert rules_from_tables(include_drafts=True).sold_rate("sourced", today()) == Decimal(9)
    assert rules_load().sold_rate("sourced", today()) == Decimal(5)  # now cached
    assert rules_publish() == 1
    draft.refresh_from_db()
    assert draft.status == RuleStatus.PUBLISHED
    assert rules_load().sold_rate("sourced", today()) == Decimal(9)
    assert rules_load().sold_rate("sourced", today() - timedelta(days=2)) == Decimal(5)


def test_migrated_rule_rows_are_published() -> None:
    for model in (FxRate, GrowthMarket, PointRate, TierRequirement):
        assert model.objects.exists()
        assert not model.objects.exclude(status=RuleStatus.PUBLISHED).exists()


@pytest.mark.parametrize("model", [FxRate, GrowthMarket, PointRate, TierRequirement])
def test_a_rule_row_added_in_admin_starts_as_a_draft(staff: HttpClient, model: type) -> None:
    add = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    form = staff.get(add).context["adminform"].form
    assert form.initial["status"] == RuleStatus.DRAFT
    changelist = staff.get(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    )
    assert reverse(SIMULATE) in changelist.content.decode()


def test_a_requirement_added_on_the_tier_page_starts_as_a_draft(staff: HttpClient) -> None:
    gold = Tier.objects.get(key="gold")
    page = staff.get(reverse("admin:program_tier_change", args=[gold.pk])).content.decode()
    assert '<option value="draft" selected>' in page


def test_simulation_matches_a_recompute_after_publishing(
    staff: HttpClient, program: dict[str, Partner]
) -> None:
    drafts(today() - timedelta(days=1))
    simulation = rules_simulate(on=today())
    by_id = {row.partner_id: row for row in simulation.partners}
    before = {
        s.partner_id: s.performance_tier.key for s in TierStanding.objects.filter(date=today())
    }
    assert {pid: row.tier_published.key for pid, row in by_id.items()} == before
    assert by_id[program["near"].pk].movement == "up"
    assert by_id[program["near"].pk].managed_draft == Decimal(60)
    assert by_id[program["gold"].pk].movement == "same"
    assert by_id[program["uncertified"].pk].tier_draft.key == "untiered"
    assert (simulation.moved_up, simulation.moved_down) == (1, 0)

    response = staff.post(reverse(PUBLISH))
    assert response.status_code == 302
    assert not TierRequirement.objects.filter(status=RuleStatus.DRAFT).exists()
    points_recompute(on=today())
    after = {
        s.partner_id: (s.performance_tier.key, s.managed)
        for s in TierStanding.objects.filter(date=today()).select_related("performance_tier")
    }
    assert after == {pid: (row.tier_draft.key, row.managed_draft) for pid, row in by_id.items()}


def test_a_tier_threshold_draft_can_move_partners_down(program: dict[str, Partner]) -> None:
    gold = Tier.objects.get(key="gold")
    TierRequirement.objects.create(
        tier=gold,
        effective_from=today(),
        total_points=Decimal(5000),
        sold_min=Decimal(100),
        managed_min=Decimal(100),
        status=RuleStatus.DRAFT,
    )
    simulation = rules_simulate(on=today())
    assert (simulation.moved_up, simulation.moved_down) == (0, 1)
    assert simulation.partners[0].name == "Solid Gold"
    assert simulation.partners[0].tier_draft.key == "untiered"


def test_simulation_page_lists_partners_counts_and_explains(
    staff: HttpClient, program: dict[str, Partner]
) -> None:
    drafts(today() - timedelta(days=1))
    response = staff.get(reverse(SIMULATE))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>1</strong> partner would move up" in page
    assert "Near Gold" in page and "Solid Gold" in page
    assert "keep the rate of their close date" in page
    assert "Publish 2 draft rows" in page
    assert "Tier requirements" in page and "Point rates" in page


def test_simulation_defaults_to_the_latest_draft_date(
    staff: HttpClient, program: dict[str, Partner]
) -> None:
    later = today() + timedelta(days=30)
    drafts(later)
    response = staff.get(reverse(SIMULATE))
    assert response.context["on"] == later
    assert response.context["simulation"].moved_up == 1
    response = staff.get(reverse(SIMULATE), {"on": today().isoformat()})
    assert response.context["simulation"].moved_up == 0


@pytest.mark.parametrize("value", ["tomorrow", "2026-02-30", "99999-01-01"])
def test_simulation_with_a_bad_date_is_a_clear_error(staff: HttpClient, value: str) -> None:
    response = staff.get(reverse(SIMULATE), {"on": value})
    assert response.status_code == 200
    assert "Enter the date as YYYY-MM-DD" in response.content.decode()
    assert response.context["simulation"] is None


def test_simulation_reports_rules_that_cannot_be_applied(
    staff: HttpClient, personas: Personas
) -> None:
    client = ClientFactory(currency="XYZ")
    MrrRecord.objects.create(client=client, date=today(), mrr=Decimal(10))
    ManagedAssignment.objects.create(partner=personas.acme, client=client, start=today())
    response = staff.get(reverse(SIMULATE))
    assert response.status_code == 200
    assert "cannot be applied" in response.content.decode()


def test_publish_answers_only_post(staff: HttpClient) -> None:
    drafts(today())
    assert staff.get(reverse(PUBLISH)).status_code == 405
    assert TierRequirement.objects.filter(status=RuleStatus.DRAFT).exists()


def test_publish_without_drafts_says_so(staff: HttpClient) -> None:
    response = staff.post(reverse(PUBLISH), follow=True)
    assert "There were no drafts to publish" in response.content.decode()


@pytest.mark.parametrize("name", ["alice", "carol", "anonymous"])
def test_only_staff_reach_the_rule_change_pages(personas: Personas, name: str) -> None:
    drafts(today())
    http = personas.client_for(name)
    for response in (http.get(reverse(SIMULATE)), http.post(reverse(PUBLISH))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert TierRequirement.objects.filter(status=RuleStatus.DRAFT).count() == 1


def test_simulation_page_queries_do_not_grow_with_clients(
    staff: HttpClient, personas: Personas
) -> None:
    drafts(today() - timedelta(days=1))
    url = reverse(SIMULATE)
    managed_clients(personas.acme, 5, start=today(), prefix="few")
    staff.get(url)
    with CaptureQueriesContext(connection) as few:
        staff.get(url)
    managed_clients(personas.acme, 495, start=today(), prefix="many")
    with CaptureQueriesContext(connection) as many:
        response = staff.get(url)
    assert response.status_code == 200
    assert len(many) == len(few)
