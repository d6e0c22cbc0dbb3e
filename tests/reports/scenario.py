"""A hand-computed scenario for the reports, lists and client record tests.

Acme (US partner), all clients paying in USD, rates after 2024-02-27 (sourced 5, assisted 3,
managed 1 per US$100; ×2 in a growth market):

- Alpha (US): sourced deal, MRR 1000, won 2025-03-10 → 1000/100 × 5 = 50 sold points.
- Bravo (BR, growth): assisted deal, MRR 500, won 2025-03-20 → 500/100 × 3 × 2 = 30 sold;
  reversed 2025-04-05 → −30 sold.
- Charlie (US): managed from 2025-03-01 at MRR 2000 → +20 managed; MRR 1000 from 2025-04-01
  → −10 managed. A shared-selling sourced deal, MRR 100, created 2025-02-01 and won 2025-03-15
  → 100/100 × 5 = 5 sold.
- Delta (US): sourced deal, MRR 400, won 2024-04-15 → +20 sold; it expires 2025-04-15 → −20.

Over 2025-03-01 … 2025-04-30: new sold 50 + 30 + 5 = 85, lost sold 30 + 20 = 50, new managed
20, lost managed 10.

Shared-selling deals of Acme: E1 Alpha sourced in flight created 2025-03-05; E2 Bravo assisted
"created" stage created 2025-03-06; E3 the Charlie deal above (created 2025-02-01, won
2025-03-15); E5 Bravo sourced, created 2025-03-08, lost 2025-03-09. A non-shared open deal
(E4, created 2025-03-07) never counts. Over the same range: created 3 (E1, E2, E5), sourced in
flight 1 (E1), closed-won 1 (E3).

Globex also manages Alpha (from 2025-03-01) and has its own deal with it: none of that is
Acme's, and none of Acme's is Globex's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from clients.models import Client, Deal
from recompute.services import points_recompute
from tests.factories import AssignmentFactory, ClientFactory, DealFactory, MrrFactory

START = date(2025, 3, 1)
END = date(2025, 4, 30)
RECOMPUTE_DAYS = [
    date(2024, 4, 15),
    date(2025, 3, 1),
    date(2025, 3, 10),
    date(2025, 3, 15),
    date(2025, 3, 20),
    date(2025, 4, 1),
    date(2025, 4, 5),
    date(2025, 4, 15),
    date(2025, 4, 30),
]


@dataclass
class Scenario:
    alpha: Client
    bravo: Client
    charlie: Client
    delta: Client
    e1: Deal
    e2: Deal
    e3: Deal
    e5: Deal
    globex_deal: Deal


@pytest.fixture
def scenario(personas) -> Scenario:
    acme, globex = personas.acme, personas.globex
    alpha = ClientFactory(name="Alpha Corp", domain="alpha.test")
    bravo = ClientFactory(name="Bravo Ltda", domain="bravo.test", country="BR")
    charlie = ClientFactory(name="Charlie Inc", domain="charlie.test")
    delta = ClientFactory(name="Delta LLC", domain="delta.test")
    MrrFactory(client=alpha, date=date(2025, 1, 1), mrr=Decimal("1000"))
    MrrFactory(client=charlie, date=START, mrr=Decimal("2000"))
    MrrFactory(client=charlie, date=date(2025, 4, 1), mrr=Decimal("1000"))

    DealFactory(
        partner=acme,
        client=alpha,
        name="Alpha Pro",
        mrr=Decimal("1000"),
        created_on=date(2025, 3, 1),
        closed_on=date(2025, 3, 10),
    )
    DealFactory(
        partner=acme,
        client=bravo,
        name="Bravo Starter",
        mrr=Decimal("500"),
        deal_type=Deal.DealType.ASSISTED,
        created_on=date(2025, 3, 1),
        closed_on=date(2025, 3, 20),
        stage=Deal.Stage.REVERSED,
        reversed_on=date(2025, 4, 5),
    )
    DealFactory(
        partner=acme,
        client=delta,
        name="Delta Pro",
        mrr=Decimal("400"),
        created_on=date(2024, 4, 1),
        closed_on=date(2024, 4, 15),
    )
    AssignmentFactory(partner=acme, client=charlie, start=START)

    e1 = DealFactory(
        partner=acme,
        client=alpha,
        name="Alpha expansion",
        shared_selling=True,
        stage=Deal.Stage.IN_FLIGHT,
        created_on=date(2025, 3, 5),
        closed_on=None,
    )
    e2 = DealFactory(
        partner=acme,
        client=bravo,
        name="Bravo seats",
        shared_selling=True,
        deal_type=Deal.DealType.ASSISTED,
        stage=Deal.Stage.CREATED,
        created_on=date(2025, 3, 6),
        closed_on=None,
    )
    e3 = DealFactory(
        partner=acme,
        client=charlie,
        name="Charlie add-on",
        shared_selling=True,
        mrr=Decimal("100"),
        created_on=date(2025, 2, 1),
        closed_on=date(2025, 3, 15),
    )
    DealFactory(
        partner=acme,
        client=alpha,
        name="Alpha not shared",
        stage=Deal.Stage.IN_FLIGHT,
        created_on=date(2025, 3, 7),
        closed_on=None,
    )
    e5 = DealFactory(
        partner=acme,
        client=bravo,
        name="Bravo lost",
        shared_selling=True,
        stage=Deal.Stage.CLOSED_LOST,
        created_on=date(2025, 3, 8),
        closed_on=date(2025, 3, 9),
    )

    AssignmentFactory(partner=globex, client=alpha, start=START)
    globex_deal = DealFactory(
        partner=globex,
        client=alpha,
        name="Globex secret deal",
        shared_selling=True,
        mrr=Decimal("700"),
        created_on=date(2025, 3, 2),
        closed_on=date(2025, 3, 12),
    )
    for day in RECOMPUTE_DAYS:
        points_recompute(on=day)
    return Scenario(alpha, bravo, charlie, delta, e1, e2, e3, e5, globex_deal)
