"""Deterministic demo data: partners, users, clients and 24 months of history (``seed_demo``).

Everything is planned in memory first from one ``random.Random(seed)`` with dates relative to
today, then written with ``bulk_create`` and replayed through the nightly recompute so that the
ledger, snapshots, standings and tier reviews are exactly what the real job would have written.

Acme Growth Agency and Globex Digital are the personas the demo logins belong to; their figures
are calibrated (MRR and deal amounts scaled) so that Acme holds Platinum and Globex Gold, both
today and at the last tier review, whatever the seed.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from clients.metrics import account_metrics_refresh
from clients.models import Client, Deal, ManagedAssignment, MrrRecord, Renewal
from commissions.models import CommissionLine, CommissionPayment
from partners.models import Membership, Partner, PartnerManagerContact
from points.models import DailySnapshot, LedgerEntry, PairBalance
from program import engine
from program.rules import rules_load
from recompute.services import points_recompute
from tiers.models import TierReview, TierReviewResult, TierStanding
from tiers.selectors import StandingSummary, standing_summary

DEMO_PASSWORD = "portal-demo"  # noqa: S105 - the documented demo login, not a secret
HISTORY_MONTHS = 24
ACME = "Acme Growth Agency"
GLOBEX = "Globex Digital"
BATCH = 1000

_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_ONE = Decimal(1)
_PART_OF_UPGRADE = Decimal("0.6")


class _Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


class DemoSeedError(Exception):
    """The demo data cannot be written into this database as it is."""


@dataclass
class DemoResult:
    """What ``demo_seed`` wrote."""

    pdms: int = 0
    partners: int = 0
    users: int = 0
    memberships: int = 0
    clients: int = 0
    mrr_records: int = 0
    deals: int = 0
    assignments: int = 0
    renewals: int = 0
    recompute_dates: int = 0
    ledger_entries: int = 0
    snapshots: int = 0
    standings: int = 0
    tier_reviews: int = 0
    commission_lines: int = 0
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str


DEMO_LOGINS = (
    DemoLogin("admin@example.com", "program admin (Django admin)"),
    DemoLogin("alice@acme.example", f"super admin of {ACME}"),
    DemoLogin("bob@acme.example", f"user of {ACME}"),
    DemoLogin("carol@globex.example", f"super admin of {GLOBEX}"),
)


# --- reference data -----------------------------------------------------------------------------

CURRENCY_OF = {
    "US": "USD", "GB": "GBP", "CA": "CAD", "AU": "AUD", "DE": "EUR", "FR": "EUR", "NL": "EUR",
    "ES": "EUR", "IE": "EUR", "IT": "EUR", "AT": "EUR", "BE": "EUR", "SG": "SGD", "JP": "JPY",
    "ZA": "ZAR", "CO": "COP",
}  # fmt: skip

_LEGAL_SUFFIX = {
    "US": ("Inc.", "LLC", "Co."), "GB": ("Ltd",), "CA": ("Inc.", "Ltd"), "AU": ("Pty Ltd",),
    "DE": ("GmbH",), "AT": ("GmbH",), "FR": ("SAS",), "NL": ("B.V.",), "BE": ("BV",),
    "ES": ("S.L.",), "IT": ("S.r.l.",), "IE": ("Ltd",), "SG": ("Pte Ltd",), "JP": ("K.K.",),
    "ZA": ("(Pty) Ltd",), "BR": ("Ltda.",), "MX": ("S.A. de C.V.",), "CO": ("S.A.S.",),
    "AR": ("S.R.L.",), "CL": ("SpA",), "PE": ("S.A.C.",), "IN": ("Pvt Ltd",),
    "PH": ("Inc.",), "ID": ("PT",), "VN": ("JSC",), "NZ": ("Ltd",), "MY": ("Sdn Bhd",),
}  # fmt: skip

_TLD = {
    "US": ".com", "GB": ".co.uk", "CA": ".ca", "AU": ".com.au", "DE": ".de", "AT": ".at",
    "FR": ".fr", "NL": ".nl", "BE": ".be", "ES": ".es", "IT": ".it", "IE": ".ie", "SG": ".sg",
    "JP": ".jp", "ZA": ".co.za", "BR": ".com.br", "MX": ".mx", "CO": ".co", "AR": ".com.ar",
    "CL": ".cl", "PE": ".pe", "IN": ".in", "PH": ".ph", "ID": ".co.id", "VN": ".vn",
    "NZ": ".co.nz", "MY": ".my",
}  # fmt: skip

_ADJECTIVES = (
    "Blue", "Summit", "Bright", "Cedar", "Golden", "Iron", "Lakeside", "Maple", "North", "Oak",
    "Pioneer", "Quartz", "Red", "Silver", "Stone", "True", "Urban", "Vista", "West", "Willow",
    "Crimson", "Harbor", "Highland", "Liberty", "Meridian", "Nova", "Orchid", "Prairie", "Rapid",
    "Sterling", "Coastal", "Evergreen", "Granite", "Juniper", "Keystone", "Lumen", "Mosaic",
    "Pacific", "Riverbend", "Sunrise",
)  # fmt: skip
_NOUNS = (
    "Analytics", "Bakery", "Bikes", "Builders", "Capital", "Clinic", "Coffee", "Dental",
    "Energy", "Fitness", "Foods", "Freight", "Furniture", "Health", "Homes", "Insurance",
    "Labs", "Legal", "Logistics", "Media", "Motors", "Outdoor", "Pharma", "Print", "Realty",
    "Robotics", "Software", "Solar", "Studios", "Supply", "Systems", "Textiles", "Tours",
    "Travel", "Ventures", "Wellness", "Wines", "Apparel", "Learning", "Security",
)  # fmt: skip

_HUBS = (
    "Marketing Hub", "Sales Hub", "Service Hub", "Content Hub", "Operations Hub",
    "Commerce Hub",
)  # fmt: skip
_EDITIONS = ("Starter", "Pro", "Enterprise")

_FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Sofia", "Mateo", "Mia", "Arjun", "Priya",
    "Kenji", "Yuki", "Lena", "Jonas", "Chloe", "Hugo", "Camila", "Diego", "Aisha", "Omar",
    "Grace", "Ethan", "Isla", "Finn", "Zara", "Ravi", "Ana", "Tomás", "Maya", "Leo", "Nina",
    "Samuel", "Elena", "Daniel", "Hannah", "Marco", "Julia", "Kai", "Rosa",
)  # fmt: skip
_LAST_NAMES = (
    "Smith", "Johnson", "Brown", "García", "Martínez", "Silva", "Santos", "Müller", "Schmidt",
    "Dubois", "Rossi", "Tanaka", "Sato", "Patel", "Sharma", "Nguyen", "Kim", "Reyes", "Walker",
    "O'Brien", "Murphy", "Cohen", "Novak", "Jansen", "de Vries", "Okafor", "Mensah", "López",
    "Fernández", "Khan",
)  # fmt: skip
_RENEWAL_MANAGERS = (
    "Jordan Ellis", "Sam Whitaker", "Priscila Moura", "Hana Kobayashi", "Tobias Lindqvist",
    "Fatima Haddad",
)  # fmt: skip

_PDMS = (
    (
        "Dana Whitfield",
        "dana.whitfield@vendor.example",
        "Dana has looked after North American agencies for six years. She runs the quarterly "
        "business reviews, helps partners plan their path to the next tier and connects them with "
        "the vendor's sales teams for shared-selling opportunities. Ask her about co-marketing "
        "funds, certification tracks and introductions to enterprise prospects.",
    ),
    (
        "Rafael Okafor",
        "rafael.okafor@vendor.example",
        "Rafael supports partners across Latin America and the growth markets. A former agency "
        "owner, he coaches teams on packaging onboarding and managed services, on pricing in "
        "local currencies and on using the growth-market multiplier to reach the next tier "
        "sooner. He speaks English, Spanish and Portuguese.",
    ),
    (
        "Mei Tanaka",
        "mei.tanaka@vendor.example",
        "Mei covers partners in Europe and Asia-Pacific. She focuses on retention: renewal "
        "planning, customer health reviews and keeping managed clients growing. She also "
        "organises the regional partner meet-ups and the certification study groups.",
    ),
)

# Generated agencies: name, country. The first ones cover every tier even for a small --partners.
_AGENCIES = (
    ("Brightwave Digital", "US"), ("Harbour & Pine Marketing", "GB"),
    ("Tres Picos Agencia", "MX"), ("Southern Cross Digital", "AU"),
    ("Nordlicht Marketing", "DE"), ("Lumen Inbound", "CA"), ("Savannah Growth Partners", "ZA"),
    ("Café Digital Bogotá", "CO"), ("Mumbai Metrics", "IN"), ("Lion City Growth", "SG"),
    ("Sakura Funnel Works", "JP"), ("Atelier Numérique", "FR"), ("Grachten Digital", "NL"),
    ("Pampa Growth Studio", "AR"), ("Manila Bay Digital", "PH"), ("Redwood Revenue Co.", "US"),
    ("Thistle & Thorn Marketing", "GB"), ("Iberia Inbound", "ES"), ("Cobalt Loop Agency", "US"),
    ("Sertão Digital", "BR"), ("Andes Growth Lab", "PE"), ("Shamrock Demand Gen", "IE"),
    ("Maple & Moose Media", "CA"), ("Kookaburra Content", "AU"), ("Jakarta Funnel Co.", "ID"),
    ("Saigon Pixel", "VN"), ("Ruta Norte Marketing", "CL"), ("Greenfield Pipeline", "US"),
    ("Kiwi Conversion Studio", "NZ"), ("Bavarian Growth Works", "DE"),
)  # fmt: skip
_AGENCY_PREFIXES = (
    "Atlas", "Beacon", "Copper", "Driftwood", "Ember", "Foxglove", "Glacier", "Horizon", "Indigo",
    "Jetstream", "Kestrel", "Lantern", "Magnolia", "Nimbus", "Orbit", "Peregrine",
)  # fmt: skip
_AGENCY_SUFFIXES = (
    "Digital", "Inbound", "Growth Co.", "Marketing", "Media", "Partners", "Labs", "Studio",
)  # fmt: skip
_ALL_COUNTRIES = tuple(_TLD)

# target tier, (sold floor, managed floor) at both today and the last review, clients, size
_PROFILES: dict[str, tuple[int, int, tuple[int, int], float]] = {
    "untiered": (40, 90, (5, 18), 0.5),
    "gold": (150, 420, (15, 45), 0.8),
    "platinum": (560, 1700, (40, 90), 1.3),
    "diamond": (1450, 4900, (80, 120), 2.5),
}
_TARGET_CYCLE = (
    "platinum", "gold", "untiered", "diamond", "gold", "platinum", "gold", "untiered",
    "diamond", "platinum", "gold", "untiered",
)  # fmt: skip


# --- the plan -----------------------------------------------------------------------------------


@dataclass
class _UserPlan:
    email: str
    first_name: str
    last_name: str
    role: str | None  # None: no membership
    staff: bool = False


@dataclass
class _PartnerPlan:
    name: str
    country: str
    payout_currency: str
    certified_until: date | None
    pdm: int | None
    elite_invited: bool
    target: str
    sold_floor: Decimal
    managed_floor: Decimal
    users: list[_UserPlan] = field(default_factory=list)


@dataclass
class _DealPlan:
    partner: int
    name: str
    deal_type: str
    mrr: Decimal
    stage: str
    created_on: date
    closed_on: date | None = None
    reversed_on: date | None = None
    shared_selling: bool = False

    @property
    def won(self) -> bool:
        return self.stage in (Deal.Stage.CLOSED_WON, Deal.Stage.REVERSED)


@dataclass
class _MrrPlan:
    date: date
    mrr: Decimal
    tools: int
    products: str


@dataclass
class _RenewalPlan:
    date: date
    products: str
    mrr_change: Decimal
    last_active_employee: str
    renewal_manager: str
    status: str


@dataclass
class _ClientPlan:
    owner: int
    name: str
    domain: str
    country: str
    currency: str
    mrr: list[_MrrPlan] = field(default_factory=list)
    deals: list[_DealPlan] = field(default_factory=list)
    assignments: list[tuple[int, date, date | None]] = field(default_factory=list)
    renewal: _RenewalPlan | None = None

    def mrr_on(self, on: date) -> Decimal | None:
        current = None
        for record in self.mrr:
            if record.date > on:
                break
            current = record.mrr
        return current

    def managers_on(self, on: date) -> list[int]:
        return sorted(
            {p for p, start, end in self.assignments if start <= on and (end is None or on < end)}
        )


@dataclass
class _Plan:
    today: date
    months: list[date]
    pdms: list[tuple[str, str, str]]
    partners: list[_PartnerPlan]
    admin: _UserPlan
    clients: list[_ClientPlan]


def _money(value: Decimal | float, currency: str) -> Decimal:
    """A plausible price: whole units (thousands for COP); a positive amount stays positive."""
    amount = Decimal(str(value))
    unit = Decimal(1000) if currency == "COP" else _ONE
    rounded = (amount / unit).quantize(_ONE, ROUND_HALF_UP) * unit
    if amount > 0 and rounded <= 0:
        rounded = unit
    return rounded.quantize(_CENT)


class _Generator:
    def __init__(self, *, partners: int, seed: int, today: date, rules: engine.Rules) -> None:
        self.rng = random.Random(seed)
        self.n_partners = partners
        self.today = today
        self.rules = rules
        first = today.replace(day=1)
        self.months = [engine.add_months(first, k) for k in range(-HISTORY_MONTHS, 1)]
        self.domains: set[str] = set()
        self.names: set[str] = set()

    # helpers

    def _person(self) -> str:
        return f"{self.rng.choice(_FIRST_NAMES)} {self.rng.choice(_LAST_NAMES)}"

    def _to_currency(self, usd: float, currency: str) -> Decimal:
        rate = self.rules.fx_rate(currency, self.today)
        return _money(Decimal(str(usd)) * rate / 100, currency)

    def _jitter(self, floor: int, most: float) -> Decimal:
        return Decimal(str(round(floor * self.rng.uniform(1, most), 2)))

    def _products(self, tools: int) -> list[list[str]]:
        """``tools`` hubs, each [hub, edition]."""
        hubs = self.rng.sample(_HUBS, k=min(tools, len(_HUBS)))
        return [[hub, self.rng.choices(_EDITIONS, (5, 4, 1))[0]] for hub in hubs]

    def _upsell(self, products: list[list[str]]) -> str:
        """Add a hub or move one up an edition; returns what was sold."""
        rng = self.rng
        missing = [hub for hub in _HUBS if hub not in {h for h, _ in products}]
        upgradable = [p for p in products if p[1] != _EDITIONS[-1]]
        if missing and (not upgradable or rng.random() < 0.5):
            product = [rng.choice(missing), rng.choices(_EDITIONS[:2], (3, 2))[0]]
            products.append(product)
            return f"{product[0]} {product[1]}"
        if upgradable:
            product = rng.choice(upgradable)
            product[1] = _EDITIONS[_EDITIONS.index(product[1]) + 1]
            return f"{product[0]} {product[1]} upgrade"
        return "seat expansion"

    def _downsell(self, products: list[list[str]]) -> None:
        rng = self.rng
        lowerable = [p for p in products if p[1] != _EDITIONS[0]]
        if len(products) > 1 and (not lowerable or rng.random() < 0.4):
            products.remove(rng.choice(products))
        elif lowerable:
            product = rng.choice(lowerable)
            product[1] = _EDITIONS[_EDITIONS.index(product[1]) - 1]

    def _client_identity(self, country: str) -> tuple[str, str]:
        rng = self.rng
        for _ in range(50):
            stem = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
            name = f"{stem} {rng.choice(_LEGAL_SUFFIX.get(country, ('Ltd',)))}"
            domain = slugify(stem).replace("-", "") + _TLD.get(country, ".com")
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

    # partners and users

    def partners_plan(self) -> list[_PartnerPlan]:
        rng, today = self.rng, self.today
        acme = _PartnerPlan(
            name=ACME,
            country="US",
            payout_currency="USD",
            certified_until=engine.add_months(today, 9),
            pdm=0,
            elite_invited=False,
            target="platinum",
            sold_floor=self._jitter(1000, 1.15),
            managed_floor=self._jitter(1400, 1.2),
            users=[
                _UserPlan("alice@acme.example", "Alice", "Anderson", Membership.Role.SUPER_ADMIN),
                _UserPlan("bob@acme.example", "Bob", "Baker", Membership.Role.USER),
            ],
        )
        globex = _PartnerPlan(
            name=GLOBEX,
            country="BR",
            payout_currency="USD",
            certified_until=engine.add_months(today, 5),
            pdm=1,
            elite_invited=False,
            target="gold",
            sold_floor=self._jitter(160, 1.3),
            managed_floor=self._jitter(420, 1.25),
            users=[
                _UserPlan("carol@globex.example", "Carol", "Costa", Membership.Role.SUPER_ADMIN)
            ],
        )
        plans = [acme, globex]
        used_names = {ACME, GLOBEX}
        for i in range(self.n_partners):
            if i < len(_AGENCIES):
                name, country = _AGENCIES[i]
            else:
                country = rng.choice(_ALL_COUNTRIES)
                name = f"{rng.choice(_AGENCY_PREFIXES)} {rng.choice(_AGENCY_SUFFIXES)}"
                base, n = name, 2
                while name in used_names:
                    name, n = f"{base} {n}", n + 1
            used_names.add(name)
            target = _TARGET_CYCLE[i % len(_TARGET_CYCLE)]
            sold_floor, managed_floor, _, _ = _PROFILES[target]
            if i % 11 == 6:  # certification lapsed a few months ago
                certified_until: date | None = today - timedelta(days=rng.randint(20, 150))
            elif i % 11 == 10:  # never certified
                certified_until = None
            else:
                certified_until = today + timedelta(days=rng.randint(45, 600))
            slug = slugify(name)
            firsts = rng.sample(_FIRST_NAMES, k=2)
            users = [
                _UserPlan(
                    f"{slugify(firsts[0])}@{slug}.example",
                    firsts[0],
                    rng.choice(_LAST_NAMES),
                    Membership.Role.SUPER_ADMIN,
                )
            ]
            if rng.random() < 0.6:
                users.append(
                    _UserPlan(
                        f"{slugify(firsts[1])}@{slug}.example",
                        firsts[1],
                        rng.choice(_LAST_NAMES),
                        Membership.Role.USER,
                    )
                )
            plans.append(
                _PartnerPlan(
                    name=name,
                    country=country,
                    payout_currency=CURRENCY_OF.get(country, "USD"),
                    certified_until=certified_until,
                    pdm=None if rng.random() < 0.15 else rng.randrange(len(_PDMS)),
                    elite_invited=i in (3, 9),
                    target=target,
                    sold_floor=self._jitter(sold_floor, 1.3),
                    managed_floor=self._jitter(managed_floor, 1.25),
                    users=users,
                )
            )
        return plans

    # clients

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
        return rng.choice(_ALL_COUNTRIES)

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
        self, client: _ClientPlan, partner: int, what: str, mrr: Decimal, closed_on: date
    ) -> _DealPlan:
        rng = self.rng
        return _DealPlan(
            partner=partner,
            name=f"{client.name}: {what}",
            deal_type=Deal.DealType.SOURCED if rng.random() < 0.6 else Deal.DealType.ASSISTED,
            mrr=mrr,
            stage=Deal.Stage.CLOSED_WON,
            created_on=closed_on - timedelta(days=rng.randint(12, 95)),
            closed_on=closed_on,
            shared_selling=rng.random() < 0.3,
        )

    def client_plan(self, owner: int, home: str, size: float, existing_share: float) -> _ClientPlan:
        """One client of ``owner``: its MRR history, deals, managed assignment and renewal."""
        rng, months, today = self.rng, self.months, self.today
        country = self._country_for(owner, home)
        currency = self._currency_for(country)
        name, domain = self._client_identity(country)
        client = _ClientPlan(
            owner=owner, name=name, domain=domain, country=country, currency=currency
        )
        last = len(months) - 1
        start_i = 0 if rng.random() < existing_share else rng.randint(1, last)
        products = self._products(rng.choices((1, 2, 3, 4, 5, 6), (20, 30, 22, 14, 9, 5))[0])

        def record(on: date, amount: Decimal) -> None:
            listing = ", ".join(f"{hub} {edition}" for hub, edition in products)
            client.mrr.append(_MrrPlan(on, amount, len(products), listing))

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
                    mrr = max(mrr - revert[1], _money(mrr / 4, currency))
                    record(first, mrr)
                    revert = None
                continue
            roll = rng.random()
            if roll < 0.011:
                churn_i = i
                record(first, _ZERO.quantize(_CENT))
                break
            if roll < 0.011 + 0.06:
                delta = _money(mrr * Decimal(str(rng.uniform(0.15, 0.6))), currency)
                if delta <= 0:
                    continue
                mrr += delta
                sold = self._upsell(products)
                record(first, mrr)
                closed = first - timedelta(days=rng.randint(1, 25))
                deal = self._deal(client, owner, sold, delta, closed)
                reversed_on = closed + timedelta(days=rng.randint(14, 42))
                if rng.random() < 0.06 and reversed_on <= today:
                    deal.stage, deal.reversed_on = Deal.Stage.REVERSED, reversed_on
                    revert = (reversed_on, delta)
                client.deals.append(deal)
            elif roll < 0.011 + 0.06 + 0.035:
                mrr = _money(mrr * Decimal(str(rng.uniform(0.6, 0.9))), currency)
                self._downsell(products)
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
        missing = [hub for hub in _HUBS if hub not in {h for h, _ in products}]
        if rng.random() < 0.1:
            created = today - timedelta(days=rng.randint(30, HISTORY_MONTHS * 30))
            lost = self._deal(
                client,
                owner,
                f"{rng.choice(missing)} Pro" if missing else "expansion",
                _money(mrr * Decimal("0.3") + 10, currency),
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
                _money(mrr * Decimal("0.25") + 10, currency),
                created,
            )
            open_deal.stage = Deal.Stage.IN_FLIGHT if rng.random() < 0.6 else Deal.Stage.CREATED
            open_deal.created_on, open_deal.closed_on = created, None
            client.deals.append(open_deal)

        if churn_i is None and rng.random() < 0.6:
            self._renewal(client, mrr, client.mrr[-1].products)
        return client

    def _renewal(self, client: _ClientPlan, mrr: Decimal, products: str) -> None:
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
        client.renewal = _RenewalPlan(
            date=when,
            products=products,
            mrr_change=_money(mrr * Decimal(str(change)), client.currency),
            last_active_employee=self._person(),
            renewal_manager=rng.choice(_RENEWAL_MANAGERS),
            status=status,
        )

    def _co_manage(self, client: _ClientPlan, partner: int) -> None:
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

    def clients_plan(self, partners: list[_PartnerPlan]) -> list[_ClientPlan]:
        rng = self.rng
        clients: list[_ClientPlan] = []
        by_owner: dict[int, list[_ClientPlan]] = defaultdict(list)
        for index, partner in enumerate(partners):
            if index == 0:
                count, size, existing = 350, 0.55, 0.62
            elif index == 1:
                count, size, existing = 80, 0.3, 0.55
            else:
                _, _, (low, high), size = _PROFILES[partner.target]
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

    def plan(self) -> _Plan:
        partners = self.partners_plan()
        clients = self.clients_plan(partners)
        admin = _UserPlan("admin@example.com", "Program", "Admin", None, staff=True)
        plan = _Plan(self.today, self.months, list(_PDMS), partners, admin, clients)
        _Calibration(plan, self.rules).run(self.rng)
        return plan


# --- calibration --------------------------------------------------------------------------------


class _Calibration:
    """Scale each partner's MRR and deal amounts so its figures clear its profile's floors.

    Managed points are linear in every client's MRR and sold points in every deal's MRR, so the
    figures on a date are ``sum(k[owner] * contribution)``: the factors are solved per partner at
    both today and the last review date (Acme and Globex first: they only manage their own
    clients, so their factors are exact).
    """

    def __init__(self, plan: _Plan, rules: engine.Rules) -> None:
        self.plan = plan
        self.rules = rules
        self.days = [plan.today]
        last_review = rules.last_review_date(plan.today)
        if last_review is not None and last_review >= plan.months[0]:
            self.days.append(last_review)

    def _managed(self, on: date) -> dict[int, dict[int, Decimal]]:
        """contribution[partner][owner]: managed points of ``partner`` from ``owner``'s clients."""
        result: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for client in self.plan.clients:
            managers = client.managers_on(on)
            mrr = client.mrr_on(on) if managers else None
            if not mrr:
                continue
            for partner in managers:
                result[partner][client.owner] += engine.managed_points(
                    self.rules,
                    mrr=mrr,
                    currency=client.currency,
                    country=client.country,
                    on=on,
                    co_managers=len(managers),
                )
        return result

    def _sold(self, on: date) -> dict[int, Decimal]:
        result: dict[int, Decimal] = defaultdict(Decimal)
        for client in self.plan.clients:
            for deal in client.deals:
                if not deal.won or deal.closed_on is None:
                    continue
                expiry = engine.sold_expiry(deal.closed_on)
                if not deal.closed_on <= on < expiry:
                    continue
                if deal.reversed_on is not None and deal.reversed_on <= on:
                    continue
                result[deal.partner] += engine.sold_points(
                    self.rules,
                    mrr=deal.mrr,
                    currency=client.currency,
                    country=client.country,
                    deal_type=deal.deal_type,
                    closed_on=deal.closed_on,
                )
        return result

    def _factor(self, p: int, floor: Decimal, figures: dict[date, Decimal]) -> Decimal | None:
        """The smallest factor that brings ``p``'s figure up to ``floor`` on every day."""
        need = [floor / figures[d] for d in self.days if figures[d] > 0]
        return max(need) if need else None

    def run(self, rng: random.Random) -> None:
        partners = self.plan.partners
        count = len(partners)
        low, high = Decimal("0.3"), Decimal(6)

        # managed: the client's MRR (Acme and Globex first, then the others twice)
        managed = {d: self._managed(d) for d in self.days}
        k_managed = [_ONE] * count
        for p in [0, 1] + list(range(2, count)) * 2:
            need: list[Decimal] = []
            for d in self.days:
                own = managed[d][p][p]
                others = sum((k_managed[o] * v for o, v in managed[d][p].items() if o != p), _ZERO)
                if own > 0:
                    need.append((partners[p].managed_floor - others) / own)
            if need:
                k_managed[p] = min(max(max(need), low), high)

        # sold: a deal is worth at least part of the MRR it added; where the partner would then
        # earn far more sold points than its profile, some upgrades become self-serve (no deal)
        sold = {d: self._sold(d) for d in self.days}
        for p in range(count):
            k = self._factor(p, partners[p].sold_floor, {d: sold[d][p] for d in self.days})
            if k is not None and k < k_managed[p] * _PART_OF_UPGRADE:
                self._thin(p, float(k / k_managed[p] / _PART_OF_UPGRADE), rng)
        sold = {d: self._sold(d) for d in self.days}
        k_sold = [_ONE] * count
        for p in range(count):
            k = self._factor(p, partners[p].sold_floor, {d: sold[d][p] for d in self.days})
            k_sold[p] = k_managed[p] if k is None else min(max(k, low / 6), high * 3)

        for client in self.plan.clients:
            k = k_managed[client.owner]
            for record in client.mrr:
                record.mrr = _money(record.mrr * k, client.currency)
            if client.renewal is not None:
                client.renewal.mrr_change = _money(client.renewal.mrr_change * k, client.currency)
            for deal in client.deals:
                factor = k_sold[deal.partner] if deal.won else k
                deal.mrr = max(_money(deal.mrr * factor, client.currency), _ONE)

    def _thin(self, partner: int, keep: float, rng: random.Random) -> None:
        for client in self.plan.clients:
            client.deals = [
                d for d in client.deals if d.partner != partner or not d.won or rng.random() < keep
            ]


