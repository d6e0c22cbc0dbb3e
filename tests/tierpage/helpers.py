"""Helpers for the Tier, calculator and settings tests: many clients at once, beta opt-in."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.utils import timezone

from clients.models import Client, Deal, ManagedAssignment, MrrRecord
from partners.models import BetaFeature, Membership, Partner
from partners.services import TIER_POINTS_BETA, beta_opt_in
from recompute.services import points_recompute


def tier_points_feature() -> BetaFeature:
    """The shipped beta (transactional tests flush it, so it is put back when missing)."""
    if not BetaFeature.objects.filter(key=TIER_POINTS_BETA).exists():
        import_module("partners.migrations.0003_tier_points_beta").load(apps, None)
    return BetaFeature.objects.get(key=TIER_POINTS_BETA)


def opt_in(membership: Membership) -> None:
    beta_opt_in(
        partner=membership.partner,
        user=membership.user,
        feature=tier_points_feature(),
        terms_accepted=True,
    )


def give_clients(
    partner: Partner,
    count: int,
    *,
    prefix: str = "Client",
    country: str = "US",
    deal_type: str = Deal.DealType.SOURCED,
    on: date | None = None,
    recompute: bool = True,
) -> list[Client]:
    """``count`` clients, each managed by ``partner`` (US$1,000 MRR) with a US$200 deal won
    3 days ago, created with bulk_create so that 500 take a moment."""
    today = on or timezone.localdate()
    clients = Client.objects.bulk_create(
        Client(
            name=f"{prefix} {n:03d}",
            domain=f"{prefix.lower().replace(' ', '-')}-{n}.{partner.pk}.test",
            country=country,
            currency="USD",
        )
        for n in range(count)
    )
    MrrRecord.objects.bulk_create(
        MrrRecord(client=c, date=today - timedelta(days=40), mrr=Decimal("1000"), tools_used=3)
        for c in clients
    )
    ManagedAssignment.objects.bulk_create(
        ManagedAssignment(partner=partner, client=c, start=today - timedelta(days=40))
        for c in clients
    )
    Deal.objects.bulk_create(
        Deal(
            partner=partner,
            client=c,
            deal_type=deal_type,
            mrr=Decimal("200"),
            stage=Deal.Stage.CLOSED_WON,
            created_on=today - timedelta(days=10),
            closed_on=today - timedelta(days=3),
        )
        for c in clients
    )
    if recompute:
        points_recompute(on=today)
    return clients
