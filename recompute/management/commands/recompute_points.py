"""``manage.py recompute_points``: the nightly recompute by hand, for one date or a range.

Every day must be today or a past day on or after the first day the program's rules are in
force (``program.dates.recompute_date_check``), and a range covers at most
``RECOMPUTE_MAX_RANGE_DAYS`` days: a date out of bounds stops the command with one line before
anything is written. A range prints each day's progress and the time left.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from program.dates import RecomputeDateError, recompute_date_check, recompute_range_check
from program.engine import RuleError
from program.rules import rules_load
from recompute.services import RecomputeSummary, points_recompute


def _parse(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date as YYYY-MM-DD, not {value!r}.") from None


def _duration(seconds: float) -> str:
    """``seconds`` as "1h 02m 03s", "2m 05s" or "12s"."""
    whole = max(round(seconds), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def progress(done: int, total: int, elapsed: float) -> str:
    """ "day 12 of 365, 3.4 days/s, about 1m 45s left" after ``done`` days in ``elapsed`` s."""
    rate = done / elapsed if elapsed > 0 else 0.0
    left = (total - done) / rate if rate else 0.0
    return f"day {done:,} of {total:,}, {rate:,.1f} days/s, about {_duration(left)} left"


def _summary_line(summary: RecomputeSummary) -> str:
    return (
        f"{summary.entries_appended} ledger entries appended "
        f"(won {summary.deals_won}, reversed {summary.deals_reversed}, "
        f"expired {summary.sold_expired}, managed {summary.managed_changes}); "
        f"{summary.snapshots_written} snapshots, {summary.standings_written} standings, "
        f"{summary.review_results_written} review results written"
    )


class Command(BaseCommand):
    help = (
        "Recompute points, snapshots and tier standings for a date (default today) or a range. "
        "Days after today or before the program's first rule are refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="One day, YYYY-MM-DD (default: today).")
        parser.add_argument("--from", dest="start", help="First day of a backfill, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", help="Last day of a backfill, YYYY-MM-DD.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["date"] and (options["start"] or options["end"]):
            raise CommandError("Give either --date or --from/--to, not both.")
        if bool(options["start"]) != bool(options["end"]):
            raise CommandError("--from and --to go together.")
        rules = rules_load(use_cache=False)
        try:
            if options["start"]:
                start, end = _parse(options["start"], "--from"), _parse(options["end"], "--to")
                if end < start:
                    raise CommandError(f"--to ({end}) is before --from ({start}).")
                days = recompute_range_check(start, end, rules=rules)
            else:
                start = (
                    _parse(options["date"], "--date") if options["date"] else timezone.localdate()
                )
                recompute_date_check(start, rules=rules)
                days = 1
        except RecomputeDateError as refused:
            raise CommandError(f"Nothing written: {refused}") from None
        began = time.monotonic()
        for index in range(days):
            day = start + timedelta(days=index)
            try:
                summary = points_recompute(on=day)
            except (RecomputeDateError, RuleError) as failed:
                done = f" (the {index:,} day(s) before it are written)" if index else ""
                raise CommandError(f"{day}: nothing written for this day{done}: {failed}") from None
            if days == 1:
                self.stdout.write(f"{day}: {_summary_line(summary)}")
            else:
                elapsed = time.monotonic() - began
                self.stdout.write(
                    f"{day} ({progress(index + 1, days, elapsed)}): {_summary_line(summary)}"
                )