# --- writing ------------------------------------------------------------------------------------


def _created(model: type[models.Model], objs: list[Any], key: str) -> list[Any]:
    """bulk_create ``objs``; make sure each has its primary key (looked up by ``key`` if not)."""
    created = model._default_manager.bulk_create(objs, batch_size=BATCH)
    if any(o.pk is None for o in created):
        pks = dict(
            model._default_manager.filter(
                **{f"{key}__in": [getattr(o, key) for o in created]}
            ).values_list(key, "pk")
        )
        for o in created:
            o.pk = pks[getattr(o, key)]
    return created


def _recompute_dates(plan: _Plan, rules: engine.Rules) -> list[date]:
    """Every 1st and month end of the history, every review date in it, and today."""
    today, start = plan.today, plan.months[0]
    days = set(plan.months)
    days.update(m - timedelta(days=1) for m in plan.months[1:])
    day = start - timedelta(days=1)
    while True:
        try:
            day = rules.next_review_date(day)
        except engine.NoRuleInForce:
            break
        if day > today:
            break
        days.add(day)
    days.add(today)
    return sorted(d for d in days if start <= d <= today)


def _write(plan: _Plan, result: DemoResult) -> dict[int, Partner]:
    user_model = get_user_model()
    pdms = _created(
        PartnerManagerContact,
        [PartnerManagerContact(name=n, email=e, description=d) for n, e, d in plan.pdms],
        "email",
    )
    partners = _created(
        Partner,
        [
            Partner(
                name=p.name,
                external_id=f"PRT-{10001 + i}",
                country=p.country,
                payout_currency=p.payout_currency,
                certified_until=p.certified_until,
                pdm=pdms[p.pdm] if p.pdm is not None else None,
                elite_invited=p.elite_invited,
            )
            for i, p in enumerate(plan.partners)
        ],
        "name",
    )
    password = make_password(DEMO_PASSWORD)
    user_plans = [plan.admin] + [u for p in plan.partners for u in p.users]
    users = _created(
        user_model,
        [
            user_model(
                username=u.email,
                email=u.email,
                first_name=u.first_name,
                last_name=u.last_name,
                password=password,
                is_staff=u.staff,
                is_superuser=u.staff,
            )
            for u in user_plans
        ],
        "username",
    )
    user_by_email = {u.username: u for u in users}
    memberships = Membership.objects.bulk_create(
        [
            Membership(user=user_by_email[u.email], partner=partners[i], role=u.role)
            for i, p in enumerate(plan.partners)
            for u in p.users
            if u.role is not None
        ],
        batch_size=BATCH,
    )
    clients = _created(
        Client,
        [
            Client(name=c.name, domain=c.domain, country=c.country, currency=c.currency)
            for c in plan.clients
        ],
        "domain",
    )
    records: list[MrrRecord] = []
    deals: list[Deal] = []
    assignments: list[ManagedAssignment] = []
    renewals: list[Renewal] = []
    for client, cp in zip(clients, plan.clients, strict=True):
        records.extend(
            MrrRecord(
                client=client, date=r.date, mrr=r.mrr, tools_used=r.tools, products=r.products
            )
            for r in cp.mrr
        )
        deals.extend(
            Deal(
                partner=partners[d.partner],
                client=client,
                name=d.name,
                deal_type=d.deal_type,
                mrr=d.mrr,
                stage=d.stage,
                created_on=d.created_on,
                closed_on=d.closed_on,
                reversed_on=d.reversed_on,
                shared_selling=d.shared_selling,
            )
            for d in cp.deals
        )
        assignments.extend(
            ManagedAssignment(partner=partners[p], client=client, start=start, end=end)
            for p, start, end in cp.assignments
        )
        if cp.renewal is not None:
            r = cp.renewal
            renewals.append(
                Renewal(
                    client=client,
                    date=r.date,
                    products=r.products,
                    mrr_change=r.mrr_change,
                    last_active_employee=r.last_active_employee,
                    renewal_manager=r.renewal_manager,
                    status=r.status,
                )
            )
    deals.sort(key=lambda d: (d.created_on, d.client.domain, d.name))
    MrrRecord.objects.bulk_create(records, batch_size=BATCH)
    Deal.objects.bulk_create(deals, batch_size=BATCH)
    ManagedAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    Renewal.objects.bulk_create(renewals, batch_size=BATCH)
    result.pdms, result.partners, result.users = len(pdms), len(partners), len(users)
    result.memberships, result.clients = len(memberships), len(clients)
    result.mrr_records, result.deals = len(records), len(deals)
    result.assignments, result.renewals = len(assignments), len(renewals)
    return dict(enumerate(partners))


