"""The demo clients: each with an owner, an MRR history, the deals that grew it, managed
assignments (some co-managed by other partners) and an upcoming or recent renewal."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.utils.text import slugify

from clients.models import Deal, Renewal
from demo.seed.plans import (
    CENT,
    ZERO,
    ClientPlan,
    DealPlan,
    MrrPlan,
    PartnerPlan,
    RenewalPlan,
    money,
)
from demo.seed.products import product_downsell, product_upsell, products_missing, products_pick
from demo.seed.reference import (
    ADJECTIVES,
    ALL_COUNTRIES,
    CURRENCY_OF,
    FIRST_NAMES,
    HISTORY_MONTHS,
    LAST_NAMES,
    LEGAL_SUFFIX,
    NOUNS,
    PROFILES,
    RENEWAL_MANAGERS,
    TLD,
)
from program import engine


class ClientsPlanner:
    """Plans the clients of the partners, drawing from ``rng``; client names and domains are
    unique across the plan."""

    def __init__(
        self, rng: random.Random, *, today: date, months: list[date], rules: engine.Rules
    ) -> None:
        self.rng = rng
        self.today = today
        self.months = months
        self.rules = rules
        self.domains: set[str] = set()
        self.names: set[str] = set()

    def _person(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def _to_currency(self, usd: float, currency: str) -> Decimal:
        rate = self.rules.fx_rate(currency, self.today)
        return money(Decimal(str(usd)) * rate / 100, currency)

    def _client_identity(self, country: str) -> tuple[str, str]:
        rng = self.rng
        for _ in range(50):
            stem = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
            name = f"{stem} {rng.choice(LEGAL_SUFFIX.get(country, ('Ltd',)))}"
            domain = slugify(stem).replace("-", "") + TLD.get(country, ".com")
            if domain not in self.domains and name not in self.names:
                break
        n = 2
        base_domain, base_name = domain, name
        while domain in self.domains:
            label, _, tld = base_domain.partition(".")
            domain = f"{label}{n}.{tld}"
            name = f"{base_name} ({n})"
            n += 1
        self.domains.add(domain)
        self.names.add(name)
        return name, domain

    def _country_for(self, owner: int, home: str) -> str:
        rng = self.rng
        if owner == 0:
            return rng.choices(
                ("US", "GB", "CA", "AU", "DE", "IE", "BR", "MX", "IN", "SG", "CO"),
                (50, 13, 10, 8, 7, 2, 3, 2, 2, 2, 1),
            )[0]
        if owner == 1:
            return rng.choices(
                ("BR", "MX", "CO", "AR", "IN", "CL", "PE", "US"), (35, 20, 15, 10, 10, 4, 3, 3)
            )[0]
        if rng.random() < 0.65:
            return home
        return rng.choice(ALL_COUNTRIES)

    def _currency_for(self, country: str) -> str:
        if country == "CO":
            return "COP" if self.rng.random() < 0.6 else "USD"
        return CURRENCY_OF.get(country, "USD")

    def _base_usd(self) -> float:
        rng = self.rng
        band = rng.choices(("starter", "pro", "enterprise"), (40, 45, 15))[0]
        if band == "starter":
            return rng.uniform(50, 300)
        if band == "pro":
            return rng.uniform(300, 1500)
        return rng.uniform(1500, 5000)

    def _deal(
        self, client: ClientPlan, partner: int, what: str, mrr: Decimal, closed_on: date
    ) -> DealPlan:
        rng = self.rng
        return DealPlan(
            partner=partner,
            name=f"{client.name}: {what}",
            deal_type=Deal.DealType.SOURCED if rng.random() < 0.6 else Deal.DealType.ASSISTED,
            mrr=mrr,
            stage=Deal.Stage.CLOSED_WON,
            created_on=closed_on - timedelta(days=rng.randint(12, 95)),
            closed_on=closed_on,
            shared_selling=rng.random() < 0.3,
        )

    def client_plan(self, owner: int, home: str, size: float, existing_share: float) -> ClientPlan:
        """One client of ``owner``: its MRR history, deals, managed assignment and renewal."""
        rng, months, today = self.rng, self.months, self.today
        country = self._country_for(owner, home)
        currency = self._currency_for(country)
        name, domain = self._client_identity(country)
        client = ClientPlan(
            owner=owner, name=name, domain=domain, country=country, currency=currency
        )
        last = len(months) - 1
        start_i = 0 if rng.random() < existing_share else rng.randint(1, last)
        products = products_pick(rng, rng.choices((1, 2, 3, 4, 5, 6), (20, 30, 22, 14, 9, 5))[0])

        def record(on: date, amount: Decimal) -> None:
            listing = ", ".join(f"{hub} {edition}" for hub, edition in products)
            client.mrr.append(MrrPlan(on, amount, len(products), listing))

        mrr = self._to_currency(self._base_usd() * size, currency)
        record(months[start_i], mrr)
        if start_i > 0:
            closed = months[start_i] - timedelta(days=rng.randint(1, 25))
            client.deals.append(self._deal(client, owner, "new subscription", mrr, closed))
        churn_i: int | None = None
        revert: tuple[date, Decimal] | None = None
        for i in range(start_i + 1, last + 1):
            first = months[i]
            if revert is not None:
                if revert[0] < first:  # the reversed upgrade comes off the bill
                    mrr = max(mrr - revert[1], money(mrr / 4, currency))
                    record(first, mrr)
                    revert = None
                continue
            roll = rng.random()
            if roll < 0.011:
                churn_i = i
                record(first, ZERO.quantize(CENT))
                break
            if roll < 0.011 + 0.06:
                delta = money(mrr * Decimal(str(rng.uniform(0.15, 0.6))), currency)
                if delta <= 0:
                    continue
                mrr += delta
                sold = product_upsell(rng, products)
                record(first, mrr)
                closed = first - timedelta(days=rng.randint(1, 25))
                deal = self._deal(client, owner, sold, delta, closed)
                reversed_on = closed + timedelta(days=rng.randint(14, 42))
                if rng.random() < 0.06 and reversed_on <= today:
                    deal.stage, deal.reversed_on = Deal.Stage.REVERSED, reversed_on
                    revert = (reversed_on, delta)
                client.deals.append(deal)
            elif roll < 0.011 + 0.06 + 0.035:
                mrr = money(mrr * Decimal(str(rng.uniform(0.6, 0.9))), currency)
                product_downsell(rng, products)
                record(first, mrr)

        # the owner manages most of its clients; some it only sold to
        if rng.random() < 0.86:
            end: date | None = None
            if churn_i is not None:
                end = months[churn_i]
            elif rng.random() < 0.04 and start_i + 2 <= last:
                end = months[rng.randint(start_i + 2, last)]
            client.assignments.append((owner, months[start_i], end))

        # a lost deal, an open deal
        missing = products_missing(products)
        if rng.random() < 0.1:
            created = today - timedelta(days=rng.randint(30, HISTORY_MONTHS * 30))
            lost = self._deal(
                client,
                owner,
                f"{rng.choice(missing)} Pro" if missing else "expansion",
                money(mrr * Decimal("0.3") + 10, currency),
                created,
            )
            lost.stage, lost.created_on = Deal.Stage.CLOSED_LOST, created
            lost.closed_on = min(created + timedelta(days=rng.randint(15, 75)), today)
            client.deals.append(lost)
        if churn_i is None and rng.random() < 0.07:
            created = today - timedelta(days=rng.randint(0, 70))
            open_deal = self._deal(
                client,
                owner,
                f"{rng.choice(missing)} Starter" if missing else "seat expansion",
                money(mrr * Decimal("0.25") + 10, currency),
                created,
            )
            open_deal.stage = Deal.Stage.IN_FLIGHT if rng.random() < 0.6 else Deal.Stage.CREATED
            open_deal.created_on, open_deal.closed_on = created, None
            client.deals.append(open_deal)

        if churn_i is None and rng.random() < 0.6:
            self._renewal(client, mrr, client.mrr[-1].products)
        return client

    def _renewal(self, client: ClientPlan, mrr: Decimal, products: str) -> None:
        rng, today = self.rng, self.today
        offset = rng.randint(-60, 200)
        when = today + timedelta(days=offset)
        if offset < 0:
            status = rng.choices(
                (Renewal.Status.RENEWED, Renewal.Status.IN_PROGRESS, Renewal.Status.CHURNED),
                (80, 15, 5),
            )[0]
        elif offset <= 30:
            status = rng.choices(
                (Renewal.Status.IN_PROGRESS, Renewal.Status.AT_RISK, Renewal.Status.UPCOMING),
                (40, 20, 40),
            )[0]
        else:
            status = rng.choices((Renewal.Status.UPCOMING, Renewal.Status.AT_RISK), (78, 22))[0]
        if status in (Renewal.Status.AT_RISK, Renewal.Status.CHURNED):
            change = rng.uniform(-0.5, -0.05)
        else:
            change = rng.uniform(-0.15, 0.45)
        client.renewal = RenewalPlan(
            date=when,
            products=products,
            mrr_change=money(mrr * Decimal(str(change)), client.currency),
            last_active_employee=self._person(),
            renewal_manager=rng.choice(RENEWAL_MANAGERS),
            status=status,
        )

    def _co_manage(self, client: ClientPlan, partner: int) -> None:
        """``partner`` also manages ``client`` from a 1st of a month while it is a customer."""
        rng, months = self.rng, self.months
        if any(p == partner for p, _, _ in client.assignments):
            return
        start_first = client.mrr[0].date
        churned = client.mrr[-1].mrr == 0 and len(client.mrr) > 1
        stop = client.mrr[-1].date if churned else None
        choices = [m for m in months if m >= start_first and (stop is None or m < stop)]
        if not choices:
            return
        start = rng.choice(choices[: max(1, len(choices) - 1)])
        end = stop
        if end is None and rng.random() < 0.15:
            later = [m for m in months if m > start]
            end = rng.choice(later) if later else None
        client.assignments.append((partner, start, end))

    def clients_plan(self, partners: list[PartnerPlan]) -> list[ClientPlan]:
        rng = self.rng
        clients: list[ClientPlan] = []
        by_owner: dict[int, list[ClientPlan]] = defaultdict(list)
        for index, partner in enumerate(partners):
            if index == 0:
                count, size, existing = 350, 0.55, 0.62
            elif index == 1:
                count, size, existing = 80, 0.3, 0.55
            else:
                _, _, (low, high), size = PROFILES[partner.target]
                count, existing = rng.randint(low, high), rng.uniform(0.45, 0.7)
            for _ in range(count):
                client = self.client_plan(index, partner.country, size, existing)
                clients.append(client)
                by_owner[index].append(client)
        generated = list(range(2, len(partners)))
        if generated:
            # Acme and Globex each share a few clients with generated partners
            for owner, shared in ((0, 3), (1, 2)):
                managed = [c for c in by_owner[owner] if c.assignments]
                for client in rng.sample(managed, k=min(shared, len(managed))):
                    self._co_manage(client, rng.choice(generated))
        if len(generated) >= 2:
            for client in clients:
                if client.owner < 2 or not client.assignments or rng.random() >= 0.1:
                    continue
                others = [p for p in generated if p != client.owner]
                for other in rng.sample(others, k=min(len(others), rng.choice((1, 1, 2)))):
                    self._co_manage(client, other)
        return clients
