"""Calibration of the planned demo data: MRR and deal amounts scaled per partner so that each
partner's sold and managed points clear the floors of its target tier, today and at the last
tier review."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from decimal import Decimal

from demo.seed.plans import ONE, ZERO, Plan, money
from program import engine

_PART_OF_UPGRADE = Decimal("0.6")


class Calibration:
    """Scale each partner's MRR and deal amounts so its figures clear its profile's floors.

    Managed points are linear in every client's MRR and sold points in every deal's MRR, so the
    figures on a date are ``sum(k[owner] * contribution)``: the factors are solved per partner at
    both today and the last review date (Acme and Globex first: they only manage their own
    clients, so their factors are exact).
    """

    def __init__(self, plan: Plan, rules: engine.Rules) -> None:
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
        k_managed = [ONE] * count
        for p in [0, 1] + list(range(2, count)) * 2:
            need: list[Decimal] = []
            for d in self.days:
                own = managed[d][p][p]
                others = sum((k_managed[o] * v for o, v in managed[d][p].items() if o != p), ZERO)
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
        k_sold = [ONE] * count
        for p in range(count):
            k = self._factor(p, partners[p].sold_floor, {d: sold[d][p] for d in self.days})
            k_sold[p] = k_managed[p] if k is None else min(max(k, low / 6), high * 3)

        for client in self.plan.clients:
            k = k_managed[client.owner]
            for record in client.mrr:
                record.mrr = money(record.mrr * k, client.currency)
            if client.renewal is not None:
                client.renewal.mrr_change = money(client.renewal.mrr_change * k, client.currency)
            for deal in client.deals:
                factor = k_sold[deal.partner] if deal.won else k
                deal.mrr = max(money(deal.mrr * factor, client.currency), ONE)

    def _thin(self, partner: int, keep: float, rng: random.Random) -> None:
        for client in self.plan.clients:
            client.deals = [
                d for d in client.deals if d.partner != partner or not d.won or rng.random() < keep
            ]
