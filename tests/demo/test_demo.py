"""``commissions_demo_seed``: 24 months of lines and payments on factory data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from commissions.models import CommissionLine, CommissionPayment, MonthEndRate
from demo.seed.commissions import commissions_demo_seed
from tests.factories import ClientFactory, DealFactory, MrrFactory, PartnerFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 22)


@pytest.fixture
def partners():
    usd = PartnerFactory(payout_currency="USD")
    alpha = ClientFactory(name="Alpha Co")
    MrrFactory(client=alpha, date=date(2023, 1, 1), mrr=Decimal("1000"))
    DealFactory(partner=usd, client=alpha, closed_on=date(2024, 6, 10))
    eur = PartnerFactory(payout_currency="EUR", country="DE")
    beta = ClientFactory(name="Beta GmbH", currency="EUR", country="DE")
    MrrFactory(client=beta, date=date(2023, 1, 1), mrr=Decimal("880"))
    DealFactory(partner=eur, client=beta, closed_on=date(2025, 9, 5))
    return usd, eur


def test_the_demo_accrues_24_months_and_pays_the_payments_already_due(partners):
    usd, eur = partners
    # months Nov 2024 - Oct 2026: Alpha all 24 (its term runs Jun 2024 - May 2027),
    # Beta Sep 2025 - Oct 2026 = 14
    assert commissions_demo_seed(today=TODAY) == 38
    assert CommissionLine.objects.filter(partner=usd).count() == 24
    assert CommissionLine.objects.filter(partner=eur).count() == 14
    # month-end rates for every month but the latest: only October 2026 is estimated
    assert list(
        CommissionLine.objects.filter(partner=eur, estimated=True).values_list("month", flat=True)
    ) == [date(2026, 10, 1)]
    assert not MonthEndRate.objects.filter(month=date(2026, 10, 1)).exists()
    assert not CommissionLine.objects.filter(partner=usd, estimated=True).exists()

    # Alpha: Q4 2024 ... Q4 2026 = 9 quarters; Q4 2026 (due 14 Feb 2027) is still scheduled
    usd_payments = CommissionPayment.objects.filter(partner=usd).order_by("quarter_start")
    assert [p.status for p in usd_payments] == ["paid"] * 8 + ["scheduled"]
    q3 = usd_payments.get(quarter_start=date(2026, 7, 1))
    assert (q3.scheduled_on, q3.paid_on, q3.reference) == (
        date(2026, 11, 14),
        date(2026, 11, 14),
        f"COM-{usd.pk:04d}-2026Q3",
    )
    assert q3.amount == Decimal("600.00")  # 3 × 1000 × 20%
    # Beta: Q3 2025 ... Q4 2026 = 6 quarters, 5 paid
    assert CommissionPayment.objects.filter(partner=eur, status="paid").count() == 5
    assert CommissionPayment.objects.filter(partner=eur, status="scheduled").count() == 1


def test_seeding_again_writes_nothing_and_keeps_paid_payments(partners):
    commissions_demo_seed(today=TODAY)
    before = list(CommissionPayment.objects.order_by("pk").values_list("status", "amount"))
    assert commissions_demo_seed(today=TODAY) == 0
    assert list(CommissionPayment.objects.order_by("pk").values_list("status", "amount")) == before
