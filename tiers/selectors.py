"""Reads of tier standings: the standing summary, the tier table, insights, progress over time
and the classic (MRR) standing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from clients.models import Deal, ManagedAssignment, MrrRecord
from clients.selectors import csr_average_12m
from core import figures
from partners.models import Partner
from points.models import DailySnapshot
from points.selectors import active_sold_gains
from program import engine
from program.rules import rules_load
from tiers.models import TierStanding


@dataclass(frozen=True)
class StandingSummary:
    """A partner's standing as of its latest recompute, figures as shown (PROGRAM.md §8a):
    sold and managed rounded half-up to 2 places, ``total`` the sum of those two, and what the
    next tier needs computed from them."""

    as_of: date | None
    credited_tier: str
    performance_tier: str
    sold: Decimal
    managed: Decimal
    total: Decimal
    next_tier: str | None
    needs_for_next: engine.Needs | None
    certified_until: date | None


def standing_summary(*, partner: Partner, on: date) -> StandingSummary:
    """The latest standing on or before ``on`` and what the next tier up still needs."""
    rules = rules_load()
    tiers = rules.tiers_on(on)
    standing = (
        TierStanding.objects.filter(partner=partner, date__lte=on)
        .select_related("performance_tier", "credited_tier")
        .order_by("-date")
        .first()
    )
    if standing is None:
        sold = managed = Decimal(0)
        credited = performance = tiers[0].name
        performance_rank = 0
        as_of = None
    else:
        sold, managed = standing.sold, standing.managed
        credited, performance = standing.credited_tier.name, standing.performance_tier.name
        performance_rank = standing.performance_tier.rank
        as_of = standing.date
    next_tier = next((t for t in tiers if t.rank > performance_rank), None)
    shown = figures.points_pair(sold, managed)
    return StandingSummary(
        as_of=as_of,
        credited_tier=credited,
        performance_tier=performance,
        sold=shown.sold,
        managed=shown.managed,
        total=shown.total,
        next_tier=next_tier.name if next_tier else None,
        needs_for_next=None if next_tier is None else shown_needs(next_tier, summary=shown),
        certified_until=partner.certified_until,
    )


def shown_needs(
    tier: engine.TierRule, *, summary: figures.PointsPair | StandingSummary
) -> engine.Needs:
    """What ``tier`` still needs beyond the figures as shown (§8a: a partner shown 500.00 total
    points meets a requirement of 500), each need as shown."""
    raw = engine.needs_for(tier, sold=summary.sold, managed=summary.managed)
    return engine.Needs(
        figures.shown(raw.total), figures.shown(raw.sold), figures.shown(raw.managed)
    )


@dataclass(frozen=True)
class TierRow:
    """One tier's requirements beside the partner's figures."""

    name: str
    total_points: Decimal
    sold_min: Decimal
    managed_min: Decimal
    needs: engine.Needs
    reached: bool
    is_credited: bool
    is_performance: bool
    by_invitation: bool


def tier_table(*, summary: StandingSummary, rules: engine.Rules, on: date) -> list[TierRow]:
    """Every tier above the floor with what the partner still needs for it."""
    rows = []
    for tier in rules.tiers_on(on)[1:]:
        needs = shown_needs(tier, summary=summary)
        rows.append(
            TierRow(
                name=tier.name,
                total_points=tier.total_points,
                sold_min=tier.sold_min,
                managed_min=tier.managed_min,
                needs=needs,
                reached=not (needs.total or needs.sold or needs.managed),
                is_credited=tier.name == summary.credited_tier,
                is_performance=tier.name == summary.performance_tier,
                by_invitation=tier.by_invitation,
            )
        )
    return rows


# --- the Tier Points view (T2-T4, T7) -------------------------------------------------------


@dataclass(frozen=True)
class Insights:
    """Tier insights (PROGRAM.md §7): maintain, move up, expiring before the review, projection."""

    credited_tier: str
    maintain: engine.Needs | None
    next_tier: str | None
    move_up: engine.Needs | None
    review_on: date
    expiring_sold: Decimal
    projected_sold: Decimal
    projected_managed: Decimal
    projected_tier: str


def tier_insights(
    *,
    partner: Partner,
    summary: StandingSummary,
    rules: engine.Rules,
    on: date,
    gains: list[engine.SoldGain] | None = None,
) -> Insights:
    """What keeps the credited tier, what the next tier needs, and the next review's outlook.

    ``gains`` passes in ``active_sold_gains`` already read for ``on``. The projection is made
    of figures as shown (§8a): the sold points shown today less the sold points shown as
    expiring, and the projected tier compares those with the requirements.
    """
    credited = next((t for t in rules.tiers_on(on) if t.name == summary.credited_tier), None)
    maintain = None
    if credited is not None and credited.rank > 0:
        maintain = shown_needs(credited, summary=summary)
    if gains is None:
        gains = active_sold_gains(partner=partner, on=on)
    review_on = rules.next_review_date(on)
    expiring = figures.shown(engine.sold_expiring_before(gains, on=on, before=review_on))
    projected = {
        "on": on,
        "sold": max(summary.sold - expiring, Decimal(0)),
        "managed": summary.managed,
        "gains": (),  # already taken off, as shown
        "certified_until": partner.certified_until,
        "invited": partner.elite_invited,
    }
    projection = engine.project_next_review(rules, csr=None, **projected)  # type: ignore[arg-type]
    best_case = engine.project_next_review(rules, csr=Decimal(1), **projected)  # type: ignore[arg-type]
    if best_case.tier.rank > projection.tier.rank:
        csr = csr_average_12m(partner=partner, on=on, rules=rules)
        projection = engine.project_next_review(rules, csr=csr, **projected)  # type: ignore[arg-type]
    return Insights(
        credited_tier=summary.credited_tier,
        maintain=maintain,
        next_tier=summary.next_tier,
        move_up=summary.needs_for_next,
        review_on=projection.review_on,
        expiring_sold=expiring,
        projected_sold=figures.shown(projection.sold),
        projected_managed=figures.shown(projection.managed),
        projected_tier=projection.tier.name,
    )


@dataclass(frozen=True)
class MonthFigures:
    """A partner's points at the end of a month (or at its last snapshot in that month), as
    shown: ``total`` is the sum of ``sold`` and ``managed`` as shown."""

    day: date
    sold: Decimal
    managed: Decimal
    total: Decimal

    @classmethod
    def shown(cls, day: date, sold: Decimal, managed: Decimal) -> MonthFigures:
        pair = figures.points_pair(sold, managed)
        return cls(day, pair.sold, pair.managed, pair.total)


def progress_over_time(
    *,
    partner: Partner,
    on: date,
    months: int = 12,
    gains: list[engine.SoldGain] | None = None,
) -> tuple[list[MonthFigures], list[MonthFigures]]:
    """The last daily snapshot of each of the last ``months`` months, then a 3-month projection.

    The projection starts from the latest snapshot and applies only scheduled sold expiries.
    ``gains`` passes in ``active_sold_gains`` already read for ``on``.
    """
    since = engine.add_months(on.replace(day=1), -(months - 1))
    last_of_month: dict[tuple[int, int], MonthFigures] = {}
    for day, sold, managed in (
        DailySnapshot.objects.filter(partner=partner, date__gte=since, date__lte=on)
        .order_by("date")
        .values_list("date", "sold", "managed")
    ):
        last_of_month[(day.year, day.month)] = MonthFigures.shown(day, sold, managed)
    actual = [last_of_month[key] for key in sorted(last_of_month)]
    if not actual:
        return [], []
    latest = actual[-1]
    projected = [
        MonthFigures.shown(day, sold, managed)
        for day, sold, managed, _total in engine.monthly_projection(
            on=latest.day,
            sold=latest.sold,
            managed=latest.managed,
            gains=gains
            if gains is not None and latest.day == on
            else active_sold_gains(partner=partner, on=latest.day),
        )
    ]
    return actual, projected


# --- the classic Tier page: MRR against the thresholds --------------------------------------


@dataclass(frozen=True)
class ClassicTierRow:
    """A tier's thresholds as the US$ MRR that earns them (sourced rate, multiplier 1)."""

    tier: TierRow
    sold_mrr: Decimal
    managed_mrr: Decimal
    total_as_sold_mrr: Decimal
    total_as_managed_mrr: Decimal


