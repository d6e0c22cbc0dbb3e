"""Monthly commission accrual (PROGRAM.md §9, PRODUCT.md A3).

A partner earns ``SHARE`` of a client's net MRR for ``TERM_MONTHS`` months from its first
closed-won deal with that client. Each (partner, client, month) has an accrual line and, when
the figures behind it change later (a corrected MRR, a month-end rate recorded after the fact),
adjustment lines for the difference: lines are never edited. Lines are gathered per partner and
quarter into a payment scheduled ``PAYMENT_DELAY_DAYS`` after the quarter closes
(``commissions.payments``); the months and quarters are ``commissions.periods``, whose names,
like the payments', are importable from here as well.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from clients.models import Deal, MrrRecord
from commissions.models import CommissionLine, MonthEndRate
from commissions.payments import commission_payments_gather
from commissions.periods import (
    CommissionError,
    month_end,
    month_of,
)
from program import engine
from program.rules import rules_load

SHARE = Decimal("0.20")
TERM_MONTHS = 36
# Months before the accrued one that each monthly run restates (late MRR records, rates).
RESTATE_MONTHS = 12
USD = "USD"
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
BATCH = 2000


@dataclass
class AccrualSummary:
    """What one accrual run wrote; all zeros when there was nothing to do."""

    first_month: date
    last_month: date
    accruals: int = 0
    adjustments: int = 0
    unconvertible: int = 0
    payments_created: int = 0
    payments_updated: int = 0
    skipped_currencies: list[str] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return self.accruals + self.adjustments

    def as_dict(self) -> dict[str, object]:
        return {
            "first_month": f"{self.first_month:%Y-%m}",
            "last_month": f"{self.last_month:%Y-%m}",
            "accruals": self.accruals,
            "adjustments": self.adjustments,
            "lines": self.lines,
            "unconvertible": self.unconvertible,
            "payments_created": self.payments_created,
            "payments_updated": self.payments_updated,
            "skipped_currencies": self.skipped_currencies,
        }


@dataclass(frozen=True)
class _Due:
    """What a (partner, client, month) should add up to, from today's data."""

    mrr: Decimal
    mrr_currency: str
    fx: Decimal
    payout_fx: Decimal
    currency: str
    estimated: bool
    amount: Decimal


@dataclass
class _Booked:
    """What the lines already written for a (partner, client, month) add up to."""

    amount: Decimal = _ZERO
    next_sequence: int = 0
    mrr: Decimal = _ZERO
    fx: Decimal = _ZERO
    payout_fx: Decimal = _ZERO
    estimated: bool = False


_Key = tuple[int, int, date]


def _lock() -> None:
    """Serialise accrual runs (PostgreSQL advisory lock; SQLite's IMMEDIATE write lock)."""
    if connection.vendor == "postgresql":
        key = int(hashlib.sha256(b"commissions_accrue").hexdigest()[:15], 16)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _rates_for(months: list[date]) -> dict[tuple[str, date], Decimal]:
    return {
        (currency.upper(), month): rate
        for currency, month, rate in MonthEndRate.objects.filter(month__in=months).values_list(
            "currency", "month", "per_100_usd"
        )
    }


def _mrr_at_month_ends(deals: object, months: list[date]) -> dict[tuple[int, date], Decimal]:
    """Each client's MRR in force at the end of each month (latest record on or before it)."""
    records = (
        MrrRecord.objects.filter(client_id__in=deals, date__lte=month_end(months[-1]))
        .order_by("client_id", "date")
        .values_list("client_id", "date", "mrr")
    )
    history: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for client_id, day, mrr in records.iterator(chunk_size=BATCH):
        history[client_id].append((day, mrr))
    ends = [(m, month_end(m)) for m in months]
    result: dict[tuple[int, date], Decimal] = {}
    for client_id, rows in history.items():
        index, current = 0, None
        for month, end in ends:
            while index < len(rows) and rows[index][0] <= end:
                current = rows[index][1]
                index += 1
            if current is not None:
                result[client_id, month] = current
    return result


