"""Account metrics (PROGRAM.md §8): client spend retention (C$R) and median tool usage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from .rules import _ZERO


def csr_month(start_mrr: Mapping[Any, Decimal], end_mrr: Mapping[Any, Decimal]) -> Decimal | None:
    """Share of start-of-month MRR held by clients still paying at month end (churn only)."""
    start_total = _ZERO
    kept = _ZERO
    for client, mrr in start_mrr.items():
        if mrr > 0:
            start_total += mrr
            if end_mrr.get(client, _ZERO) > 0:
                kept += mrr
    return kept / start_total if start_total > 0 else None


def csr_average(months: Iterable[Decimal | None]) -> Decimal | None:
    """Mean of the months that have a C$R; None when none has."""
    known = [m for m in months if m is not None]
    return sum(known, _ZERO) / len(known) if known else None


def median_tool_usage(tools: Iterable[int]) -> Decimal | None:
    """Median number of tools used (mean of the middle two for an even count); None if empty."""
    counts = sorted(tools)
    if not counts:
        return None
    mid = len(counts) // 2
    if len(counts) % 2:
        return Decimal(counts[mid])
    return (Decimal(counts[mid - 1]) + Decimal(counts[mid])) / 2
