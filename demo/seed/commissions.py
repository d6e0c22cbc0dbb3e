"""Demo commissions: 24 months of lines and payments for the partners ``seed_demo`` created.

Runs after the demo clients, deals and MRR history exist. Month-end rates are recorded for
every month but the latest (a deterministic wobble around the program rate), so the demo shows
final lines and, for the latest month, estimated ones; payments already due are marked paid.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from clients.models import Client
from commissions.models import CommissionPayment, MonthEndRate
from commissions.payments import commission_payment_mark_paid
from commissions.periods import month_end, previous_month
from commissions.services import commissions_accrue
from demo.seed.reference import HISTORY_MONTHS
from partners.models import Partner
from program import engine
from program.rules import rules_load

_WOBBLE = Decimal("0.001")  # steps of 0.1%, within ±3% of the program rate


def _month_end_rates_seed(*, months: list[date]) -> int:
    """Record plausible month-end rates for the currencies in use (existing rows are kept)."""
    rules = rules_load()
    currencies = {c.upper() for c in Client.objects.values_list("currency", flat=True)} | {
        c.upper() for c in Partner.objects.values_list("payout_currency", flat=True)
    }
    rows = []
    for currency in sorted(currencies - {"USD"}):
        seed = sum(ord(ch) for ch in currency)
        for index, month in enumerate(months):
            try:
                program = rules.fx_rate(currency, month_end(month))
            except engine.RuleError:
                continue
            wobble = Decimal(((seed + index * 7) % 61) - 30) * _WOBBLE
            rows.append(
                MonthEndRate(
                    currency=currency,
                    month=month,
                    per_100_usd=engine.round_half_up(program * (1 + wobble), 6),
                )
            )
    MonthEndRate.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def commissions_demo_seed(*, today: date) -> int:
    """Accrue the 24 complete months before ``today`` for every partner, mark the payments
    scheduled before ``today`` as paid (with a reference), and return the lines written."""
    last = previous_month(today)
    months = [engine.add_months(last, -k) for k in range(HISTORY_MONTHS - 1, -1, -1)]
    _month_end_rates_seed(months=months[:-1])
    summary = commissions_accrue(month=last, restate_months=HISTORY_MONTHS - 1, today=today)
    due = CommissionPayment.objects.filter(
        status=CommissionPayment.Status.SCHEDULED, scheduled_on__lt=today
    ).order_by("scheduled_on", "partner_id")
    for payment in due:
        commission_payment_mark_paid(
            payment=payment,
            paid_on=payment.scheduled_on,
            reference=f"COM-{payment.partner_id:04d}-{payment.quarter_label.replace(' ', '')}",
        )
    return summary.lines
