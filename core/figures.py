"""One path for every points figure the portal shows (PROGRAM.md §8a "How figures are shown").

A figure is shown rounded half-up to 2 places from its exact value (``shown``), and a total
that stands beside its parts is the sum of the parts as shown (``shown_sum``, ``points_pair``):
a client's combined points are its shown sold plus its shown managed points, a partner's total
is its shown sold plus its shown managed points, and a dialog's or report's total is the sum of
its rows as shown. Pages format a figure with ``formatted`` (the ``figure`` filter of
``{% load figures %}``), the API with ``core.api.figure``, and exports write the
``shown`` Decimal: so the same figure has the same digits everywhere. Tier requirements are
compared with the shown figures (``tiers.services.performance_tiers``).

Only Decimals (or ints) are accepted: a float is refused rather than rounded from its binary
approximation. The ledger's own arithmetic stays exact (``program.engine``); this module only
decides what is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat

from program.engine import round_half_up

PLACES = 2
_ZERO = Decimal("0.00")


def _exact(value: Decimal | int | str) -> Decimal:
    """``value`` as an exact Decimal; floats (and bools) are refused, never approximated."""
    if isinstance(value, bool | float):
        raise TypeError(f"a figure must be a Decimal, not {type(value).__name__}: {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | str):
        return Decimal(value)
    raise TypeError(f"a figure must be a Decimal, not {type(value).__name__}: {value!r}")


def shown(value: Decimal | int | str) -> Decimal:
    """The figure as shown: rounded half-up (away from zero) to 2 places, never ``-0.00``."""
    return round_half_up(_exact(value), PLACES)


def shown_or_none(value: Decimal | int | str | None) -> Decimal | None:
    """``shown`` of ``value``, or None for a figure that does not exist."""
    return None if value is None else shown(value)


def shown_sum(values: Iterable[Decimal | int | str]) -> Decimal:
    """The total shown beside ``values``: the sum of each value as shown (2 places)."""
    return sum((shown(value) for value in values), _ZERO)


@dataclass(frozen=True)
class PointsPair:
    """Sold and managed points as shown, and their combined total (the sum of the two)."""

    sold: Decimal
    managed: Decimal

    @property
    def combined(self) -> Decimal:
        return self.sold + self.managed

    @property
    def total(self) -> Decimal:
        """A partner's total points: the same sum as ``combined``, by its §7 name."""
        return self.combined


def points_pair(sold: Decimal | int, managed: Decimal | int) -> PointsPair:
    """Exact sold and managed points as shown, with a combined total that adds up."""
    return PointsPair(shown(sold), shown(managed))


class _PointsRow(Protocol):
    sold: Any
    managed: Any


R = TypeVar("R", bound=_PointsRow)


def with_shown_points(rows: Iterable[R]) -> list[R]:
    """``rows`` (clients annotated with their exact ``sold`` and ``managed`` points) with both
    replaced by the figures shown and ``combined`` set to the sum of those (§8a).

    For the rows of one page, after the database has filtered, sorted and sliced them.
    """
    result = []
    for row in rows:
        pair = points_pair(row.sold, row.managed)
        row.sold, row.managed = pair.sold, pair.managed
        row.combined = pair.combined  # type: ignore[attr-defined]
        result.append(row)
    return result


def formatted(value: Decimal | int | str | None) -> str:
    """A figure as every page writes it: 2 places, thousands separated ("1,234.57").

    The same text as ``{{ value|floatformat:2|intcomma }}`` of the shown figure; "" for None.
    """
    if value is None:
        return ""
    return str(intcomma(floatformat(shown(value), PLACES)))


def percent_text(ratio: Decimal | int | str | None) -> str:
    """A ratio (0.85) as the percentage shown ("85", "33.33"): ×100, half-up to 2 places,
    trailing ".00" left out; "" for None."""
    if ratio is None:
        return ""
    return str(floatformat(shown(_exact(ratio) * 100), f"-{PLACES}"))
