"""``manage.py accrue_commissions``: the monthly commission accrual by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from commissions.periods import CommissionError, parse_month, previous_month
from commissions.services import RESTATE_MONTHS, commissions_accrue
from core.ids import parse_whole_number

# A century: further back than any program history, and short enough to list its months.
MAX_RESTATE_MONTHS = 1200


class Command(BaseCommand):
    help = (
        "Accrue the commission lines of a month (default: the previous one), restate the months "
        "before it, and gather new lines into quarterly payments."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="The month to accrue, YYYY-MM (default: last month).")
        parser.add_argument(
            "--restate",
            default=str(RESTATE_MONTHS),
            help=(
                f"How many months before it to restate (default {RESTATE_MONTHS}; 0 for none; "
                f"at most {MAX_RESTATE_MONTHS})."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        restate_text: str = options["restate"]
        restate = parse_whole_number(restate_text, maximum=MAX_RESTATE_MONTHS)
        if restate is None:
            raise CommandError(
                f"--restate must be a whole number of months from 0 to {MAX_RESTATE_MONTHS} "
                f"in the digits 0-9, not {restate_text[:40]!r}."
            )
        try:
            month = (
                parse_month(options["month"])
                if options["month"] is not None
                else previous_month(timezone.localdate())
            )
            summary = commissions_accrue(month=month, restate_months=restate)
        except CommissionError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{summary.first_month:%Y-%m} to {summary.last_month:%Y-%m}: "
            f"{summary.accruals} accrual and {summary.adjustments} adjustment lines written; "
            f"{summary.payments_created} payments scheduled, {summary.payments_updated} re-totalled"
            + (
                f"; {summary.unconvertible} lines skipped (no rate for "
                f"{', '.join(summary.skipped_currencies)})"
                if summary.unconvertible
                else ""
            )
        )
