"""Quarterly commission payments (PROGRAM.md §9, PRODUCT.md A3): gathering accrued lines into
each partner's quarterly payment, re-totalling the payments that changed, marking one paid.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum

from commissions.models import CommissionLine, CommissionPayment
from commissions.periods import CommissionError, payment_scheduled_on, quarter_of
from core.audit import acting_as, save_each
from program import engine
from program.rules import rules_load

_ZERO = Decimal(0)
_CENT = Decimal("0.01")


def _payment_amount(
    sums: list[tuple[str, Decimal]], currency: str, rules: engine.Rules, on: date
) -> Decimal:
    total = _ZERO
    for line_currency, amount in sums:
        if line_currency == currency:
            total += amount
        else:  # lines accrued before a change of payout currency
            total += amount * rules.fx_rate(currency, on) / rules.fx_rate(line_currency, on)
    return engine.round_half_up(total)


@transaction.atomic
def commission_payments_gather() -> tuple[int, int]:
    """Put every line not yet in a payment into its quarter's payment, or into the partner's
    next open one when that quarter is already paid; re-total the payments that changed.

    Paid payments are never touched. Returns (payments created, payments re-totalled).
    """
    pending = (
        CommissionLine.objects.filter(payment__isnull=True)
        .values_list("partner_id", "month", "partner__payout_currency")
        .distinct()
        .order_by()
    )
    quarters: dict[int, set[date]] = defaultdict(set)
    payout: dict[int, str] = {}
    for partner_id, month, currency in pending:
        quarters[partner_id].add(quarter_of(month))
        payout[partner_id] = currency.upper()
    if not quarters:
        return 0, 0
    existing = {
        (partner_id, quarter): (pk, status)
        # Locked so that a payment marked paid meanwhile waits for this run to finish.
        for pk, partner_id, quarter, status in CommissionPayment.objects.select_for_update()
        .filter(partner_id__in=quarters)
        .values_list("pk", "partner_id", "quarter_start", "status")
    }
    targets: dict[tuple[int, date], date] = {}
    to_create: dict[tuple[int, date], CommissionPayment] = {}
    for partner_id, its_quarters in sorted(quarters.items()):
        for quarter in sorted(its_quarters):
            target = quarter
            while existing.get((partner_id, target), (0, ""))[1] == CommissionPayment.Status.PAID:
                target = engine.add_months(target, 3)
            targets[partner_id, quarter] = target
            if (partner_id, target) not in existing:
                to_create[partner_id, target] = CommissionPayment(
                    partner_id=partner_id,
                    quarter_start=target,
                    scheduled_on=payment_scheduled_on(target),
                    currency=payout[partner_id],
                    amount=_ZERO,
                )
    CommissionPayment.objects.bulk_create(to_create.values())
    payment_ids = {
        (partner_id, quarter): pk
        for pk, partner_id, quarter in CommissionPayment.objects.filter(
            partner_id__in=quarters, status=CommissionPayment.Status.SCHEDULED
        ).values_list("pk", "partner_id", "quarter_start")
    }
    touched: set[int] = set()
    for (partner_id, quarter), target in targets.items():
        payment_id = payment_ids[partner_id, target]
        CommissionLine.objects.filter(
            partner_id=partner_id,
            payment__isnull=True,
            month__gte=quarter,
            month__lt=engine.add_months(quarter, 3),
        ).update(payment_id=payment_id)
        touched.add(payment_id)
    return len(to_create), _payments_retotal(touched)


def _payments_retotal(payment_ids: set[int]) -> int:
    payments = list(
        CommissionPayment.objects.filter(
            pk__in=payment_ids, status=CommissionPayment.Status.SCHEDULED
        )
    )
    sums: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for payment_id, currency, amount in (
        CommissionLine.objects.filter(payment_id__in=payment_ids)
        .values_list("payment_id", "currency")
        .annotate(total=Sum("amount"))
        .values_list("payment_id", "currency", "total")
        .order_by()
    ):
        sums[payment_id].append((currency.upper(), Decimal(str(amount)).quantize(_CENT)))
    rules = rules_load()
    changed = []
    for payment in payments:
        amount = _payment_amount(
            sums.get(payment.pk, []),
            payment.currency.upper(),
            rules,
            engine.add_months(payment.quarter_start, 3) - timedelta(days=1),
        )
        if amount != payment.amount:
            payment.amount = amount
            changed.append(payment)
    CommissionPayment.objects.bulk_update(changed, ["amount"])
    return len(changed)


@transaction.atomic
def commission_payment_mark_paid(
    *,
    payment: CommissionPayment,
    paid_on: date,
    reference: str,
    by: AbstractBaseUser | None = None,
) -> CommissionPayment:
    """Record that a scheduled payment was made; a paid payment is never changed again.

    The audit log records the change as ``by``'s (without ``by``, the signed-in user's).
    """
    if payment.status == CommissionPayment.Status.PAID:
        raise CommissionError(f"Payment {payment.pk} is already paid.")
    scheduled = CommissionPayment.objects.filter(
        pk=payment.pk, status=CommissionPayment.Status.SCHEDULED
    )
    with acting_as(by):
        updated = save_each(
            scheduled, status=CommissionPayment.Status.PAID, paid_on=paid_on, reference=reference
        )
    if not updated:
        raise CommissionError(f"Payment {payment.pk} is already paid.")
    payment.refresh_from_db()
    return payment
