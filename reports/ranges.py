"""Report date ranges: the presets, a checked range of days, and the part of one that the
program has figures for (its first day to today).

A range's both ends are inclusive. A bad request (an unknown preset, a malformed or inverted
range, one over 5 years, one entirely outside the program's days) raises ``ReportError``,
whose message is shown to the user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from program import engine
from program.rules import rules_first_day, rules_load

PRESETS: dict[str, str] = {
    "last_30_days": "Last 30 days",
    "last_90_days": "Last 90 days",
    "this_quarter": "This quarter",
    "last_12_months": "Last 12 months",
}
CUSTOM = "custom"
MAX_SPAN_MONTHS = 60


class ReportError(ValueError):
    """A report request that cannot be answered; the message is shown to the user."""


def _parse_day(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except (ValueError, TypeError, AttributeError):
        raise ReportError(f"The {what} date must be a date like 2025-01-31.") from None


def _day(d: date) -> str:
    return f"{d:%b} {d.day}, {d.year}"


def preset_range(preset: str, *, today: date) -> tuple[date, date]:
    """The (start, end) of a preset range ending today, both inclusive."""
    if preset == "last_30_days":
        return today - timedelta(days=29), today
    if preset == "last_90_days":
        return today - timedelta(days=89), today
    if preset == "this_quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if preset == "last_12_months":
        return engine.add_months(today, -12) + timedelta(days=1), today
    raise ReportError("Choose a date range from the list.")


@dataclass(frozen=True)
class DateRange:
    """A range of days, both ends inclusive; ``preset`` is "" for a custom range."""

    start: date
    end: date
    preset: str = ""

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ReportError("The start date must be on or before the end date.")
        try:
            earliest = engine.add_months(self.end, -MAX_SPAN_MONTHS)
        except (ValueError, OverflowError):  # an end within 5 years of year 1
            earliest = date.min
        if earliest > self.start:
            raise ReportError("A date range can span at most 5 years.")
        if self.preset and self.preset not in PRESETS:
            raise ReportError("Choose a date range from the list.")

    @classmethod
    def from_params(
        cls,
        params: Mapping[str, Any],
        *,
        today: date,
        default: str = "last_30_days",
        prefix: str = "",
    ) -> DateRange:
        """Read ``range`` (a preset key or "custom"), ``start`` and ``end`` (YYYY-MM-DD).

        A missing ``range`` means ``default``, or "custom" when a start or end is given.
        ``prefix`` reads prefixed names (``d3-range`` ...) when a page holds several ranges.
        Raises ReportError for an unknown preset, a malformed date, an inverted range or a
        span over 5 years.
        """
        choice = str(params.get(f"{prefix}range") or "").strip()
        start_text = str(params.get(f"{prefix}start") or "").strip()
        end_text = str(params.get(f"{prefix}end") or "").strip()
        if not choice:
            choice = CUSTOM if (start_text or end_text) else default
        if choice == CUSTOM:
            if not start_text or not end_text:
                raise ReportError("A custom range needs both a start and an end date.")
            return cls(_parse_day(start_text, "start"), _parse_day(end_text, "end"))
        if choice not in PRESETS:
            raise ReportError("Choose a date range from the list.")
        start, end = preset_range(choice, today=today)
        return cls(start, end, choice)

    @property
    def label(self) -> str:
        dates = f"{_day(self.start)} – {_day(self.end)}"
        return f"{PRESETS[self.preset]} ({dates})" if self.preset else dates

    def as_params(self) -> dict[str, str]:
        return {
            "range": self.preset or CUSTOM,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def program_first_day() -> date | None:
    """The first day of the program's figures: the first day its rules are in force.

    Nothing is computed before it (the recompute refuses earlier days, a deal won earlier has
    no point rate, an adjustment cannot be dated earlier). Read from the cached rules, so it
    costs no query on a running server. None when no rules are published.
    """
    return rules_first_day(rules_load())


@dataclass(frozen=True)
class ProgramRange:
    """A requested range kept to the program's days, and what the reader should be told."""

    range: DateRange
    notice: str = ""


def program_range(range: DateRange, *, today: date) -> ProgramRange:
    """``range`` within the days the program has figures for: its first day to ``today``.

    A range entirely before the first day or entirely after today raises ReportError (its
    figures would be silent zeros). A range partly outside is clamped to those days, its
    preset dropped (the label names the days shown), with a notice saying why: the figures,
    the dialog behind each one and its exports then cover the same days.
    """
    first = program_first_day()
    if first is None:
        raise ReportError("The program has no rules in force yet: there are no figures to show.")
    if range.start > today:
        raise ReportError(
            f"This range starts after today ({_day(today)}): there are no figures for future days."
        )
    if range.end < first:
        raise ReportError(
            f"This range ends before {_day(first)}, the program's first day: there are no "
            "figures before it."
        )
    start, end = max(range.start, first), min(range.end, today)
    if (start, end) == (range.start, range.end):
        return ProgramRange(range)
    reasons = []
    if start != range.start:
        reasons.append(f"the program's figures start on {_day(first)}")
    if end != range.end:
        reasons.append("there are no figures after today")
    return ProgramRange(
        DateRange(start, end),
        f"Shown from {_day(start)} to {_day(end)}: {' and '.join(reasons)}.",
    )
