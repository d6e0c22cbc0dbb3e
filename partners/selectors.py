"""Reads about a partner organisation, and the dashboard's figures (PROGRAM.md §7–8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet

from clients.metrics import AccountMetricsFigures, account_metrics_of
from clients.models import Client, Deal, Renewal
from clients.selectors import (
    RENEWAL_DEADLINE_DAYS,
    account_metric,
    client_id_sets,
    csr_month_details,
)
from points import engine
from points.selectors import rules_load
from tiers.selectors import StandingSummary, standing_summary

from .models import Membership, Partner, PartnerManagerContact

RENEWAL_WINDOW_DAYS = 120
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


def team_members(*, partner: Partner) -> QuerySet[Membership]:
    """The partner's members, super admins first."""
    return (
        Membership.objects.filter(partner=partner)
        .select_related("user")
        .order_by("role", "user__email")
    )


def partner_pdm(*, partner: Partner) -> PartnerManagerContact | None:
    """D7: the partner's Partner Development Manager, or None if none is assigned."""
    return PartnerManagerContact.objects.filter(partners=partner).first()


# D1 Program progress


@dataclass(frozen=True)
class ProgramProgress:
    """D1: the standing (tiers and points) and the account metrics of PROGRAM.md §8.

    Money is in US$ rounded half-up to 2 places; ``csr_percent`` is the 12-month average C$R
    as a percentage, None when no month had a paying client ("not enough history").
    ``metrics_on`` is the day the account metrics were computed for (today once the nightly
    recompute has run).
    """

    summary: StandingSummary
    sourced_mrr_12m: Decimal
    sourced_amount_12m: Decimal
    csr_percent: Decimal | None
    metrics_on: date


def csr_percent(csr: Decimal | None) -> Decimal | None:
    """A C$R ratio as the percentage shown, rounded half-up to 2 places."""
    return None if csr is None else engine.round_half_up(csr * _HUNDRED)


def program_progress(
    *, partner: Partner, on: date, summary: StandingSummary | None = None
) -> ProgramProgress:
    """D1 on ``on``: the latest standing, and the day's stored account metrics: rolling
    12-month sourced MRR and its annual amount (× 12, rounded once), and the average C$R of
    the last 12 complete months.

    ``summary`` passes in a ``standing_summary`` already read for the same day.
    """
    if summary is None:
        summary = standing_summary(partner=partner, on=on)
    metrics = account_metrics_of(partner=partner, on=on, rules=rules_load())
    return ProgramProgress(
        summary=summary,
        sourced_mrr_12m=engine.round_half_up(metrics.sourced_mrr_12m),
        sourced_amount_12m=engine.round_half_up(metrics.sourced_mrr_12m * 12),
        csr_percent=csr_percent(metrics.csr_12m),
        metrics_on=metrics.on,
    )


# D2 Tier progression ("Get to")


class UnknownTier(ValueError):
    """A "Get to" choice that is not a tier above Untiered; the message is shown to the user."""


@dataclass(frozen=True)
class Progress:
    """One requirement of the target tier: what is reached, required and still needed."""

    key: str
    label: str
    reached: Decimal
    required: Decimal
    needed: Decimal
    percent: int

    @property
    def met(self) -> bool:
        return self.needed == 0


@dataclass(frozen=True)
class TierProgression:
    """D2: progress towards ``target`` (total points, sold and managed minimums)."""

    target: engine.TierRule
    choices: list[engine.TierRule]
    requirements: list[Progress]

    @property
    def reached(self) -> bool:
        return all(requirement.met for requirement in self.requirements)


def _progress(key: str, label: str, reached: Decimal, required: Decimal) -> Progress:
    needed = max(required - reached, _ZERO)
    if required <= 0:
        percent = 100
    else:
        percent = int(min(reached / required * _HUNDRED, _HUNDRED).to_integral_value("ROUND_FLOOR"))
    return Progress(key, label, reached, required, needed, max(percent, 0))


def tier_progression(
    *,
    partner: Partner,
    on: date,
    tier_key: str = "",
    summary: StandingSummary | None = None,
) -> TierProgression:
    """D2 on ``on``: the partner's points against one tier above Untiered.

    ``tier_key`` empty means the next tier up from the performance tier (the highest tier
    when there is none above). Raises UnknownTier for any other key that is not a tier above
    the floor. Figures are the standing's, rounded half-up to 2 places.
    """
    if summary is None:
        summary = standing_summary(partner=partner, on=on)
    choices = rules_load().tiers_on(on)[1:]
    if not choices:
        raise UnknownTier("The program has no tiers above Untiered.")
    if tier_key:
        target = next((t for t in choices if t.key == tier_key), None)
        if target is None:
            raise UnknownTier("Choose a tier from the list.")
    else:
        target = next((t for t in choices if t.name == summary.next_tier), choices[-1])
    return TierProgression(
        target=target,
        choices=choices,
        requirements=[
            _progress("total", "Total points", summary.total, target.total_points),
            _progress("sold", "Sold minimum", summary.sold, target.sold_min),
            _progress("managed", "Managed minimum", summary.managed, target.managed_min),
        ],
    )


# D6 Upcoming renewals


@dataclass(frozen=True)
class UpcomingRenewal:
    """A renewal of one of the partner's clients, with its time to renew and deadline."""

    renewal: Renewal
    days_to_renew: int
    deadline: date
    days_to_deadline: int


