"""``{% load figures %}``: the one way templates show a points figure (PROGRAM.md §8a).

``{{ value|figure }}`` writes a figure rounded half-up to 2 places from its exact value, with
thousands separators ("1,234.57"): the digits of ``core.figures.shown``, which the
API and the exports use too. ``{{ ratio|percent }}`` writes a ratio as a percentage ("85").
Neither does arithmetic between figures: a total is computed, from the parts as shown, by the
selector or view that passes it in.
"""

from __future__ import annotations

from decimal import Decimal

from django import template

from core.figures import formatted, percent_text

register = template.Library()


@register.filter(is_safe=True)
def figure(value: Decimal | int | str | None) -> str:
    """A points figure as shown: 2 places, half-up, thousands separated; "" for None."""
    if value is None or value == "":
        return ""
    return formatted(value)


@register.filter(is_safe=True)
def percent(value: Decimal | int | str | None) -> str:
    """A ratio (0 to 1) as the percentage shown, without the % sign; "" for None."""
    if value is None or value == "":
        return ""
    return percent_text(value)