def _check_persona(partner: Partner, today: date, review: date | None, tier: str) -> None:
    for on in (today, review):
        if on is None:
            continue
        standing = TierStanding.objects.filter(partner=partner, date=on).select_related(
            "performance_tier", "credited_tier"
        )
        row = standing.first()
        got = (row.credited_tier.key, row.performance_tier.key) if row else None
        if got != (tier, tier):
            raise RuntimeError(
                f"demo data for {partner.name} is {got} on {on}, expected {tier}: "
                "check the rule tables (the seed assumes the program's default tiers)"
            )


def demo_seed(*, partners: int, seed: int, stdout: _Writer | None = None) -> DemoResult:
    """Write the demo data set: ``partners`` generated partners besides Acme and Globex.

    Deterministic for a given ``seed`` and today's date. Runs in one transaction.
    """
    if partners < 0:
        raise ValueError("partners must not be negative")
    started = time.perf_counter()
    today = timezone.localdate()
    rules = rules_load(use_cache=False)
    plan = _Generator(partners=partners, seed=seed, today=today, rules=rules).plan()
    result = DemoResult()
    usernames = [plan.admin.email] + [u.email for p in plan.partners for u in p.users]
    taken = sorted(
        get_user_model()
        ._default_manager.filter(username__in=usernames)
        .values_list("username", flat=True)
    )
    if taken:
        raise DemoSeedError(f"demo users already exist: {', '.join(taken[:5])}")

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    with transaction.atomic():
        written = _write(plan, result)
        say(
            f"Wrote {result.partners} partners, {result.clients} clients, {result.deals} deals, "
            f"{result.mrr_records} MRR records ({time.perf_counter() - started:.1f}s)."
        )
        days = _recompute_dates(plan, rules)
        for day in days:
            points_recompute(on=day)
        result.recompute_dates = len(days)
        say(f"Recomputed {len(days)} dates ({time.perf_counter() - started:.1f}s).")
        account_metrics_refresh(on=today, rules=rules)
        review = rules.last_review_date(today)
        review = review if review is not None and review >= plan.months[0] else None
        for index, profile in ((0, "platinum"), (1, "gold")):
            _check_persona(written[index], today, review, profile)
        result.ledger_entries = LedgerEntry.objects.count()
        result.snapshots = DailySnapshot.objects.count()
        result.standings = TierStanding.objects.count()
        result.tier_reviews = TierReview.objects.count()
        from demo.commissions import commissions_demo_seed

        result.commission_lines = commissions_demo_seed(today=today)
        say(f"Accrued {result.commission_lines} commission lines.")
    result.seconds = time.perf_counter() - started
    return result