@dataclass(frozen=True)
class ClassicStanding:
    sold_mrr: Decimal
    managed_mrr: Decimal
    sourced_rate: Decimal
    managed_rate: Decimal
    rows: list[ClassicTierRow]


def classic_standing(
    *, partner: Partner, summary: StandingSummary, rules: engine.Rules, on: date
) -> ClassicStanding:
    """The partner's sold and managed US$ MRR beside each tier's thresholds in MRR.

    Sold MRR: deals won in the last 12 months and not reversed by ``on``. Managed MRR: this
    partner's share (split evenly among co-managers) of its managed clients' current MRR.
    """
    sold_mrr = sum(
        (
            rules.usd(mrr, currency, closed_on)
            for mrr, currency, closed_on in Deal.objects.filter(partner=partner)
            .won_in_12_months_to(on)
            .order_by()
            .values_list("mrr", "client__currency", "closed_on")
            if closed_on is not None
        ),
        Decimal(0),
    )
    active = ManagedAssignment.objects.active_on(on)
    co_managers = ManagedAssignment.objects.co_managers_on(on)
    latest = MrrRecord.objects.filter(client_id=OuterRef("client_id"), date__lte=on).order_by(
        "-date"
    )
    managed_mrr = sum(
        (
            rules.usd(mrr, currency, on) / n
            for currency, n, mrr in active.filter(partner=partner)
            .annotate(n=Subquery(co_managers), current_mrr=Subquery(latest.values("mrr")[:1]))
            .values_list("client__currency", "n", "current_mrr")
            if mrr is not None and n
        ),
        Decimal(0),
    )
    hundred = Decimal(100)
    sourced_rate = rules.sold_rate(engine.SOURCED, on)
    managed_rate = rules.managed_rate(on)

    def mrr_for(points: Decimal, rate: Decimal) -> Decimal:
        return engine.round_half_up(points * hundred / rate) if rate else Decimal(0)

    rows = [
        ClassicTierRow(
            tier=row,
            sold_mrr=mrr_for(row.sold_min, sourced_rate),
            managed_mrr=mrr_for(row.managed_min, managed_rate),
            total_as_sold_mrr=mrr_for(row.total_points, sourced_rate),
            total_as_managed_mrr=mrr_for(row.total_points, managed_rate),
        )
        for row in tier_table(summary=summary, rules=rules, on=on)
    ]
    return ClassicStanding(
        sold_mrr=engine.round_half_up(sold_mrr),
        managed_mrr=engine.round_half_up(managed_mrr),
        sourced_rate=sourced_rate,
        managed_rate=managed_rate,
        rows=rows,
    )
