"""``manage.py recompute_points``: the nightly recompute by hand, for one date or a range."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from points.services import points_recompute


def _parse(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = "Recompute points, snapshots and tier standings for a date (default today) or a range."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="One day, YYYY-MM-DD (default: today).")
        parser.add_argument("--from", dest="start", help="First day of a backfill, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", help="Last day of a backfill, YYYY-MM-DD.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["date"] and (options["start"] or options["end"]):
            raise CommandError("Give either --date or --from/--to, not both.")
        if bool(options["start"]) != bool(options["end"]):
            raise CommandError("--from and --to go together.")
        if options["start"]:
            start, end = _parse(options["start"], "--from"), _parse(options["end"], "--to")
            if end < start:
                raise CommandError(f"--to ({end}) is before --from ({start}).")
        else:
            start = end = (
                _parse(options["date"], "--date") if options["date"] else timezone.localdate()
            )
        day = start
        while day <= end:
            summary = points_recompute(on=day)
            self.stdout.write(
                f"{day}: {summary.entries_appended} ledger entries appended "
                f"(won {summary.deals_won}, reversed {summary.deals_reversed}, "
                f"expired {summary.sold_expired}, managed {summary.managed_changes}); "
                f"{summary.snapshots_written} snapshots, {summary.standings_written} standings, "
                f"{summary.review_results_written} review results written"
            )
            day += timedelta(days=1)
