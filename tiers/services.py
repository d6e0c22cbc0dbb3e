"""Writes of tier standings and tier reviews (PROGRAM.md §7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from clients.selectors import csr_average_12m
from core.audit import acting_as, save_each
from core.figures import shown
from partners.models import Partner
from points.selectors import balances_on
from program import engine
from program.dates import RecomputeDateError, recompute_date_check
from program.models import Tier
from program.rules import rules_load
from tiers.models import TierReview, TierReviewResult, TierStanding

SOLD, MANAGED = engine.SOLD, engine.MANAGED


def performance_tiers(
    *,
    on: date,
    rules: engine.Rules,
    balances: dict[int, dict[str, Decimal]],
    partner_ids: list[int],
) -> dict[int, engine.TierRule]:
    """Each partner's performance tier on ``on``.

    The requirements are compared with the figures as shown (PROGRAM.md §8a): a partner shown
    500.00 total points (sold and managed each rounded half-up to 2 places, then added) meets
    a requirement of 500. C$R is only computed for the few partners whose points,
    certification and invitation would reach a tier that asks for it.
    """
    partners = Partner.objects.in_bulk(partner_ids)
    result: dict[int, engine.TierRule] = {}
    for partner_id in partner_ids:
        partner = partners[partner_id]
        figures = {
            "sold": shown(balances[partner_id][SOLD]),
            "managed": shown(balances[partner_id][MANAGED]),
            "certified": partner.is_certified_on(on),
            "invited": partner.elite_invited,
        }
        tier = engine.performance_tier(rules, on, csr=None, **figures)  # type: ignore[arg-type]
        best_case = engine.performance_tier(rules, on, csr=Decimal(1), **figures)  # type: ignore[arg-type]
        if best_case.rank > tier.rank:
            csr = csr_average_12m(partner=partner, on=on, rules=rules)
            tier = engine.performance_tier(rules, on, csr=csr, **figures)  # type: ignore[arg-type]
        result[partner_id] = tier
    return result


def credited_tier_ids(*, on: date, partner_ids: list[int], floor_id: int) -> dict[int, int]:
    """The tier each partner was credited at the latest review on or before ``on``."""
    review = TierReview.objects.filter(date__lte=on).order_by("-date").first()
    credited = dict.fromkeys(partner_ids, floor_id)
    if review is not None:
        credited.update(
            TierReviewResult.objects.filter(review=review, partner_id__in=partner_ids).values_list(
                "partner_id", "tier_id"
            )
        )
    return credited


def tier_review_run(
    *,
    on: date,
    performance: dict[int, engine.TierRule],
    balances: dict[int, dict[str, Decimal]],
    run_by: AbstractBaseUser | None = None,
) -> int:
    """Record the review of ``on``: each partner is credited its performance tier that day.

    A partner already reviewed that day keeps its result, so re-running writes nothing.
    """
    tier_ids = dict(Tier.objects.values_list("key", "pk"))
    floor_id = Tier.objects.order_by("rank").values_list("pk", flat=True)[0]
    previous = credited_tier_ids(
        on=date.fromordinal(on.toordinal() - 1), partner_ids=list(performance), floor_id=floor_id
    )
    review, _ = TierReview.objects.get_or_create(date=on, defaults={"run_by": run_by})
    done = set(
        TierReviewResult.objects.filter(
            review=review, partner_id__in=list(performance)
        ).values_list("partner_id", flat=True)
    )
    results = [
        TierReviewResult(
            review=review,
            partner_id=partner_id,
            tier_id=tier_ids[tier.key],
            previous_tier_id=previous[partner_id],
            sold=balances[partner_id][SOLD],
            managed=balances[partner_id][MANAGED],
        )
        for partner_id, tier in performance.items()
        if partner_id not in done
    ]
    TierReviewResult.objects.bulk_create(results, batch_size=2000)
    return len(results)


def tier_standings_write(
    *,
    on: date,
    rules: engine.Rules,
    balances: dict[int, dict[str, Decimal]],
    partner_ids: list[int],
) -> tuple[int, int]:
    """Upsert every partner's standing for ``on``; on a review date, run the review first.

    Returns (standings written, review results written); unchanged standings are not written.
    """
    performance = performance_tiers(on=on, rules=rules, balances=balances, partner_ids=partner_ids)
    review_results = 0
    if rules.is_review_date(on):
        review_results = tier_review_run(on=on, performance=performance, balances=balances)
    tier_ids = dict(Tier.objects.values_list("key", "pk"))
    floor_id = tier_ids[rules.tiers_on(on)[0].key]
    credited = credited_tier_ids(on=on, partner_ids=partner_ids, floor_id=floor_id)
    existing = {
        s.partner_id: s for s in TierStanding.objects.filter(date=on, partner_id__in=partner_ids)
    }
    new, changed = [], []
    for partner_id in partner_ids:
        sold, managed = balances[partner_id][SOLD], balances[partner_id][MANAGED]
        values = {
            "sold": sold,
            "managed": managed,
            "total": sold + managed,
            "performance_tier_id": tier_ids[performance[partner_id].key],
            "credited_tier_id": credited[partner_id],
        }
        standing = existing.get(partner_id)
        if standing is None:
            new.append(TierStanding(partner_id=partner_id, date=on, **values))
        elif any(getattr(standing, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(standing, name, value)
            changed.append(standing)
    TierStanding.objects.bulk_create(new, batch_size=2000)
    TierStanding.objects.bulk_update(
        changed,
        ["sold", "managed", "total", "performance_tier_id", "credited_tier_id"],
        batch_size=2000,
    )
    return len(new) + len(changed), review_results


@dataclass(frozen=True)
class ReviewChange:
    """A partner whose credited tier a review would change."""

    partner_id: int
    partner_name: str
    from_tier: str
    from_rank: int
    to_tier: str
    to_rank: int
    sold: Decimal
    managed: Decimal

    @property
    def total(self) -> Decimal:
        return self.sold + self.managed

    @property
    def moves_up(self) -> bool:
        return self.to_rank > self.from_rank


@dataclass(frozen=True)
class ReviewPreview:
    """What running the review of ``on`` would record."""

    on: date
    partners_to_review: int
    already_reviewed: int
    changes: list[ReviewChange]

    @property
    def moving_up(self) -> int:
        return sum(1 for c in self.changes if c.moves_up)

    @property
    def moving_down(self) -> int:
        return sum(1 for c in self.changes if not c.moves_up)


class ReviewDateError(ValueError):
    """A review cannot be run for that date: a future day (its standings do not exist yet, so
    no credited tier can be set from them) or a day before the program's rules are in force."""