def _due_lines(
    months: list[date], rules: engine.Rules, summary: AccrualSummary
) -> tuple[dict[_Key, _Due], set[_Key]]:
    """What every eligible (partner, client, month) should earn, and the keys that cannot be
    converted (a currency with neither a month-end nor a program rate)."""
    won = Deal.objects.filter(stage=Deal.Stage.CLOSED_WON, closed_on__lte=month_end(months[-1]))
    firsts = (
        won.values("partner_id", "client_id", "client__currency", "partner__payout_currency")
        .annotate(first_won=Min("closed_on"))
        .order_by()
    )
    mrr = _mrr_at_month_ends(won.values("client_id"), months)
    month_rates = _rates_for(months)
    skipped: set[str] = set()

    def rate(currency: str, month: date) -> tuple[Decimal, bool] | None:
        if currency == USD:
            return _HUNDRED, False
        recorded = month_rates.get((currency, month))
        if recorded is not None:
            return recorded, False
        try:
            return rules.fx_rate(currency, month_end(month)), True
        except engine.RuleError:
            skipped.add(currency)
            return None

    due: dict[_Key, _Due] = {}
    unconvertible: set[_Key] = set()
    for row in firsts:
        start = month_of(row["first_won"])
        last = engine.add_months(start, TERM_MONTHS - 1)
        mrr_currency = row["client__currency"].upper()
        payout = row["partner__payout_currency"].upper()
        for month in months:
            if not start <= month <= last:
                continue
            key = (row["partner_id"], row["client_id"], month)
            net_mrr = mrr.get((row["client_id"], month))
            if net_mrr is None:
                continue
            client_rate, payout_rate = rate(mrr_currency, month), rate(payout, month)
            if client_rate is None or payout_rate is None:
                unconvertible.add(key)
                continue
            due[key] = _Due(
                mrr=net_mrr,
                mrr_currency=mrr_currency,
                fx=client_rate[0],
                payout_fx=payout_rate[0],
                currency=payout,
                estimated=client_rate[1] or payout_rate[1],
                amount=engine.round_half_up(net_mrr * SHARE * payout_rate[0] / client_rate[0]),
            )
    summary.unconvertible = len(unconvertible)
    summary.skipped_currencies = sorted(skipped)
    return due, unconvertible


def _booked_lines(months: list[date]) -> dict[_Key, _Booked]:
    booked: dict[_Key, _Booked] = {}
    rows = (
        CommissionLine.objects.filter(month__in=months)
        .order_by("partner_id", "client_id", "month", "sequence")
        .values_list(
            "partner_id",
            "client_id",
            "month",
            "sequence",
            "amount",
            "mrr",
            "fx_per_100_usd",
            "payout_fx_per_100_usd",
            "estimated",
        )
    )
    for row in rows.iterator(chunk_size=BATCH):
        partner_id, client_id, month, sequence, amount, mrr, fx, payout_fx, estimated = row
        state = booked.setdefault((partner_id, client_id, month), _Booked())
        state.mrr, state.fx, state.payout_fx, state.estimated = mrr, fx, payout_fx, estimated
        state.amount += amount
        state.next_sequence = sequence + 1
    return booked


def _restatement_note(booked: _Booked, due: _Due | None) -> str:
    if due is None:
        return "Restated: no commission is due for this month any more."
    reasons = []
    if due.mrr != booked.mrr:
        reasons.append(f"MRR restated from {booked.mrr:,.2f} to {due.mrr:,.2f} {due.mrr_currency}")
    if booked.estimated and not due.estimated:
        reasons.append("month-end rate recorded")
    elif due.estimated and not booked.estimated:
        reasons.append("month-end rate withdrawn; program rate used")
    elif (due.fx, due.payout_fx) != (booked.fx, booked.payout_fx):
        reasons.append("exchange rate restated")
    text = "; ".join(reasons) or "restated"
    return text[0].upper() + text[1:]


