"""The monthly Celery task and ``manage.py accrue_commissions``."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from commissions.models import CommissionLine
from commissions.periods import previous_month
from commissions.tasks import commissions_accrue_task
from tests.factories import ClientFactory, DealFactory, MrrFactory, PartnerFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def won_client():
    partner, client = PartnerFactory(), ClientFactory()
    MrrFactory(client=client, date=date(2024, 1, 1), mrr=Decimal("1000"))
    DealFactory(partner=partner, client=client, closed_on=date(2025, 1, 10))
    return partner


def test_the_command_accrues_a_month_and_restates_the_months_before_it(won_client):
    out = StringIO()
    call_command("accrue_commissions", "--month", "2025-03", stdout=out)
    # Apr 2024 - Mar 2025 restated/accrued: lines for Jan, Feb and Mar 2025 (3 × 200.00)
    assert out.getvalue().strip() == (
        "2024-03 to 2025-03: 3 accrual and 0 adjustment lines written; "
        "1 payments scheduled, 1 re-totalled"
    )
    assert (
        sorted(CommissionLine.objects.values_list("amount", flat=True)) == [Decimal("200.00")] * 3
    )
    call_command("accrue_commissions", "--month", "2025-03", "--restate", "0", stdout=out)
    assert CommissionLine.objects.count() == 3


@pytest.mark.parametrize(
    "args",
    [
        ["--month", "2025-13"],
        ["--month", "March"],
        ["--month", "2025-03", "--restate", "-1"],
        ["--month", "2999-01"],
    ],
)
def test_the_command_refuses_bad_input_and_writes_nothing(won_client, args):
    with pytest.raises(CommandError):
        call_command("accrue_commissions", *args, stdout=StringIO())
    assert not CommissionLine.objects.exists()


def test_a_malformed_month_exits_non_zero_with_a_one_line_message():
    result = subprocess.run(
        [sys.executable, "manage.py", "accrue_commissions", "--month", "2025-3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "CommandError: A month is written YYYY-MM (e.g. 2025-03), not '2025-3'."
    ]


def test_the_task_accrues_the_given_month(won_client):
    result = commissions_accrue_task.apply(args=("2025-02",)).get()
    assert (result["last_month"], result["accruals"]) == ("2025-02", 2)  # Jan and Feb 2025
    assert commissions_accrue_task("2025-02")["lines"] == 0


def test_the_task_defaults_to_the_previous_month(won_client):
    result = commissions_accrue_task()
    assert result["last_month"] == f"{previous_month(timezone.localdate()):%Y-%m}"
