"""The demo data set as planned in memory, before anything is written: partners and their
users, clients with their MRR history, deals, managed assignments and renewal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from clients.models import Deal

ZERO = Decimal(0)
CENT = Decimal("0.01")
ONE = Decimal(1)


@dataclass
class UserPlan:
    email: str
    first_name: str
    last_name: str
    role: str | None  # None: no membership
    staff: bool = False


@dataclass
class PartnerPlan:
    name: str
    country: str
    payout_currency: str
    certified_until: date | None
    pdm: int | None
    elite_invited: bool
    target: str
    sold_floor: Decimal
    managed_floor: Decimal
    users: list[UserPlan] = field(default_factory=list)


@dataclass
class DealPlan:
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
class MrrPlan:
    date: date
    mrr: Decimal
    tools: int
    products: str


@dataclass
class RenewalPlan:
    date: date
    products: str
    mrr_change: Decimal
    last_active_employee: str
    renewal_manager: str
    status: str


@dataclass
class ClientPlan:
    owner: int
    name: str
    domain: str
    country: str
    currency: str
    mrr: list[MrrPlan] = field(default_factory=list)
    deals: list[DealPlan] = field(default_factory=list)
    assignments: list[tuple[int, date, date | None]] = field(default_factory=list)
    renewal: RenewalPlan | None = None

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
class Plan:
    today: date
    months: list[date]
    pdms: list[tuple[str, str, str]]
    partners: list[PartnerPlan]
    admin: UserPlan
    clients: list[ClientPlan]


def money(value: Decimal | float, currency: str) -> Decimal:
    """A plausible price: whole units (thousands for COP); a positive amount stays positive."""
    amount = Decimal(str(value))
    unit = Decimal(1000) if currency == "COP" else ONE
    rounded = (amount / unit).quantize(ONE, ROUND_HALF_UP) * unit
    if amount > 0 and rounded <= 0:
        rounded = unit
    return rounded.quantize(CENT)
