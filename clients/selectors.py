"""Reads about a partner's clients: who they are, and the account metrics of PROGRAM.md §8."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar, cast

from django.core.cache import cache
from django.db.models import OuterRef, Q, QuerySet, Subquery

from clients.models import (
    Client,
    Deal,
    ManagedAssignment,
    MrrRecord,
)
from partners.models import Partner
from program import engine

# A renewal's deadline: this many days before its date.
RENEWAL_DEADLINE_DAYS = 45
_ZERO = Decimal(0)
T = TypeVar("T")


def client_id_sets(*, partner: Partner, on: date) -> tuple[QuerySet, QuerySet]:
    """The ids of the partner's clients on ``on`` as two subqueries: managed then, and with a
    deal won in the last 12 months."""
    managed = ManagedAssignment.objects.filter(partner=partner).active_on(on).values("client_id")
    won = (
        Deal.objects.filter(partner=partner)
        .closed_won()
        .closed_in_12_months_to(on)
        .values("client_id")
    )
    return managed, won


def client_ids_of(*, partner: Partner, on: date) -> set[int]:
    """The partner's clients on ``on``: managed then, or with a deal won in the last 12 months."""
    managed, won = client_id_sets(partner=partner, on=on)
    return set(managed.values_list("client_id", flat=True)) | set(
        won.values_list("client_id", flat=True)
    )


def clients_of(*, partner: Partner, on: date) -> QuerySet[Client]:
    """``client_ids_of`` as a queryset whose conditions are subqueries of the same query."""
    managed, won = client_id_sets(partner=partner, on=on)
    return Client.objects.filter(Q(pk__in=managed) | Q(pk__in=won))


def mrr_usd_on_each(
    *, client_ids: set[int], days: list[date], rules: engine.Rules
) -> dict[date, dict[int, Decimal]]:
    """Each client's MRR in US$ on each of ``days`` (its latest record on or before the day)."""
    if not client_ids or not days:
        return {d: {} for d in days}
    ordered_days = sorted(days)
    records = (
        MrrRecord.objects.filter(client_id__in=client_ids, date__lte=ordered_days[-1])
        .order_by("client_id", "date")
        .values_list("client_id", "date", "mrr", "client__currency")
    )
    history: dict[int, list[tuple[date, Decimal, str]]] = defaultdict(list)
    for client_id, day, mrr, currency in records:
        history[client_id].append((day, mrr, currency))
    result: dict[date, dict[int, Decimal]] = {d: {} for d in ordered_days}
    for client_id, rows in history.items():
        index = 0
        current: tuple[date, Decimal, str] | None = None
        for day in ordered_days:
            while index < len(rows) and rows[index][0] <= day:
                current = rows[index]
                index += 1
            if current is not None:
                result[day][client_id] = rules.usd(current[1], current[2], day)
    return result


@dataclass(frozen=True)
class CsrMonthDetail:
    """One complete month of C$R, exact: the clients counted, each with its US$ MRR on the
    month's first day, and those of them with no MRR on the next month's first day."""

    month: date
    start_mrr: dict[int, Decimal]
    churned: frozenset[int]

    @property
    def start_total(self) -> Decimal:
        return sum(self.start_mrr.values(), _ZERO)

    @property
    def retained_total(self) -> Decimal:
        return sum((m for c, m in self.start_mrr.items() if c not in self.churned), _ZERO)

    @property
    def csr(self) -> Decimal | None:
        kept = {c: m for c, m in self.start_mrr.items() if c not in self.churned}
        return engine.csr_month(self.start_mrr, kept)


def complete_months(on: date) -> list[date]:
    """The first days of the 12 complete months before ``on``, oldest first."""
    first = on.replace(day=1)
    return [engine.add_months(first, -k) for k in range(12, 0, -1)]


def won_in_12_months_to(day: date, closed_on: date, reversed_on: date | None) -> bool:
    """§8: closed on ``d`` with ``day − 12 months < d ≤ day``, and not reversed on or before
    ``day``."""
    in_window = engine.add_months(day, -12) < closed_on <= day
    return in_window and (reversed_on is None or reversed_on > day)


def clients_of_on_each(*, partner: Partner, days: list[date]) -> dict[date, set[int]]:
    """The partner's clients on each of ``days`` (§8): managed that day, or with a deal won in
    the 12 months to it. Two queries, whatever the number of days."""
    first, last = min(days), max(days)
    assignments = list(
        ManagedAssignment.objects.filter(partner=partner, start__lte=last)
        .filter(Q(end__isnull=True) | Q(end__gt=first))
        .values_list("client_id", "start", "end")
    )
    deals = list(
        Deal.objects.filter(partner=partner)
        .closed_won()
        .closed_between(engine.add_months(first, -12) + timedelta(days=1), last)
        .values_list("client_id", "closed_on", "reversed_on")
    )
    result: dict[date, set[int]] = {}
    for day in days:
        managed = {
            c for c, start, end in assignments if start <= day and (end is None or day < end)
        }
        won = {c for c, closed, rev in deals if closed and won_in_12_months_to(day, closed, rev)}
        result[day] = managed | won
    return result