def upcoming_renewals(
    *, partner: Partner, on: date, days: int = RENEWAL_WINDOW_DAYS, limit: int | None = None
) -> list[UpcomingRenewal]:
    """D6: renewals dated from ``on`` to ``on + days`` of the partner's clients, soonest first.

    The partner's clients are those of ``clients.selectors.client_ids_of`` (managed on ``on``
    or with a deal won in the 12 months before), read here as subqueries so the whole table
    is one query. The renewal deadline is 45 days before the renewal date. ``limit`` keeps the
    soonest ones only (``upcoming_renewals_count`` counts them all).
    """
    renewals = _upcoming_renewals(partner=partner, on=on, days=days).select_related("client")
    if limit is not None:
        renewals = renewals[:limit]
    rows = []
    for renewal in renewals:
        deadline = renewal.date - timedelta(days=RENEWAL_DEADLINE_DAYS)
        rows.append(
            UpcomingRenewal(
                renewal=renewal,
                days_to_renew=(renewal.date - on).days,
                deadline=deadline,
                days_to_deadline=(deadline - on).days,
            )
        )
    return rows


def upcoming_renewals_count(*, partner: Partner, on: date, days: int = RENEWAL_WINDOW_DAYS) -> int:
    """How many renewals ``upcoming_renewals`` has in all (an ``account_metric``)."""
    return account_metric(
        f"renewals-{days}",
        partner=partner,
        on=on,
        compute=lambda: _upcoming_renewals(partner=partner, on=on, days=days).count(),
    )


def _upcoming_renewals(*, partner: Partner, on: date, days: int) -> QuerySet[Renewal]:
    managed, won = client_id_sets(partner=partner, on=on)
    return (
        Renewal.objects.filter(date__gte=on, date__lte=on + timedelta(days=days))
        .filter(Q(client_id__in=managed) | Q(client_id__in=won))
        .order_by("date", "client__name", "id")
    )


# What D1's account metrics are made of


@dataclass(frozen=True)
class SourcedDeal:
    """A sourced deal counted in the rolling 12-month sourced MRR, with its MRR in US$ as
    shown (half-up to 2 places): the figure is the sum of these."""

    deal: Deal
    mrr_usd: Decimal


def sourced_deals_12m(*, partner: Partner, on: date) -> list[SourcedDeal]:
    """The deals behind ``clients.selectors.sourced_mrr_12m``: sourced deals closed-won in the
    12 months up to ``on`` (a deal reversed after ``on`` still counts), latest first."""
    rules = rules_load()
    deals = (
        Deal.objects.filter(partner=partner, deal_type=Deal.DealType.SOURCED)
        .filter(Q(stage=Deal.Stage.CLOSED_WON) | Q(stage=Deal.Stage.REVERSED, reversed_on__gt=on))
        .closed_between(engine.add_months(on, -12) + timedelta(days=1), on)
        .select_related("client")
        .order_by("-closed_on", "-id")
    )
    return [
        SourcedDeal(
            deal=deal,
            mrr_usd=engine.round_half_up(rules.usd(deal.mrr, deal.client.currency, deal.closed_on)),
        )
        for deal in deals
        if deal.closed_on is not None
    ]


@dataclass(frozen=True)
class CsrMonth:
    """One complete month of C$R as shown: start-of-month MRR (US$) of the clients counted,
    the part of it still paying on the next month's first day, their ratio as a percentage,
    how many clients were counted, and those that churned."""

    month: date
    start_mrr: Decimal
    retained_mrr: Decimal
    csr_percent: Decimal | None
    clients: int
    churned: list[Client]


def csr_months(*, metrics: AccountMetricsFigures) -> list[CsrMonth]:
    """The 12 complete months behind the stored 12-month C$R, oldest first, with the
    churned clients (one query)."""
    churned_ids = {c for month in metrics.csr_months for c in month["churned_ids"]}
    clients = Client.objects.in_bulk(churned_ids)
    months = []
    for month in metrics.csr_months:
        start, retained = Decimal(month["start_mrr"]), Decimal(month["retained_mrr"])
        months.append(
            CsrMonth(
                month=date.fromisoformat(month["month"]),
                start_mrr=engine.round_half_up(start),
                retained_mrr=engine.round_half_up(retained),
                csr_percent=None if month["csr"] is None else csr_percent(Decimal(month["csr"])),
                clients=int(month["clients"]),
                churned=sorted(
                    (clients[c] for c in month["churned_ids"] if c in clients),
                    key=lambda client: (client.name, client.pk),
                ),
            )
        )
    return months


@dataclass(frozen=True)
class CsrClient:
    """A client counted in one month's C$R: its US$ MRR on the month's first day (as shown)
    and whether it still paid on the next month's first day."""

    client: Client
    start_mrr: Decimal
    retained: bool


def csr_month_clients(*, partner: Partner, month: date) -> list[CsrClient]:
    """Every client counted in the C$R of the month starting on ``month``, largest first."""
    detail = csr_month_details(partner=partner, on=month, rules=rules_load(), months=[month])[0]
    clients = Client.objects.in_bulk(detail.start_mrr)
    rows = [
        CsrClient(clients[c], engine.round_half_up(mrr), c not in detail.churned)
        for c, mrr in detail.start_mrr.items()
    ]
    return sorted(rows, key=lambda row: (-row.start_mrr, row.client.name, row.client.pk))
