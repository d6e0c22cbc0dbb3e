"""``demo_seed``: plan the demo data set, write it and replay the nightly recompute over its
history; and the figures of the personas that ``seed_demo`` prints."""

from __future__ import annotations

import random
import time
from datetime import date
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clients.metrics import account_metrics_refresh
from clients.models import Client
from demo.seed.calibration import Calibration
from demo.seed.clients import ClientsPlanner
from demo.seed.commissions import commissions_demo_seed
from demo.seed.partners import partners_plan
from demo.seed.plans import Plan, UserPlan
from demo.seed.reference import ACME, GLOBEX, HISTORY_MONTHS, PDMS
from demo.seed.standings import persona_check, recompute_dates
from demo.seed.writing import DemoResult, plan_write
from partners.models import Partner
from points.models import DailySnapshot, LedgerEntry
from program import engine
from program.rules import rules_load
from recompute.services import points_recompute
from tiers.models import TierReview, TierStanding
from tiers.selectors import StandingSummary, standing_summary


class _Writer(Protocol):
    """Where progress is reported: a management command's ``stdout``."""

    def write(self, msg: str, /) -> Any: ...


class DemoSeedError(Exception):
    """The demo data cannot be written into this database as it is."""


def demo_plan(*, partners: int, seed: int, today: date, rules: engine.Rules) -> Plan:
    """The demo data set in memory, calibrated: drawn from one ``random.Random(seed)``."""
    rng = random.Random(seed)
    first = today.replace(day=1)
    months = [engine.add_months(first, k) for k in range(-HISTORY_MONTHS, 1)]
    partner_plans = partners_plan(rng, partners=partners, today=today)
    planner = ClientsPlanner(rng, today=today, months=months, rules=rules)
    clients = planner.clients_plan(partner_plans)
    admin = UserPlan("admin@example.com", "Program", "Admin", None, staff=True)
    plan = Plan(today, months, list(PDMS), partner_plans, admin, clients)
    Calibration(plan, rules).run(rng)
    return plan


def demo_seed(*, partners: int, seed: int, stdout: _Writer | None = None) -> DemoResult:
    """Write the demo data set: ``partners`` generated partners besides Acme and Globex.

    Deterministic for a given ``seed`` and today's date. Runs in one transaction.
    """
    if partners < 0:
        raise ValueError("partners must not be negative")
    started = time.perf_counter()
    today = timezone.localdate()
    rules = rules_load(use_cache=False)
    plan = demo_plan(partners=partners, seed=seed, today=today, rules=rules)
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
        written = plan_write(plan, result)
        say(
            f"Wrote {result.partners} partners, {result.clients} clients, {result.deals} deals, "
            f"{result.mrr_records} MRR records ({time.perf_counter() - started:.1f}s)."
        )
        days = recompute_dates(plan, rules)
        for day in days:
            points_recompute(on=day)
        result.recompute_dates = len(days)
        say(f"Recomputed {len(days)} dates ({time.perf_counter() - started:.1f}s).")
        account_metrics_refresh(on=today, rules=rules)
        review = rules.last_review_date(today)
        review = review if review is not None and review >= plan.months[0] else None
        for index, profile in ((0, "platinum"), (1, "gold")):
            persona_check(written[index], today, review, profile)
        result.ledger_entries = LedgerEntry.objects.count()
        result.snapshots = DailySnapshot.objects.count()
        result.standings = TierStanding.objects.count()
        result.tier_reviews = TierReview.objects.count()
        result.commission_lines = commissions_demo_seed(today=today)
        say(f"Accrued {result.commission_lines} commission lines.")
    result.seconds = time.perf_counter() - started
    return result


def demo_data_exists() -> bool:
    """Whether the database has any partner or client."""
    return Partner.objects.exists() or Client.objects.exists()


def demo_highlights(*, on: date | None = None) -> dict[str, StandingSummary]:
    """Acme's and Globex's standing today, for the command's summary."""
    day = on or timezone.localdate()
    return {
        p.name: standing_summary(partner=p, on=day)
        for p in Partner.objects.filter(name__in=[ACME, GLOBEX]).order_by("name")
    }