def _review_inputs(
    *, on: date
) -> tuple[engine.Rules, dict[int, dict[str, Decimal]], dict[int, engine.TierRule], list[int]]:
    if on > timezone.localdate():
        raise ReviewDateError("A review uses the points on its date: pick today or a past date.")
    rules = rules_load(use_cache=False)
    try:
        recompute_date_check(on, rules=rules)
    except RecomputeDateError as refused:
        raise ReviewDateError(f"No review for that date: {refused}") from None
    ids = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
    balances = balances_on(on=on, partner_ids=ids)
    performance = performance_tiers(on=on, rules=rules, balances=balances, partner_ids=ids)
    return rules, balances, performance, ids


def tier_review_preview(*, on: date) -> ReviewPreview:
    """Every partner whose credited tier the review of ``on`` would change (from → to).

    Computed exactly as ``tier_review_apply`` records it: the performance tier on ``on``
    against the tier credited the day before; partners already reviewed that day keep their
    result and are left out.
    """
    _rules, balances, performance, ids = _review_inputs(on=on)
    tiers = Tier.objects.in_bulk()
    tier_ids = {t.key: t.pk for t in tiers.values()}
    floor_id = min(tiers.values(), key=lambda t: t.rank).pk
    previous = credited_tier_ids(on=on - timedelta(days=1), partner_ids=ids, floor_id=floor_id)
    done = set(
        TierReviewResult.objects.filter(review__date=on).values_list("partner_id", flat=True)
    )
    names = dict(Partner.objects.values_list("pk", "name"))
    changes = []
    for partner_id in ids:
        if partner_id in done:
            continue
        before, after = tiers[previous[partner_id]], tiers[tier_ids[performance[partner_id].key]]
        if before.pk == after.pk:
            continue
        changes.append(
            ReviewChange(
                partner_id=partner_id,
                partner_name=names[partner_id],
                from_tier=before.name,
                from_rank=before.rank,
                to_tier=after.name,
                to_rank=after.rank,
                sold=balances[partner_id][SOLD],
                managed=balances[partner_id][MANAGED],
            )
        )
    changes.sort(key=lambda c: (not c.moves_up, c.partner_name))
    return ReviewPreview(
        on=on,
        partners_to_review=len(ids) - len(done & set(ids)),
        already_reviewed=len(done & set(ids)),
        changes=changes,
    )


@transaction.atomic
def tier_review_apply(*, on: date, run_by: AbstractBaseUser | None) -> int:
    """Run the review of ``on`` as ``run_by`` and bring the standings up to date with it.

    Records each partner's result (``tier_review_run``), then rewrites the standings of ``on``
    and of today so that the new credited tiers show at once. Returns the results written. The
    audit log records the review (opened, or completed) as ``run_by``'s.
    """
    rules, balances, performance, ids = _review_inputs(on=on)
    with acting_as(run_by):
        written = tier_review_run(on=on, performance=performance, balances=balances, run_by=run_by)
        if written and run_by is not None:
            # A review the nightly job opened keeps its results; record who completed it.
            save_each(TierReview.objects.filter(date=on, run_by__isnull=True), run_by=run_by)
    today = timezone.localdate()
    for day in sorted({on, today}):
        day_balances = balances if day == on else balances_on(on=day, partner_ids=ids)
        tier_standings_write(on=day, rules=rules, balances=day_balances, partner_ids=ids)
    return written
