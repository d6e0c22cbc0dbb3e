"""Helpers for the program-administration tests: staff and partner HTTP clients, one row of
every model, many clients."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.utils import timezone

from clients.models import (
    AccountMetrics,
    Client,
    Deal,
    ManagedAssignment,
    MrrRecord,
    Renewal,
    SavedReport,
    StaticList,
    StaticListMember,
)
from commissions.models import CommissionLine, CommissionPayment, MonthEndRate
from partners.models import (
    ApiToken,
    BetaFeature,
    BetaOptIn,
    Invitation,
    Membership,
    Partner,
    PartnerManagerContact,
    UserSession,
)
from points.models import DailySnapshot, LedgerEntry
from program.models import Tier
from recompute.models import RecomputeRun
from tests.admin.registry import DAY
from tests.conftest import Personas
from tiers.models import TierReview, TierReviewResult, TierStanding


@pytest.fixture
def staff(personas: Personas) -> HttpClient:
    return personas.client_for("staff")


@pytest.fixture
def partner_user(personas: Personas) -> HttpClient:
    return personas.client_for("alice")


def managed_clients(
    partner: Partner, count: int, *, start: date, prefix: str = "bulk", mrr: int = 100
) -> None:
    """``count`` clients managed by ``partner`` with an MRR record each, in three bulk inserts."""
    clients = Client.objects.bulk_create(
        Client(name=f"{prefix} {n}", domain=f"{prefix}{n}.example", country="US", currency="USD")
        for n in range(count)
    )
    MrrRecord.objects.bulk_create(
        MrrRecord(client=client, date=start, mrr=mrr) for client in clients
    )
    ManagedAssignment.objects.bulk_create(
        ManagedAssignment(partner=partner, client=client, start=start) for client in clients
    )


@pytest.fixture
def rows() -> dict[str, Any]:
    """One row of every model of the five apps (tiers and rule tables come from migrations)."""
    tiers = list(Tier.objects.order_by("rank"))
    lower, upper = tiers[0], tiers[1]
    pdm = PartnerManagerContact.objects.create(name="Pat Manager", email="pat@vendor.example")
    partner = Partner.objects.create(name="Acme Agency", country="US", pdm=pdm)
    user = get_user_model().objects.create_user(
        username="jane", email="jane@acme.example", password="secret-pass-123"
    )
    membership = Membership.objects.create(
        user=user, partner=partner, role=Membership.Role.SUPER_ADMIN
    )
    client = Client.objects.create(
        name="Globex", domain="globex.example", country="DE", currency="USD"
    )
    mrr = MrrRecord.objects.create(client=client, date=DAY, mrr=Decimal("1000"), tools_used=3)
    deal = Deal.objects.create(
        partner=partner,
        client=client,
        name="Globex expansion",
        deal_type=Deal.DealType.SOURCED,
        mrr=Decimal("1000"),
        created_on=DAY,
        stage=Deal.Stage.CLOSED_WON,
        closed_on=DAY,
    )
    assignment = ManagedAssignment.objects.create(partner=partner, client=client, start=DAY)
    renewal = Renewal.objects.create(client=client, date=DAY + timedelta(days=30))
    entry = LedgerEntry.objects.create(
        partner=partner,
        client=client,
        deal=deal,
        track="sold",
        kind="deal_won",
        points=Decimal("50"),
        effective_on=DAY,
        expires_on=DAY + timedelta(days=365),
        idempotency_key="deal-won-globex-1",
    )
    snapshot = DailySnapshot.objects.create(
        partner=partner, date=DAY, sold=Decimal("50"), managed=Decimal("10"), total=Decimal("60")
    )
    standing = TierStanding.objects.create(
        partner=partner,
        date=DAY,
        sold=Decimal("50"),
        managed=Decimal("10"),
        total=Decimal("60"),
        performance_tier=upper,
        credited_tier=upper,
    )
    review = TierReview.objects.create(date=DAY)
    result = TierReviewResult.objects.create(
        review=review,
        partner=partner,
        tier=upper,
        previous_tier=lower,
        sold=Decimal("50"),
        managed=Decimal("10"),
    )
    rate = MonthEndRate.objects.create(
        currency="EUR", month=date(2026, 1, 1), per_100_usd=Decimal("92")
    )
    payment = CommissionPayment.objects.create(
        partner=partner,
        quarter_start=date(2026, 1, 1),
        scheduled_on=date(2026, 5, 15),
        currency="USD",
        amount=Decimal("200"),
    )
    line = CommissionLine.objects.create(
        partner=partner,
        client=client,
        month=date(2026, 1, 1),
        mrr=Decimal("1000"),
        mrr_currency="USD",
        share=Decimal("0.2000"),
        fx_per_100_usd=Decimal("100"),
        amount=Decimal("200"),
        currency="USD",
        payment=payment,
        idempotency_key="commission-globex-2026-01",
    )
    static_list = StaticList.objects.create(partner=partner, name="Top clients")
    StaticListMember.objects.create(list=static_list, client=client)
    SavedReport.objects.create(
        partner=partner, created_by=user, name="New sold", kind="new_sold", start=DAY, end=DAY
    )
    feature, _ = BetaFeature.objects.get_or_create(
        key="admin-test-beta", defaults={"name": "Admin test beta", "terms": "Be kind."}
    )
    BetaOptIn.objects.create(
        feature=feature, partner=partner, user=user, terms_accepted_at=timezone.now()
    )
    ApiToken.objects.create(user=user, name="CI", prefix="abc123", key_digest="0" * 64)
    Invitation.objects.create(
        partner=partner,
        email="newhire@acme.example",
        role=Membership.Role.USER,
        invited_by=user,
        nonce="secret-nonce",
        sent_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=7),
    )
    UserSession.objects.create(user=user, session_key="secret-session-key")
    AccountMetrics.objects.create(
        partner=partner, on=DAY, sourced_mrr_12m=Decimal("1000"), csr_12m=Decimal("0.9")
    )
    RecomputeRun.objects.create(
        on=DAY,
        partner_ids=[partner.pk],
        requested_by=user,
        status=RecomputeRun.Status.FINISHED,
        summary={"on": DAY.isoformat(), "entries_appended": 2, "standings_written": 1},
    )
    return {
        "tier": upper,
        "pdm": pdm,
        "partner": partner,
        "user": user,
        "membership": membership,
        "client": client,
        "mrr": mrr,
        "deal": deal,
        "assignment": assignment,
        "renewal": renewal,
        "entry": entry,
        "snapshot": snapshot,
        "standing": standing,
        "review": review,
        "result": result,
        "rate": rate,
        "payment": payment,
        "line": line,
    }
