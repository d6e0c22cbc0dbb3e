"""A partner's account metrics (PROGRAM.md §8) kept once a day, and read back.

- ``account_metrics_compute``: C$R, rolling 12-month sourced MRR and median tool usage.
- ``account_metrics_refresh`` writes them to ``AccountMetrics``: the nightly recompute for
  every partner, and ``account_metrics_refresh_task`` (debounced) for a partner whose clients,
  deals, MRR or assignments changed.
- ``account_metrics_of`` is what pages and the API read: the partner's latest row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from clients.models import AccountMetrics
from clients.selectors import CsrMonthDetail, csr_month_details, median_tool_usage, sourced_mrr_12m
from partners.models import Partner
from program import engine


@dataclass(frozen=True)
class AccountMetricsFigures:
    """A partner's account metrics on ``on``, exact (rounded only when shown)."""

    on: date
    sourced_mrr_12m: Decimal
    csr_12m: Decimal | None
    csr_months: list[dict[str, Any]]
    median_tool_usage: Decimal | None

    @classmethod
    def from_row(cls, row: AccountMetrics) -> AccountMetricsFigures:
        return cls(
            on=row.on,
            sourced_mrr_12m=row.sourced_mrr_12m,
            csr_12m=row.csr_12m,
            csr_months=row.csr_months,
            median_tool_usage=row.median_tool_usage,
        )


def _month_row(detail: CsrMonthDetail) -> dict[str, Any]:
    """A month as its explanation shows it: start and retained MRR as the sums of the clients'
    figures as shown (§8a: a total is the sum of its rows as shown), and the exact ratio."""
    start = {c: engine.round_half_up(m) for c, m in detail.start_mrr.items()}
    csr = detail.csr
    return {
        "month": detail.month.isoformat(),
        "start_mrr": str(sum(start.values(), Decimal(0))),
        "retained_mrr": str(
            sum((m for c, m in start.items() if c not in detail.churned), Decimal(0))
        ),
        "csr": None if csr is None else str(csr),
        "clients": len(detail.start_mrr),
        "churned_ids": sorted(detail.churned),
    }


def account_metrics_compute(
    *, partner: Partner, on: date, rules: engine.Rules
) -> AccountMetricsFigures:
    """The §8 account metrics of ``partner`` on ``on``, from the clients, deals and MRR."""
    details = csr_month_details(partner=partner, on=on, rules=rules)
    return AccountMetricsFigures(
        on=on,
        sourced_mrr_12m=sourced_mrr_12m(partner=partner, on=on, rules=rules),
        csr_12m=engine.csr_average(d.csr for d in details),
        csr_months=[_month_row(d) for d in details],
        median_tool_usage=median_tool_usage(partner=partner, on=on),
    )


# The table's columns keep 6 and 12 places; what is stored is what is read back, so a page
# never shows a figure that the stored row would round differently.
_MRR_PLACES = Decimal("0.000001")
_CSR_PLACES = Decimal("0.000000000001")


def account_metrics_refresh(
    *, on: date, rules: engine.Rules, partner_ids: Iterable[int] | None = None
) -> int:
    """Write the account metrics of ``partner_ids`` (every partner by default) on ``on``;
    returns how many rows were written. Running it again recomputes and overwrites the rows
    of the same day (they are figures of the day, not a ledger)."""
    partners = Partner.objects.order_by("pk")
    if partner_ids is not None:
        partners = partners.filter(pk__in=list(partner_ids))
    written = 0
    for partner in partners.iterator():
        figures = account_metrics_compute(partner=partner, on=on, rules=rules)
        with transaction.atomic():
            AccountMetrics.objects.update_or_create(
                partner=partner,
                on=on,
                defaults={
                    "sourced_mrr_12m": figures.sourced_mrr_12m.quantize(_MRR_PLACES),
                    "csr_12m": None
                    if figures.csr_12m is None
                    else figures.csr_12m.quantize(_CSR_PLACES),
                    "csr_months": figures.csr_months,
                    "median_tool_usage": figures.median_tool_usage,
                },
            )
        written += 1
    return written


def account_metrics_of(*, partner: Partner, on: date, rules: engine.Rules) -> AccountMetricsFigures:
    """The account metrics pages and the API show for ``partner`` on ``on``: the stored row of
    that day, else the latest one before it (its ``on`` says which day; the views then ask
    ``clients.tasks.account_metrics_schedule`` for the day's), else, for a partner that has
    none yet, computed now."""
    row = AccountMetrics.objects.filter(partner=partner, on__lte=on).order_by("-on").first()
    if row is not None:
        return AccountMetricsFigures.from_row(row)
    return account_metrics_compute(partner=partner, on=on, rules=rules)