# --- clearing -----------------------------------------------------------------------------------


def _wipe(model: type[models.Model]) -> None:
    queryset: QuerySet[Any] = model._default_manager.all()
    if type(queryset).delete is QuerySet.delete:
        queryset.delete()
    elif connection.vendor == "postgresql":
        # An append-only table (the ledger) refuses row deletes, on PostgreSQL with a trigger
        # (points migration 0004): emptying the whole table is the one sanctioned path.
        # Deferred foreign-key checks of rows written earlier in the same transaction must run
        # first: PostgreSQL does not truncate a table with pending trigger events.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE TABLE {connection.ops.quote_name(model._meta.db_table)}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        queryset._raw_delete(queryset.db)


def _wipe_protecting(model: type[models.Model], done: set[type[models.Model]]) -> None:
    """Clear any other table that protects rows of ``model`` from deletion."""
    for relation in model._meta.related_objects:
        related = relation.related_model
        if (
            isinstance(related, type)
            and issubclass(related, models.Model)
            and getattr(relation, "on_delete", None) is models.PROTECT
            and related not in done
        ):
            _wipe_protecting(related, done)
            _wipe(related)
            done.add(related)


def demo_clear() -> None:
    """Remove every partner, client, user and everything derived from them.

    The rule tables (FX rates, markets, point rates, tiers, requirements, review dates) stay.
    """
    user_model = get_user_model()
    ordered: list[type[models.Model]] = [
        LedgerEntry,
        PairBalance,
        CommissionLine,
        CommissionPayment,
        TierReviewResult,
        TierReview,
        TierStanding,
        DailySnapshot,
        Renewal,
        MrrRecord,
        ManagedAssignment,
        Deal,
        Membership,
    ]
    with transaction.atomic():
        done: set[type[models.Model]] = set()
        for model in ordered:
            _wipe(model)
            done.add(model)
        for model in (Client, Partner, user_model):
            _wipe_protecting(model, done)
            _wipe(model)
            done.add(model)
        _wipe(PartnerManagerContact)


def demo_data_exists() -> bool:
    return Partner.objects.exists() or Client.objects.exists()


def demo_highlights(*, on: date | None = None) -> dict[str, StandingSummary]:
    """Acme's and Globex's standing today, for the command's summary."""
    day = on or timezone.localdate()
    return {
        p.name: standing_summary(partner=p, on=day)
        for p in Partner.objects.filter(name__in=[ACME, GLOBEX]).order_by("name")
    }