def _line(key: _Key, *, due: _Due, amount: Decimal, sequence: int, note: str) -> CommissionLine:
    partner_id, client_id, month = key
    kind = CommissionLine.Kind.ACCRUAL if sequence == 0 else CommissionLine.Kind.ADJUSTMENT
    return CommissionLine(
        partner_id=partner_id,
        client_id=client_id,
        month=month,
        kind=kind,
        sequence=sequence,
        mrr=due.mrr,
        mrr_currency=due.mrr_currency,
        share=SHARE,
        fx_per_100_usd=due.fx,
        payout_fx_per_100_usd=due.payout_fx,
        estimated=due.estimated,
        amount=amount,
        currency=due.currency,
        note=note,
        idempotency_key=f"commission:{partner_id}:{client_id}:{month:%Y-%m}:{kind}:{sequence}",
    )


def _new_lines(
    due: dict[_Key, _Due], booked: dict[_Key, _Booked], unconvertible: set[_Key]
) -> list[CommissionLine]:
    lines: list[CommissionLine] = []
    for key in sorted(due.keys() | booked.keys()):
        if key in unconvertible:
            continue
        wanted, state = due.get(key), booked.get(key)
        if state is None:
            if wanted is not None and wanted.amount != 0:
                lines.append(_line(key, due=wanted, amount=wanted.amount, sequence=0, note=""))
            continue
        difference = (wanted.amount if wanted else _ZERO) - state.amount
        status_changed = wanted is not None and wanted.estimated != state.estimated
        if difference == 0 and not status_changed:
            continue
        basis = wanted or _Due(
            mrr=_ZERO,
            mrr_currency="",
            fx=state.fx,
            payout_fx=state.payout_fx,
            currency="",
            estimated=False,
            amount=_ZERO,
        )
        line = _line(
            key,
            due=basis,
            amount=difference,
            sequence=state.next_sequence,
            note=_restatement_note(state, wanted),
        )
        lines.append(line)
    return lines


def _fill_from_previous(lines: list[CommissionLine]) -> None:
    """A reversal of a month no longer due keeps the currencies of the lines it offsets."""
    blanks = [line for line in lines if not line.currency]
    if not blanks:
        return
    previous = {
        (p, c, m): (mrr_currency, currency)
        for p, c, m, mrr_currency, currency in CommissionLine.objects.filter(
            partner_id__in={line.partner_id for line in blanks},
            client_id__in={line.client_id for line in blanks},
            month__in={line.month for line in blanks},
            sequence=0,
        ).values_list("partner_id", "client_id", "month", "mrr_currency", "currency")
    }
    for line in blanks:
        line.mrr_currency, line.currency = previous[line.partner_id, line.client_id, line.month]


@transaction.atomic
def commissions_accrue(
    *, month: date, restate_months: int = 0, today: date | None = None
) -> AccrualSummary:
    """Accrue the commission lines of ``month`` for every partner, restating the
    ``restate_months`` months before it, then gather new lines into quarterly payments.

    Set-based (a few grouped queries and one bulk insert) and idempotent: a second run with
    unchanged data writes nothing; a changed MRR or a newly recorded month-end rate writes one
    adjustment line for the difference. Only complete months (before ``today``'s) accrue.
    """
    last = month_of(month)
    if last >= month_of(today or timezone.localdate()):
        raise CommissionError(f"{last:%Y-%m} is not over yet: only complete months accrue.")
    if restate_months < 0:
        raise CommissionError("The number of months to restate cannot be negative.")
    months = [engine.add_months(last, k) for k in range(-restate_months, 1)]
    summary = AccrualSummary(first_month=months[0], last_month=last)
    _lock()
    due, unconvertible = _due_lines(months, rules_load(), summary)
    lines = _new_lines(due, _booked_lines(months), unconvertible)
    _fill_from_previous(lines)
    CommissionLine.objects.bulk_create(lines, batch_size=BATCH, ignore_conflicts=True)
    summary.accruals = sum(1 for line in lines if line.sequence == 0)
    summary.adjustments = len(lines) - summary.accruals
    summary.payments_created, summary.payments_updated = commission_payments_gather()
    return summary
