"""The days a recompute may run for.

Today, or a past day on which the program's rules are in force.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone

from program import engine
from program.rules import rules_first_day, rules_load

# The longest --from/--to backfill of ``recompute_points``, in days (about ten years); the
# setting RECOMPUTE_MAX_RANGE_DAYS overrides it.
RECOMPUTE_MAX_RANGE_DAYS = 3660


class RecomputeDateError(ValueError):
    """A day the recompute refuses: after today, or before the program's rules are in force.

    The message is one line, meant for the person who asked (command, admin, task log).
    """


def recompute_date_check(
    on: date, *, rules: engine.Rules | None = None, today: date | None = None
) -> None:
    """Refuse a recompute of ``on`` after today or before the first day a rule is in force.

    Today is the program's (``timezone.localdate()``): the ledger is append-only, so entries
    dated ahead could never be taken back. Before ``program.rules.rules_first_day`` no FX rate,
    point rate or tier applies. Raises ``RecomputeDateError``; checks only, writes nothing.
    """
    today = today or timezone.localdate()
    if on > today:
        raise RecomputeDateError(
            f"{on.isoformat()} is after today ({today.isoformat()}): the recompute runs for "
            "today or a past day only."
        )
    first = rules_first_day(rules if rules is not None else rules_load(use_cache=False))
    if first is None:
        raise RecomputeDateError(
            "The program has no FX rate, point rate or tier published: there is nothing to "
            "recompute with."
        )
    if on < first:
        raise RecomputeDateError(
            f"{on.isoformat()} is before {first.isoformat()}, the first day the program's rules "
            "are in force: no rule applies to it."
        )


def recompute_max_range_days() -> int:
    """The longest backfill, in days: the setting RECOMPUTE_MAX_RANGE_DAYS, else 3,660."""
    return int(getattr(settings, "RECOMPUTE_MAX_RANGE_DAYS", RECOMPUTE_MAX_RANGE_DAYS))


def recompute_range_check(
    start: date, end: date, *, rules: engine.Rules | None = None, today: date | None = None
) -> int:
    """Refuse a backfill from ``start`` to ``end`` (both included) that cannot run whole.

    An inverted range, one longer than ``recompute_max_range_days()`` or one with a day out
    of ``recompute_date_check``'s bounds raises ``RecomputeDateError`` before any day is
    written. Returns the number of days.
    """
    if end < start:
        raise RecomputeDateError(f"The range ends ({end}) before it starts ({start}).")
    days = (end - start).days + 1
    limit = recompute_max_range_days()
    if days > limit:
        raise RecomputeDateError(
            f"{start} to {end} covers {days:,} days; a backfill covers at most "
            f"{limit:,} days (RECOMPUTE_MAX_RANGE_DAYS): split it."
        )
    rules = rules if rules is not None else rules_load(use_cache=False)
    recompute_date_check(start, rules=rules, today=today)
    recompute_date_check(end, rules=rules, today=today)
    return days
