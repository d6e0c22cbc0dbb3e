"""``manage.py seed_demo``: the demo data set and its guarantees."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from clients.models import Client, Deal, ManagedAssignment, MrrRecord, Renewal
from partners.models import Membership, Partner, PartnerManagerContact
from points.models import DailySnapshot, LedgerEntry
from program.models import FxRate, GrowthMarket, PointRate, ReviewDate, TierRequirement
from recompute.services import points_recompute
from tiers.models import TierReview, TierStanding
from tiers.selectors import standing_summary

pytestmark = pytest.mark.django_db

ACME = "Acme Growth Agency"
GLOBEX = "Globex Digital"


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--partners", "3", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (
        Partner,
        PartnerManagerContact,
        Membership,
        get_user_model(),
        Client,
        MrrRecord,
        Deal,
        ManagedAssignment,
        Renewal,
        LedgerEntry,
        DailySnapshot,
        TierStanding,
        TierReview,
    )
    return {m.__name__: m._default_manager.count() for m in models}


def rule_rows() -> dict[str, int]:
    models = (FxRate, GrowthMarket, PointRate, TierRequirement, ReviewDate)
    return {m.__name__: m._default_manager.count() for m in models}


def ledger_sum() -> Decimal:
    return sum(LedgerEntry.objects.values_list("points", flat=True), Decimal(0))


def acme_figures() -> tuple[Decimal, Decimal, Decimal]:
    summary = standing_summary(partner=Partner.objects.get(name=ACME), on=timezone.localdate())
    return summary.sold, summary.managed, summary.total


def test_personas_hold_their_tiers_and_can_log_in() -> None:
    output = seed()
    today = timezone.localdate()

    acme = standing_summary(partner=Partner.objects.get(name=ACME), on=today)
    assert acme.as_of == today
    assert (acme.credited_tier, acme.performance_tier) == ("Platinum", "Platinum")
    assert acme.total >= 2000 and acme.sold >= 400 and acme.managed >= 400
    assert acme.total < 6000 or acme.sold < 1200 or acme.managed < 1200

    globex = standing_summary(partner=Partner.objects.get(name=GLOBEX), on=today)
    assert (globex.credited_tier, globex.performance_tier) == ("Gold", "Gold")
    assert globex.total < 2000 or globex.sold < 400 or globex.managed < 400

    for email in (
        "admin@example.com",
        "alice@acme.example",
        "bob@acme.example",
        "carol@globex.example",
    ):
        user = authenticate(username=email, password="portal-demo")
        assert user is not None, email
        assert user.email == email
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles["alice@acme.example"] == Membership.Role.SUPER_ADMIN
    assert roles["bob@acme.example"] == Membership.Role.USER
    assert roles["carol@globex.example"] == Membership.Role.SUPER_ADMIN
    admin = get_user_model().objects.get(username="admin@example.com")
    assert admin.is_staff and admin.is_superuser
    assert "admin@example.com" not in roles
    assert Membership.objects.get(user__username="alice@acme.example").partner.name == ACME
    assert Membership.objects.get(user__username="carol@globex.example").partner.name == GLOBEX

    assert "portal-demo" in output
    assert "Acme Growth Agency: credited Platinum, performance Platinum" in output
    assert "Globex Digital: credited Gold, performance Gold" in output


def test_acme_was_credited_platinum_at_the_last_review() -> None:
    seed()
    review = TierReview.objects.order_by("-date").first()
    assert review is not None
    result = review.results.select_related("tier").get(partner__name=ACME)
    assert result.tier.key == "platinum"
    assert review.results.get(partner__name=GLOBEX).tier.key == "gold"


def test_data_is_coherent() -> None:
    seed()
    assert Partner.objects.count() == 5
    assert PartnerManagerContact.objects.count() == 3
    assert Client.objects.filter(mrr_records__isnull=True).count() == 0
    assert set(Client.objects.values_list("currency", flat=True)) <= {
        "USD",
        "EUR",
        "GBP",
        "AUD",
        "CAD",
        "SGD",
        "JPY",
        "ZAR",
        "COP",
    }
    assert not MrrRecord.objects.exclude(date__day=1).exists()
    assert not ManagedAssignment.objects.exclude(start__day=1).exists()
    assert not ManagedAssignment.objects.filter(end__isnull=False).exclude(end__day=1).exists()
    stages = set(Deal.objects.values_list("stage", flat=True))
    assert stages == {s.value for s in Deal.Stage}
    assert set(Deal.objects.values_list("deal_type", flat=True)) == {"sourced", "assisted"}
    assert not Deal.objects.filter(
        stage__in=["created", "in_flight"], closed_on__isnull=False
    ).exists()
    acme = Partner.objects.get(name=ACME)
    assert acme.memberships.count() == 2
    assert acme.pdm is not None and acme.pdm.description
    shared = ManagedAssignment.objects.filter(client__assignments__partner=acme).exclude(
        partner=acme
    )
    assert shared.exists()
    globex = Partner.objects.get(name=GLOBEX)
    assert not ManagedAssignment.objects.filter(
        partner=acme, client__assignments__partner=globex
    ).exists()


def test_a_second_seed_without_force_is_refused_and_changes_nothing() -> None:
    seed()
    before = counts()
    total = ledger_sum()
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert counts() == before
    assert ledger_sum() == total


def test_force_reseeds_the_same_data_and_keeps_the_rules() -> None:
    rules = rule_rows()
    seed()
    before, total, acme = counts(), ledger_sum(), acme_figures()
    seed("--force")
    assert counts() == before
    assert ledger_sum() == total
    assert acme_figures() == acme
    assert rule_rows() == rules


def test_the_same_seed_gives_the_same_ledger_and_another_seed_differs() -> None:
    seed("--seed", "7")
    first = ledger_sum()
    seed("--seed", "7", "--force")
    assert ledger_sum() == first
    seed("--seed", "8", "--force")
    assert ledger_sum() != first


def test_every_reversed_deal_lost_its_points() -> None:
    seed()
    reversed_deals = Deal.objects.filter(stage=Deal.Stage.REVERSED)
    assert reversed_deals.exists()
    for deal in reversed_deals:
        assert deal.reversed_on is not None and deal.closed_on is not None
        assert deal.closed_on < deal.reversed_on <= timezone.localdate()
        assert LedgerEntry.objects.filter(
            deal=deal, kind__in=[LedgerEntry.Kind.DEAL_REVERSED, LedgerEntry.Kind.SOLD_EXPIRED]
        ).exists(), deal


def test_a_recompute_after_the_seed_appends_nothing() -> None:
    seed()
    entries = LedgerEntry.objects.count()
    summary = points_recompute(on=timezone.localdate())
    assert summary.changed is False
    assert LedgerEntry.objects.count() == entries


def test_if_empty_seeds_an_empty_database_and_then_keeps_it(capsys):
    call_command("seed_demo", "--partners", "0", "--if-empty")
    partners = Partner.objects.count()
    assert partners == 2
    capsys.readouterr()
    call_command("seed_demo", "--partners", "3", "--if-empty")
    out = capsys.readouterr().out
    assert "kept as it is" in out and "alice@acme.example" in out
    assert Partner.objects.count() == partners
