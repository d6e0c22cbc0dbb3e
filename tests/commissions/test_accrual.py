"""Monthly commission accrual and quarterly payments, against hand-computed figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Deal
from commissions.models import CommissionLine, CommissionPayment
from commissions.payments import commission_payment_mark_paid
from commissions.periods import CommissionError, parse_month, payment_scheduled_on, quarter_of
from commissions.services import commissions_accrue
from tests.factories import ClientFactory, DealFactory, MrrFactory, PartnerFactory

from .factories import bulk_clients, month_end_rate

pytestmark = pytest.mark.django_db


def accrue(month: str, restate: int = 0):
    return commissions_accrue(month=parse_month(month), restate_months=restate)


def amounts(partner, month: str) -> list[Decimal]:
    return list(
        CommissionLine.objects.filter(partner=partner, month=parse_month(month))
        .order_by("sequence")
        .values_list("amount", flat=True)
    )


def usd_client(mrr: str = "1000", since: date = date(2022, 12, 1), **kwargs):
    client = ClientFactory(**kwargs)
    MrrFactory(client=client, date=since, mrr=Decimal(mrr))
    return client


def test_a_line_accrues_from_the_first_to_the_36th_month_and_not_in_the_37th():
    partner, client = PartnerFactory(), usd_client("1000")
    DealFactory(partner=partner, client=client, closed_on=date(2023, 1, 20))
    for month in ("2022-12", "2023-01", "2025-12", "2026-01"):
        accrue(month)
    assert amounts(partner, "2022-12") == []  # before the first won deal
    assert amounts(partner, "2023-01") == [Decimal("200.00")]  # month 1: 1000 × 20%
    assert amounts(partner, "2025-12") == [Decimal("200.00")]  # month 36: Jan 2023 + 35
    assert amounts(partner, "2026-01") == []  # month 37
    line = CommissionLine.objects.get(month=date(2023, 1, 1))
    assert (line.kind, line.mrr, line.share, line.currency, line.estimated) == (
        "accrual",
        Decimal("1000.00"),
        Decimal("0.2000"),
        "USD",
        False,  # US dollars to US dollars needs no month-end rate
    )


def test_each_partner_earns_from_its_own_first_deal_with_a_shared_client():
    first, second, bystander = PartnerFactory(), PartnerFactory(), PartnerFactory()
    client = usd_client("2000", since=date(2022, 1, 1))
    DealFactory(partner=first, client=client, closed_on=date(2023, 1, 10))
    DealFactory(partner=first, client=client, closed_on=date(2024, 6, 1))  # not a new term
    DealFactory(partner=second, client=client, closed_on=date(2024, 3, 5))
    DealFactory(partner=bystander, client=client, stage=Deal.Stage.CLOSED_LOST, closed_on=None)
    for month in ("2024-02", "2024-03", "2026-01"):
        accrue(month)
    assert amounts(first, "2024-02") == [Decimal("400.00")]  # 2000 × 20%
    assert amounts(second, "2024-02") == []  # its first deal is in March
    assert amounts(first, "2024-03") == [Decimal("400.00")]
    assert amounts(second, "2024-03") == [Decimal("400.00")]  # 2000 × 20%, its own month 1
    assert amounts(first, "2026-01") == []  # month 37 from Jan 2023
    assert amounts(second, "2026-01") == [Decimal("400.00")]  # month 23 from Mar 2024
    assert not CommissionLine.objects.filter(partner=bystander).exists()


def test_net_mrr_is_the_mrr_in_force_at_the_end_of_the_month():
    partner, client = PartnerFactory(), usd_client("1000", since=date(2025, 1, 1))
    MrrFactory(client=client, date=date(2025, 3, 31), mrr=Decimal("1200"))
    MrrFactory(client=client, date=date(2025, 4, 1), mrr=Decimal("5000"))
    DealFactory(partner=partner, client=client, closed_on=date(2025, 3, 3))
    accrue("2025-03")
    assert amounts(partner, "2025-03") == [Decimal("240.00")]  # 1200 (Mar 31) × 20%


def test_a_late_mrr_correction_adds_an_adjustment_line_and_edits_nothing():
    partner, client = PartnerFactory(), usd_client("1000", since=date(2025, 1, 1))
    DealFactory(partner=partner, client=client, closed_on=date(2025, 1, 5))
    accrue("2025-03")
    original = CommissionLine.objects.get()
    MrrFactory(client=client, date=date(2025, 3, 15), mrr=Decimal("1500"))
    summary = accrue("2025-03")
    assert (summary.accruals, summary.adjustments) == (0, 1)
    # 1500 × 20% = 300 due; 200 booked; adjustment 300 - 200 = 100
    assert amounts(partner, "2025-03") == [Decimal("200.00"), Decimal("100.00")]
    adjustment = CommissionLine.objects.get(kind="adjustment")
    assert (adjustment.sequence, adjustment.mrr) == (1, Decimal("1500.00"))
    assert adjustment.note == "MRR restated from 1,000.00 to 1,500.00 USD"
    unchanged = CommissionLine.objects.get(pk=original.pk)
    assert (unchanged.amount, unchanged.mrr, unchanged.idempotency_key) == (
        Decimal("200.00"),
        Decimal("1000.00"),
        original.idempotency_key,
    )
    assert accrue("2025-03").lines == 0


def test_the_monthly_run_restates_earlier_months_within_its_window():
    partner, client = PartnerFactory(), usd_client("1000", since=date(2025, 1, 1))
    DealFactory(partner=partner, client=client, closed_on=date(2025, 1, 5))
    accrue("2025-01")
    MrrFactory(client=client, date=date(2025, 1, 20), mrr=Decimal("900"))
    accrue("2025-02", restate=1)
    # January: 900 × 20% = 180 due, 200 booked → -20.00; February accrues 180.00
    assert amounts(partner, "2025-01") == [Decimal("200.00"), Decimal("-20.00")]
    assert amounts(partner, "2025-02") == [Decimal("180.00")]


def test_a_month_end_rate_converts_client_currency_to_the_payout_currency_as_final():
    partner = PartnerFactory(payout_currency="GBP")
    client = ClientFactory(currency="EUR", country="DE")
    MrrFactory(client=client, date=date(2025, 1, 1), mrr=Decimal("880"))
    DealFactory(partner=partner, client=client, closed_on=date(2025, 2, 1))
    month_end_rate("EUR", "2025-03", "90")
    month_end_rate("GBP", "2025-03", "75")
    accrue("2025-03")
    line = CommissionLine.objects.get()
    # 880 EUR × 20% = 176 EUR; ×100/90 = 195.5556 USD; ×75/100 = 146.6667 → 146.67 GBP
    assert (line.amount, line.currency, line.estimated) == (Decimal("146.67"), "GBP", False)
    assert (line.fx_per_100_usd, line.payout_fx_per_100_usd) == (Decimal("90"), Decimal("75"))


def test_without_a_month_end_rate_the_program_rate_is_used_and_restated_when_it_arrives():
    partner = PartnerFactory(payout_currency="GBP")
    client = ClientFactory(currency="EUR", country="DE")
    MrrFactory(client=client, date=date(2025, 1, 1), mrr=Decimal("880"))
    DealFactory(partner=partner, client=client, closed_on=date(2025, 2, 1))
    accrue("2025-03")
    estimated = CommissionLine.objects.get()
    # 176 EUR × 100/88 = 200 USD; × 74/100 = 148.00 GBP at the program rates
    assert (estimated.amount, estimated.estimated) == (Decimal("148.00"), True)
    assert (estimated.fx_per_100_usd, estimated.payout_fx_per_100_usd) == (
        Decimal("88"),
        Decimal("74"),
    )
    month_end_rate("EUR", "2025-03", "90")
    month_end_rate("GBP", "2025-03", "75")
    accrue("2025-03")
    restated = CommissionLine.objects.get(kind="adjustment")
    # 146.67 at the month-end rates - 148.00 booked = -1.33
    assert (restated.amount, restated.estimated) == (Decimal("-1.33"), False)
    assert restated.note == "Month-end rate recorded"
    assert sum(amounts(partner, "2025-03")) == Decimal("146.67")
    assert accrue("2025-03").lines == 0


def test_a_line_stays_estimated_while_either_currency_lacks_a_month_end_rate():
    partner = PartnerFactory(payout_currency="GBP")
    client = ClientFactory(currency="EUR", country="DE")
    MrrFactory(client=client, date=date(2025, 1, 1), mrr=Decimal("880"))
    DealFactory(partner=partner, client=client, closed_on=date(2025, 2, 1))
    month_end_rate("EUR", "2025-03", "90")
    accrue("2025-03")
    line = CommissionLine.objects.get()
    # 176 EUR × 100/90 × 74/100 (GBP program rate) = 144.7111 → 144.71
    assert (line.amount, line.estimated) == (Decimal("144.71"), True)


def test_a_rate_equal_to_the_program_rate_still_marks_the_month_final():
    partner = PartnerFactory()
    client = ClientFactory(currency="EUR", country="DE")
    MrrFactory(client=client, date=date(2025, 1, 1), mrr=Decimal("880"))
    DealFactory(partner=partner, client=client, closed_on=date(2025, 2, 1))
    accrue("2025-03")
    month_end_rate("EUR", "2025-03", "88")
    accrue("2025-03")
    # 176 EUR × 100/88 = 200.00 USD either way: a zero adjustment records the final figure
    assert amounts(partner, "2025-03") == [Decimal("200.00"), Decimal("0.00")]
    assert CommissionLine.objects.get(sequence=1).estimated is False


def test_a_deal_reversed_after_accrual_is_restated_to_zero():
    partner, client = PartnerFactory(), usd_client("1000")
    deal = DealFactory(partner=partner, client=client, closed_on=date(2025, 1, 10))
    accrue("2025-01")
    Deal.objects.filter(pk=deal.pk).update(stage=Deal.Stage.REVERSED, reversed_on=date(2025, 2, 1))
    accrue("2025-01")
    # 0 due - 200 booked = -200.00
    assert amounts(partner, "2025-01") == [Decimal("200.00"), Decimal("-200.00")]
    reversal = CommissionLine.objects.get(sequence=1)
    assert (reversal.currency, reversal.mrr_currency) == ("USD", "USD")


def test_a_client_without_mrr_or_with_zero_mrr_earns_no_line():
    partner = PartnerFactory()
    DealFactory(partner=partner, client=ClientFactory(), closed_on=date(2025, 1, 10))
    DealFactory(partner=partner, client=usd_client("0"), closed_on=date(2025, 1, 10))
    assert accrue("2025-01").lines == 0


def test_a_currency_without_any_rate_is_skipped_and_reported():
    partner = PartnerFactory()
    client = ClientFactory(currency="XYZ")
    MrrFactory(client=client, date=date(2025, 1, 1))
    DealFactory(partner=partner, client=client, closed_on=date(2025, 1, 10))
    summary = accrue("2025-01")
    assert (summary.lines, summary.unconvertible, summary.skipped_currencies) == (0, 1, ["XYZ"])


def test_running_a_month_twice_changes_nothing():
    partner = PartnerFactory(payout_currency="EUR")
    bulk_clients(partner, 4, since=date(2024, 1, 1), won_on=date(2024, 11, 3))
    first = accrue("2025-03", restate=5)
    line_rows = CommissionLine.objects.order_by("pk").values_list("pk", "amount", "payment_id")
    lines = list(line_rows)
    payments = list(CommissionPayment.objects.order_by("pk").values_list("pk", "amount"))
    second = accrue("2025-03", restate=5)
    # 4 clients × 5 months (Nov 2024 - Mar 2025; Oct 2024 is before the deals)
    assert (first.accruals, first.payments_created) == (20, 2)
    assert second.as_dict() | {"first_month": "", "last_month": ""} == {
        "first_month": "",
        "last_month": "",
        "accruals": 0,
        "adjustments": 0,
        "lines": 0,
        "unconvertible": 0,
        "payments_created": 0,
        "payments_updated": 0,
        "skipped_currencies": [],
    }
    assert list(line_rows.all()) == lines
    assert list(CommissionPayment.objects.order_by("pk").values_list("pk", "amount")) == payments


def test_quarters_and_the_45_day_schedule():
    assert quarter_of(date(2025, 3, 31)) == date(2025, 1, 1)
    assert quarter_of(date(2025, 4, 1)) == date(2025, 4, 1)
    assert payment_scheduled_on(date(2025, 1, 1)) == date(2025, 5, 15)  # Mar 31 + 45
    assert payment_scheduled_on(date(2025, 4, 1)) == date(2025, 8, 14)  # Jun 30 + 45
    assert payment_scheduled_on(date(2025, 7, 1)) == date(2025, 11, 14)  # Sep 30 + 45
    assert payment_scheduled_on(date(2025, 10, 1)) == date(2026, 2, 14)  # Dec 31 + 45


def test_each_quarters_lines_are_gathered_into_one_scheduled_payment():
    partner, client = PartnerFactory(), usd_client("1000")
    DealFactory(partner=partner, client=client, closed_on=date(2025, 1, 10))
    accrue("2025-04", restate=3)
    q1, q2 = CommissionPayment.objects.filter(partner=partner).order_by("quarter_start")
    # Q1: Jan + Feb + Mar = 3 × 200 = 600.00; Q2: Apr = 200.00
    assert (q1.quarter_start, q1.scheduled_on, q1.amount, q1.status) == (
        date(2025, 1, 1),
        date(2025, 5, 15),
        Decimal("600.00"),
        "scheduled",
    )
    assert (q2.quarter_start, q2.scheduled_on, q2.amount) == (
        date(2025, 4, 1),
        date(2025, 8, 14),
        Decimal("200.00"),
    )
    assert set(q1.lines.values_list("month", flat=True)) == {
        date(2025, 1, 1),
        date(2025, 2, 1),
        date(2025, 3, 1),
    }


def test_a_paid_payment_never_changes_and_late_lines_go_to_the_next_open_one():
    partner, client = PartnerFactory(), usd_client("1000", since=date(2025, 1, 1))
    DealFactory(partner=partner, client=client, closed_on=date(2025, 1, 10))
    accrue("2025-04", restate=3)
    q1 = CommissionPayment.objects.get(quarter_start=date(2025, 1, 1))
    commission_payment_mark_paid(payment=q1, paid_on=date(2025, 5, 15), reference="REF-Q1")
    MrrFactory(client=client, date=date(2025, 2, 10), mrr=Decimal("1500"))
    MrrFactory(client=client, date=date(2025, 3, 1), mrr=Decimal("1000"))
    accrue("2025-04", restate=3)
    q1.refresh_from_db()
    assert (q1.amount, q1.status, q1.lines.count()) == (Decimal("600.00"), "paid", 3)
    q2 = CommissionPayment.objects.get(quarter_start=date(2025, 4, 1))
    # April 200.00 + February's restatement (1500 × 20% - 200 = 100.00) = 300.00
    assert q2.amount == Decimal("300.00")
    assert q2.lines.get(kind="adjustment").month == date(2025, 2, 1)

    commission_payment_mark_paid(payment=q2, paid_on=date(2025, 8, 14), reference="REF-Q2")
    MrrFactory(client=client, date=date(2025, 1, 2), mrr=Decimal("1100"))
    accrue("2025-04", restate=3)
    # January restated: 1100 × 20% - 200 = 20.00, into a new Q3 payment (Q1 and Q2 are paid)
    q3 = CommissionPayment.objects.get(quarter_start=date(2025, 7, 1))
    assert (q3.amount, q3.scheduled_on, q3.status) == (
        Decimal("20.00"),
        date(2025, 11, 14),
        "scheduled",
    )
    q2.refresh_from_db()
    assert q2.amount == Decimal("300.00")
    with pytest.raises(CommissionError):
        commission_payment_mark_paid(payment=q2, paid_on=date(2025, 9, 1), reference="again")


def test_a_payment_is_totalled_in_the_partners_payout_currency():
    partner = PartnerFactory(payout_currency="EUR")
    client = usd_client("1000")
    DealFactory(partner=partner, client=client, closed_on=date(2025, 1, 10))
    accrue("2025-01")
    payment = CommissionPayment.objects.get()
    # 1000 USD × 20% = 200 USD; × 88/100 = 176.00 EUR (program rate, estimated)
    assert (payment.amount, payment.currency) == (Decimal("176.00"), "EUR")


def test_only_complete_months_accrue():
    with pytest.raises(CommissionError, match="not over yet"):
        commissions_accrue(month=date(2026, 11, 1), today=date(2026, 11, 22))
    with pytest.raises(CommissionError):
        commissions_accrue(month=date(2025, 1, 1), restate_months=-1)
    summary = commissions_accrue(month=date(2026, 10, 1), today=date(2026, 11, 22))
    assert summary.lines == 0


@pytest.mark.parametrize("text", ["2025-13", "2025-00", "2025-3", "25-03", "abc", "", "2025-03-01"])
def test_a_malformed_month_is_refused(text):
    with pytest.raises(CommissionError):
        parse_month(text)


def test_accrual_reads_and_updates_with_the_same_queries_at_5_and_500_clients():
    """Set-based: only the bulk INSERT's batches (SQLite binds at most 999 values per
    statement) grow with the number of lines."""
    partner = PartnerFactory()

    def count() -> int:
        CommissionLine.objects.all().delete()
        CommissionPayment.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            accrue("2025-03", restate=2)
        return sum(1 for q in queries if not q["sql"].startswith("INSERT"))

    bulk_clients(partner, 5, prefix="Few")
    small = count()
    bulk_clients(partner, 495, prefix="Many")
    assert count() == small
    assert CommissionLine.objects.count() == 1500  # 500 clients × Jan-Mar
