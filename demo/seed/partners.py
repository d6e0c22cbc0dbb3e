"""The demo partners and their users: Acme and Globex (the personas of the demo logins) and the
generated agencies, each with a target tier whose floors the calibration makes it clear."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils.text import slugify

from demo.seed.plans import PartnerPlan, UserPlan
from demo.seed.reference import (
    ACME,
    AGENCIES,
    AGENCY_PREFIXES,
    AGENCY_SUFFIXES,
    ALL_COUNTRIES,
    CURRENCY_OF,
    FIRST_NAMES,
    GLOBEX,
    LAST_NAMES,
    PDMS,
    PROFILES,
    TARGET_CYCLE,
)
from partners.models import Membership
from program import engine


def _jitter(rng: random.Random, floor: int, most: float) -> Decimal:
    return Decimal(str(round(floor * rng.uniform(1, most), 2)))


def partners_plan(rng: random.Random, *, partners: int, today: date) -> list[PartnerPlan]:
    """Acme, Globex and ``partners`` generated agencies (the first ones cover every tier)."""
    acme = PartnerPlan(
        name=ACME,
        country="US",
        payout_currency="USD",
        certified_until=engine.add_months(today, 9),
        pdm=0,
        elite_invited=False,
        target="platinum",
        sold_floor=_jitter(rng, 1000, 1.15),
        managed_floor=_jitter(rng, 1400, 1.2),
        users=[
            UserPlan("alice@acme.example", "Alice", "Anderson", Membership.Role.SUPER_ADMIN),
            UserPlan("bob@acme.example", "Bob", "Baker", Membership.Role.USER),
        ],
    )
    globex = PartnerPlan(
        name=GLOBEX,
        country="BR",
        payout_currency="USD",
        certified_until=engine.add_months(today, 5),
        pdm=1,
        elite_invited=False,
        target="gold",
        sold_floor=_jitter(rng, 160, 1.3),
        managed_floor=_jitter(rng, 420, 1.25),
        users=[UserPlan("carol@globex.example", "Carol", "Costa", Membership.Role.SUPER_ADMIN)],
    )
    plans = [acme, globex]
    used_names = {ACME, GLOBEX}
    for i in range(partners):
        if i < len(AGENCIES):
            name, country = AGENCIES[i]
        else:
            country = rng.choice(ALL_COUNTRIES)
            name = f"{rng.choice(AGENCY_PREFIXES)} {rng.choice(AGENCY_SUFFIXES)}"
            base, n = name, 2
            while name in used_names:
                name, n = f"{base} {n}", n + 1
        used_names.add(name)
        target = TARGET_CYCLE[i % len(TARGET_CYCLE)]
        sold_floor, managed_floor, _, _ = PROFILES[target]
        if i % 11 == 6:  # certification lapsed a few months ago
            certified_until: date | None = today - timedelta(days=rng.randint(20, 150))
        elif i % 11 == 10:  # never certified
            certified_until = None
        else:
            certified_until = today + timedelta(days=rng.randint(45, 600))
        slug = slugify(name)
        firsts = rng.sample(FIRST_NAMES, k=2)
        users = [
            UserPlan(
                f"{slugify(firsts[0])}@{slug}.example",
                firsts[0],
                rng.choice(LAST_NAMES),
                Membership.Role.SUPER_ADMIN,
            )
        ]
        if rng.random() < 0.6:
            users.append(
                UserPlan(
                    f"{slugify(firsts[1])}@{slug}.example",
                    firsts[1],
                    rng.choice(LAST_NAMES),
                    Membership.Role.USER,
                )
            )
        plans.append(
            PartnerPlan(
                name=name,
                country=country,
                payout_currency=CURRENCY_OF.get(country, "USD"),
                certified_until=certified_until,
                pdm=None if rng.random() < 0.15 else rng.randrange(len(PDMS)),
                elite_invited=i in (3, 9),
                target=target,
                sold_floor=_jitter(rng, sold_floor, 1.3),
                managed_floor=_jitter(rng, managed_floor, 1.25),
                users=users,
            )
        )
    return plans
