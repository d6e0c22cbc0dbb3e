"""Rule changes: draft rule rows, the simulation of a draft, and publishing it.

Every rule row (FX rate, growth market, point rate, tier requirement) is a draft or published.
The program (``program.rules.rules_load``) only sees published rows; the rule-change preview
builds the rules a second time with the drafts added and compares each partner's performance
tier under both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Model

from core.audit import acting_as, save_each
from partners.models import Partner
from points.ledger import managed_targets
from points.selectors import balances_on
from program import engine
from program.models import FxRate, GrowthMarket, PointRate, RuleStatus, TierRequirement
from program.rules import rules_cache_clear, rules_from_tables
from tiers.services import performance_tiers

DRAFTABLE: tuple[type[Model], ...] = (FxRate, GrowthMarket, PointRate, TierRequirement)


@dataclass(frozen=True)
class DraftRow:
    """One draft rule row, for the preview page."""

    table: str
    row: Model
    effective_from: date


def drafts_list() -> list[DraftRow]:
    """Every draft rule row, by table and effective date."""
    rows: list[DraftRow] = []
    for model in DRAFTABLE:
        queryset = model._default_manager.filter(status=RuleStatus.DRAFT)
        if model is TierRequirement:
            queryset = queryset.select_related("tier")
        rows.extend(
            DraftRow(str(model._meta.verbose_name_plural).capitalize(), row, row.effective_from)  # type: ignore[attr-defined]
            for row in queryset.order_by("effective_from", "pk")
        )
    return rows


@dataclass(frozen=True)
class SimulatedPartner:
    """A partner's figures and performance tier under the published rules and with the drafts."""

    partner_id: int
    name: str
    sold: Decimal
    managed_published: Decimal
    managed_draft: Decimal
    tier_published: engine.TierRule
    tier_draft: engine.TierRule

    @property
    def total_published(self) -> Decimal:
        return self.sold + self.managed_published

    @property
    def total_draft(self) -> Decimal:
        return self.sold + self.managed_draft

    @property
    def movement(self) -> str:
        if self.tier_draft.rank > self.tier_published.rank:
            return "up"
        if self.tier_draft.rank < self.tier_published.rank:
            return "down"
        return "same"


@dataclass(frozen=True)
class Simulation:
    """What publishing the drafts would do to every partner's performance tier on ``on``."""

    on: date
    drafts: list[DraftRow]
    partners: list[SimulatedPartner]

    @property
    def moved_up(self) -> int:
        return sum(1 for p in self.partners if p.movement == "up")

    @property
    def moved_down(self) -> int:
        return sum(1 for p in self.partners if p.movement == "down")

    @property
    def unchanged(self) -> int:
        return sum(1 for p in self.partners if p.movement == "same")


def _managed_by_partner(targets: dict[tuple[int, int], Decimal]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for (partner_id, _client_id), points in targets.items():
        totals[partner_id] = totals.get(partner_id, Decimal(0)) + points
    return totals


def rules_simulate(*, on: date) -> Simulation:
    """Each partner's performance tier on ``on`` under the published rules and with the drafts.

    Sold points are the ledger's on ``on``: a sold gain keeps the rate of its close date, so a
    draft changes sold points only for deals won later. Managed points are a current figure,
    so they are recomputed under each set of rules from today's MRR and assignments (what the
    recompute would write). Certification, invitation and C$R come from the partner, as in the
    recompute. Raises ``engine.RuleError`` when the rules cannot be applied (e.g. a client's
    currency has no rate in force).
    """
    published = rules_from_tables(include_drafts=False)
    drafted = rules_from_tables(include_drafts=True)
    names = dict(Partner.objects.order_by("name").values_list("pk", "name"))
    ids = list(names)
    ledger = balances_on(on=on, partner_ids=ids)
    sold = {pid: ledger[pid][engine.SOLD] for pid in ids}
    managed = {
        "published": _managed_by_partner(managed_targets(on=on, rules=published)),
        "draft": _managed_by_partner(managed_targets(on=on, rules=drafted)),
    }
    tiers = {}
    for label, rules in (("published", published), ("draft", drafted)):
        figures = {
            pid: {engine.SOLD: sold[pid], engine.MANAGED: managed[label].get(pid, Decimal(0))}
            for pid in ids
        }
        tiers[label] = performance_tiers(on=on, rules=rules, balances=figures, partner_ids=ids)
    partners = [
        SimulatedPartner(
            partner_id=pid,
            name=names[pid],
            sold=sold[pid],
            managed_published=managed["published"].get(pid, Decimal(0)),
            managed_draft=managed["draft"].get(pid, Decimal(0)),
            tier_published=tiers["published"][pid],
            tier_draft=tiers["draft"][pid],
        )
        for pid in ids
    ]
    order = {"up": 0, "down": 1, "same": 2}
    partners.sort(key=lambda p: order[p.movement])
    return Simulation(on=on, drafts=drafts_list(), partners=partners)


def rules_publish(*, by: AbstractBaseUser | None = None) -> int:
    """Publish every draft rule row; each applies from its own effective date.

    Each row is saved on its own, so that the audit log records who published which row:
    ``by`` (without it, the signed-in user). Clears the cached rules so that the next
    recompute (and every page) uses them. Returns the number of rows published.
    """
    with transaction.atomic(), acting_as(by):
        published = sum(
            save_each(
                model._default_manager.filter(status=RuleStatus.DRAFT),
                status=RuleStatus.PUBLISHED,
            )
            for model in DRAFTABLE
        )
        transaction.on_commit(rules_cache_clear)
    rules_cache_clear()
    return published