def csr_month_details(
    *, partner: Partner, on: date, rules: engine.Rules, months: list[date] | None = None
) -> list[CsrMonthDetail]:
    """The C$R of each of the 12 complete months before ``on`` (or of ``months``), §8.

    For the month starting on ``s``, the next on ``e``: the clients counted are the partner's
    clients on ``s`` with MRR > 0 on ``s`` (each client's latest record on or before the day);
    one churned when its MRR on ``e`` is not > 0. A record dated on a first of the month
    describes that month, so "0 from December 1" is a client that churned in November. A client
    that later churned or stopped being served still counts in the months it was the partner's.
    """
    starts = months or complete_months(on)
    ends = [engine.add_months(start, 1) for start in starts]
    clients_on = clients_of_on_each(partner=partner, days=starts)
    every_client: set[int] = set().union(*clients_on.values())
    mrr = mrr_usd_on_each(client_ids=every_client, days=sorted({*starts, *ends}), rules=rules)
    details = []
    for start, end in zip(starts, ends, strict=True):
        paying = {c: mrr[start][c] for c in clients_on[start] if mrr[start].get(c, _ZERO) > 0}
        churned = frozenset(c for c in paying if not mrr[end].get(c, _ZERO) > 0)
        details.append(CsrMonthDetail(start, paying, churned))
    return details


# The account metrics cached below change only with clients, deals, assignments, MRR records
# and the FX rules; a save or delete of any of them moves the version on (``clients.signals``,
# ``program.signals``). Writes that send no signal (bulk loads, raw SQL) are seen once the entry
# expires.
ACCOUNT_DATA_VERSION_KEY = "account-data-version"
ACCOUNT_METRICS_CACHE_SECONDS = 600


def account_data_version() -> int:
    version = cache.get(ACCOUNT_DATA_VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.set(ACCOUNT_DATA_VERSION_KEY, version, None)
    return int(version)


def account_data_changed() -> None:
    cache.set(ACCOUNT_DATA_VERSION_KEY, time.time_ns(), None)


def account_metric(
    name: str,
    *,
    partner: Partner,
    on: date,
    compute: Callable[[], T],
    rules: engine.Rules | None = None,
) -> T:
    """``compute()``, cached per partner and day for the current account-data version (and,
    for a figure converted to US$, the FX table of ``rules``)."""
    fx = rules.fx_fingerprint if rules is not None else "-"
    key = f"{name}:{account_data_version()}:{fx}:{partner.pk}:{on.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return cast(T, cached[0])
    value = compute()
    cache.set(key, (value,), ACCOUNT_METRICS_CACHE_SECONDS)
    return value


def csr_average_12m(*, partner: Partner, on: date, rules: engine.Rules) -> Decimal | None:
    """The average C$R of the 12 complete months before ``on`` (PROGRAM.md §8), None when no
    month counted a paying client ("not enough history").

    Pages read it from the day's ``AccountMetrics`` row (``clients.metrics``); the standings
    of any day ask it here, cached as an ``account_metric``.
    """

    def compute() -> Decimal | None:
        details = csr_month_details(partner=partner, on=on, rules=rules)
        return engine.csr_average(d.csr for d in details)

    return account_metric("csr-12m", partner=partner, on=on, compute=compute, rules=rules)


def median_tool_usage(*, partner: Partner, on: date) -> Decimal | None:
    """Median number of tools used over the partner's currently managed clients.

    Each client's latest record on or before ``on`` is one index probe; clients without one
    are left out.
    """

    def compute() -> Decimal | None:
        managed = (
            ManagedAssignment.objects.filter(partner=partner).active_on(on).values("client_id")
        )
        latest = MrrRecord.objects.filter(client_id=OuterRef("pk"), date__lte=on).order_by("-date")
        tools = (
            Client.objects.filter(pk__in=managed)
            .annotate(tools=Subquery(latest.values("tools_used")[:1]))
            .filter(tools__isnull=False)
            .values_list("tools", flat=True)
        )
        return engine.median_tool_usage(tools)

    return account_metric("median-tools", partner=partner, on=on, compute=compute)


def sourced_mrr_12m(*, partner: Partner, on: date, rules: engine.Rules) -> Decimal:
    """Rolling 12-month sourced MRR in US$: sourced deals closed-won in the last 12 months,
    each deal's US$ MRR as shown (half-up to 2 places) and summed, so that the figure is the sum
    of the rows its explanation lists (PROGRAM.md §8a).

    An ``account_metric``: it converts every such deal (3,342 for the largest bench partner).
    """

    def compute() -> Decimal:
        deals = (
            Deal.objects.filter(partner=partner, deal_type=Deal.DealType.SOURCED)
            .won_in_12_months_to(on)
            .order_by()
            .values_list("mrr", "client__currency", "closed_on")
        )
        return sum(
            (
                engine.round_half_up(rules.usd(mrr, currency, closed_on))
                for mrr, currency, closed_on in deals
                if closed_on
            ),
            Decimal(0),
        )

    return account_metric("sourced-mrr-12m", partner=partner, on=on, compute=compute, rules=rules)


def deals_of(*, partner: Partner) -> QuerySet[Deal]:
    """The partner's deals with their client, newest first (a stable order)."""
    return partner.deals.select_related("client").order_by("-created_on", "-id")
