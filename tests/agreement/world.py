"""The partners of the agreement tests, as deployed.

Three partners: alice's Acme and carol's Globex (the ``personas``) and a generated partner,
Initech, built with the factories. Between them they have clients in USD, EUR, GBP, AUD, CAD,
SGD, JPY and COP, in standard and growth markets, sourced and assisted deals, a reversed deal
and an expired one, managed assignments shared by two and by three partners, a co-manager
joining, an assignment that ended, an MRR upgrade and churns, and enough clients for Initech
that its lists have a second page. The amounts are chosen so that rounding a sum and summing
the rounded parts differ: a client with 7.645 sold and 6.745 managed points shows 7.65 + 6.75 =
14.40 combined, where its exact 14.39 would round to 14.39; each partner's total, and a
dialog's total, differ the same way. Then the nightly jobs run: ``points_recompute`` for a day
four months back and for today, and ``account_metrics_refresh`` for today.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from django.test import Client as HttpClient
from django.utils import timezone
from rest_framework.test import APIClient

from clients.metrics import account_metrics_refresh
from clients.models import Client, Deal, ManagedAssignment, MrrRecord
from partners.models import Membership, Partner
from partners.services import api_token_create
from points.models import LedgerEntry
from program import engine
from program.rules import rules_load
from recompute.services import points_recompute
from tests.agreement.reading import TRACKS, ZERO
from tests.conftest import Personas
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    ClientFactory,
    DealFactory,
    MembershipFactory,
    MrrFactory,
    PartnerFactory,
)
from tiers.models import TierReview

# --- the partners, as deployed --------------------------------------------------------------

PARTNERS = ("acme", "globex", "initech")
FILLERS = 52  # Initech's extra clients: 59 in all, so that its lists have a second page


@dataclass
class Member:
    partner: Partner
    membership: Membership
    http: HttpClient
    api: HttpClient | APIClient  # a token client, or the browser session


@dataclass
class World:
    today: date
    members: dict[str, Member]
    staff: HttpClient


def login(membership: Membership) -> HttpClient:
    http = HttpClient()
    assert http.login(username=membership.user.username, password=PASSWORD)
    return http


def token_client(membership: Membership) -> APIClient:
    http = APIClient()
    _, key = api_token_create(user=membership.user, name="figures agree")
    http.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return http


def build_world(personas: Personas) -> World:
    """The three partners' clients, deals, MRR and assignments, then the nightly jobs.

    Dates are relative to today: ``h`` is the first of the month 14 months back (so each of the
    12 complete months of C$R has history), ``m(k)`` the first of the month ``k`` back. Exact
    points are in the comments: sold = US$ MRR / 100 × rate (sourced 5, assisted 3) × M,
    managed = US$ MRR / 100 × M / managers, with M = 2 in a growth market (BR, CO, IN, SG here)
    and US$ = amount × 100 / R (EUR 88, GBP 74, AUD 154, CAD 130, SGD 129, JPY 14,400,
    COP 408,000).
    """
    today = timezone.localdate()

    def m(k: int) -> date:
        return engine.add_months(today.replace(day=1), -k)

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    h = m(14)
    acme, globex = personas.acme, personas.globex
    initech = cast(Partner, PartnerFactory(name="Initech Partners", country="US"))
    dave = cast(
        Membership,
        MembershipFactory(
            partner=initech, user__email="dave@initech.test", role=Membership.Role.SUPER_ADMIN
        ),
    )

    def client(name: str, country: str, cur: str, *mrr: tuple[date, str], tools: int = 3) -> Client:
        domain = f"{re.sub(r'[^a-z]+', '-', name.lower())}.test"
        made = cast(Client, ClientFactory(name=name, domain=domain, country=country, currency=cur))
        for day, amount in mrr:
            MrrFactory(client=made, date=day, mrr=Decimal(amount), tools_used=tools)
        return made

    def manage(partner: Partner, made: Client, start: date, end: date | None = None) -> None:
        AssignmentFactory(partner=partner, client=made, start=start, end=end)

    def won(
        partner: Partner,
        made: Client,
        amount: str,
        closed_on: date,
        deal_type: str = Deal.DealType.SOURCED,
        reversed_on: date | None = None,
    ) -> None:
        DealFactory(
            partner=partner,
            client=made,
            name=f"{made.name} {deal_type} {closed_on:%Y-%m-%d}",
            deal_type=deal_type,
            mrr=Decimal(amount),
            stage=Deal.Stage.REVERSED if reversed_on else Deal.Stage.CLOSED_WON,
            created_on=closed_on - timedelta(days=7),
            closed_on=closed_on,
            reversed_on=reversed_on,
            shared_selling=True,
        )

    # Shared clients. Vireo Hotels: EUR 880.88 is US$1,001, managed by two: 5.005 each.
    vireo = client("Vireo Hotels", "DE", "EUR", (h, "880.88"), tools=5)
    manage(acme, vireo, h)
    manage(initech, vireo, h)
    won(initech, vireo, "152.68", ago(20))  # US$173.50: 8.675
    # Sertão Agro: COP 3,060,050 is US$750.012255, managed by Acme and Initech (7.500123 each),
    # then by Globex too from 5 days ago (5.000082 each of three).
    sertao = client("Sertão Agro", "BR", "COP", (h, "3060050.00"), tools=2)
    manage(acme, sertao, h)
    manage(initech, sertao, h)
    manage(globex, sertao, ago(5))
    won(globex, sertao, "5036964.00", ago(10))  # US$1,234.55: 123.455

    # Acme.
    blue = client("Blue Wellness", "US", "USD", (h, "600.00"), (ago(5), "674.50"), tools=4)
    manage(acme, blue, h)  # 6.00, then 6.745 after the upgrade
    won(acme, blue, "152.90", ago(3))  # 7.645: 7.65 + 6.75 = 14.40 shown, 14.39 exact
    aster = client("Aster Print", "AU", "AUD")
    won(acme, aster, "1539.23", ago(12))  # US$999.50: 49.975
    acme_big = client("Acme Big Co", "US", "USD", (h, "30000.50"), tools=7)
    manage(acme, acme_big, h)  # 300.005
    won(acme, acme_big, "6000.10", ago(28))  # 300.005
    cobalt = client("Cobalt Ltd", "GB", "GBP", (h, "500.00"), (m(3), "0"), tools=1)
    manage(acme, cobalt, h)  # 6.756757 four months back; churned since
    delta = client("Delta Archive", "US", "USD")
    won(acme, delta, "1000.00", engine.add_months(today, -13) - timedelta(days=10))  # expired

    # Globex.
    ipe = client("Ipê Saúde", "BR", "USD", (h, "168.50"), tools=6)
    manage(globex, ipe, h)  # 3.37
    won(globex, ipe, "76.45", ago(7))  # 7.645
    maple = client("Maple Freight", "CA", "CAD")
    won(globex, maple, "1604.20", ago(9), Deal.DealType.ASSISTED)  # US$1,234: 37.02
    globex_big = client("Globex Big Co", "BR", "USD", (h, "15000.25"), tools=8)
    manage(globex, globex_big, h)  # 300.005
    won(globex, globex_big, "3000.05", ago(20))  # 300.005
    ceiba = client("Ceiba Café", "CO", "COP", (h, "2040000.00"), (m(6), "0"), tools=2)
    manage(globex, ceiba, h)  # churned before either recompute: managed, with no points
    reversed_co = client("Reversed Co", "SG", "SGD")
    won(globex, reversed_co, "1290.00", ago(40), reversed_on=ago(8))  # 100 won, then lost
    jatoba = client("Jatobá Tech", "BR", "USD", (h, "1000.50"), tools=3)
    manage(globex, jatoba, h, end=m(1))  # 20.01 four months back; services ended since

    # Initech.
    umbra = client("Umbra Foods", "US", "USD", (h, "864.00"), tools=3)
    manage(initech, umbra, h)  # 8.64
    won(initech, umbra, "152.70", ago(3))  # 7.635
    kobe = client("Kōbe Denki", "JP", "JPY", (h, "33768.00"), tools=4)
    manage(initech, kobe, h)  # US$234.50: 2.345
    won(initech, kobe, "59256.00", ago(15), Deal.DealType.ASSISTED)  # US$411.50: 12.345
    nordlicht = client("Nordlicht GmbH", "DE", "EUR", (h, "1000.00"), (m(2), "0"), tools=2)
    manage(initech, nordlicht, h)  # 11.363636 four months back; churned since
    initech_big = client("Initech Big Co", "IN", "USD", (h, "15000.25"), tools=9)
    manage(initech, initech_big, h)  # 300.005
    won(initech, initech_big, "3000.05", ago(25))  # 300.005
    spa = client("Vireo Spa", "FR", "EUR")
    won(initech, spa, "153.01", ago(40))  # US$173.875 (8.69375), twice: US$347.75
    won(initech, spa, "153.01", ago(50))
    # Fillers, in bulk: each managed alone at US$100.50 + 10n (1.005 + 0.1n), every third with
    # a sourced deal of US$100.10 + 2n (5.005 + 0.1n).
    fillers = Client.objects.bulk_create(
        Client(name=f"Initech Filler {n:02d}", domain=f"filler-{n}.test", country="US")
        for n in range(FILLERS)
    )
    MrrRecord.objects.bulk_create(
        MrrRecord(client=c, date=m(2), mrr=Decimal("100.50") + 10 * n, tools_used=n % 5)
        for n, c in enumerate(fillers)
    )
    ManagedAssignment.objects.bulk_create(
        ManagedAssignment(partner=initech, client=c, start=m(2)) for c in fillers
    )
    Deal.objects.bulk_create(
        Deal(
            partner=initech,
            client=c,
            name=f"{c.name} sourced",
            deal_type=Deal.DealType.SOURCED,
            mrr=Decimal("100.10") + 2 * n,
            stage=Deal.Stage.CLOSED_WON,
            created_on=ago(9),
            closed_on=ago(2),
        )
        for n, c in enumerate(fillers)
        if n % 3 == 0
    )

    # The nightly jobs: a recompute four months back, today's, then today's account metrics.
    points_recompute(on=m(4))
    points_recompute(on=today)
    account_metrics_refresh(on=today, rules=rules_load())
    # On a review date (15 Jan, 15 Jul) today's recompute has credited the tiers already, and
    # the admin's preview would have no partner left to show: set today's review aside.
    TierReview.objects.filter(date=today).delete()

    # alice and dave read the API with a token, carol with her browser session.
    members = {
        "acme": Member(acme, personas.alice, login(personas.alice), token_client(personas.alice)),
        "globex": Member(globex, personas.carol, login(personas.carol), login(personas.carol)),
        "initech": Member(initech, dave, login(dave), token_client(dave)),
    }
    return World(today=today, members=members, staff=personas.client_for("staff"))


def exact_points(partner: Partner, on: date) -> dict[str, dict[str, Decimal]]:
    """Each client's exact sold and managed points on ``on`` (by client id as text): the
    ledger summed here."""
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(TRACKS, ZERO))
    for client_id, track, points in LedgerEntry.objects.filter(
        partner=partner, effective_on__lte=on
    ).values_list("client_id", "track", "points"):
        sums[str(client_id)][track] += points
    return sums
