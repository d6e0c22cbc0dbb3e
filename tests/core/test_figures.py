"""The one path for shown figures (``core.figures``, ``{% load figures %}``) and the
rule that no template does arithmetic on a figure (PROGRAM.md §8a)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from hypothesis import example, given
from hypothesis import strategies as st

from core import figures

# Exact points as the ledger keeps them: up to 6 places, within what a partner can hold.
exact = st.decimals(
    min_value=Decimal("-1000000000"),
    max_value=Decimal("1000000000"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)
CENT = Decimal("0.01")


# --- the figures module ---------------------------------------------------------------------


@given(exact)
@example(Decimal("7.645"))
@example(Decimal("-0.004"))
def test_a_figure_is_shown_half_up_at_exactly_2_places(value: Decimal) -> None:
    shown = figures.shown(value)
    assert shown.as_tuple().exponent == -2
    assert shown == value.quantize(CENT, rounding=ROUND_HALF_UP)
    assert abs(shown - value) <= Decimal("0.005")
    assert figures.shown(shown) == shown  # showing a shown figure changes nothing


@pytest.mark.parametrize(
    ("exact_value", "expected"),
    [
        ("7.645", "7.65"),
        ("6.745", "6.75"),
        ("-7.645", "-7.65"),  # half away from zero, as engine.round_half_up
        ("2.675", "2.68"),  # no binary float on the way: 2.675 is not 2.67499...
        ("0.005", "0.01"),
        ("0.004999", "0.00"),
        ("-0.004", "0.00"),  # never "-0.00"
        ("143.114", "143.11"),
        (7, "7.00"),
    ],
)
def test_half_up_examples(exact_value: str | int, expected: str) -> None:
    assert str(figures.shown(exact_value)) == expected


@given(st.lists(exact, max_size=30))
def test_a_total_beside_its_parts_is_the_sum_of_the_parts_as_shown(parts: list[Decimal]) -> None:
    total = figures.shown_sum(parts)
    assert total == sum((figures.shown(p) for p in parts), Decimal(0))
    assert total.as_tuple().exponent == -2
    assert figures.shown(total) == total


@given(exact, exact)
@example(Decimal("7.645"), Decimal("6.745"))  # the review's Blue Wellness: 14.40, not 14.39
def test_combined_is_shown_sold_plus_shown_managed(sold: Decimal, managed: Decimal) -> None:
    pair = figures.points_pair(sold, managed)
    assert (pair.sold, pair.managed) == (figures.shown(sold), figures.shown(managed))
    assert pair.combined == pair.total == pair.sold + pair.managed
    assert pair.combined.as_tuple().exponent == -2
    # the reader adds the two figures shown and gets the figure shown beside them
    assert figures.formatted(pair.combined) == figures.formatted(pair.sold + pair.managed)


def test_rounding_the_sum_and_summing_the_rounded_differ_and_the_shown_parts_win() -> None:
    sold, managed = Decimal("7.645"), Decimal("6.745")
    assert figures.shown(sold + managed) == Decimal("14.39")
    assert figures.points_pair(sold, managed).combined == Decimal("14.40")


@pytest.mark.parametrize("value", [7.645, True, None, [Decimal(1)]])
def test_a_float_or_other_non_decimal_is_refused_not_approximated(value: object) -> None:
    with pytest.raises(TypeError):
        figures.shown(value)


@given(exact)
def test_formatted_is_the_pages_floatformat_2_intcomma_of_the_shown_figure(value: Decimal) -> None:
    text = figures.formatted(value)
    assert text == str(intcomma(floatformat(figures.shown(value), 2)))
    assert re.fullmatch(r"-?\d{1,3}(,\d{3})*\.\d{2}", text)
    assert Decimal(text.replace(",", "")) == figures.shown(value)


def test_formatted_writes_thousands_separators_and_nothing_for_none() -> None:
    assert figures.formatted(Decimal("2696.745")) == "2,696.75"
    assert figures.formatted(Decimal("-1234567.891")) == "-1,234,567.89"
    assert figures.formatted(None) == ""


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [("0.85", "85"), ("0.2", "20"), ("0.33335", "33.34"), ("1", "100"), (None, "")],
)
def test_a_ratio_is_shown_as_a_percentage_half_up(ratio: str | None, expected: str) -> None:
    assert figures.percent_text(ratio) == expected


def test_with_shown_points_sets_each_rows_figures_and_combined_from_them() -> None:
    class Row:
        def __init__(self, sold: str, managed: str) -> None:
            self.sold, self.managed = Decimal(sold), Decimal(managed)

    rows = figures.with_shown_points([Row("7.645", "6.745"), Row("2.884", "8.255")])
    assert [(r.sold, r.managed, r.combined) for r in rows] == [
        (Decimal("7.65"), Decimal("6.75"), Decimal("14.40")),
        (Decimal("2.88"), Decimal("8.26"), Decimal("11.14")),
    ]


# --- the template filters -------------------------------------------------------------------


def render(source: str, **context: object) -> str:
    return Template("{% load figures %}" + source).render(Context(context))


@given(exact)
@example(Decimal("7.645"))
def test_the_figure_filter_writes_the_digits_of_the_one_path(value: Decimal) -> None:
    assert render("{{ v|figure }}", v=value) == figures.formatted(value)


def test_the_figure_filter_shows_nothing_for_a_missing_figure() -> None:
    assert render("{{ v|figure }}", v=None) == ""
    assert render("{{ missing|figure }}") == ""


def test_the_percent_filter_shows_a_ratio_as_a_percentage() -> None:
    assert render("{{ v|percent }}%", v=Decimal("0.85")) == "85%"


# --- no arithmetic on figures in templates --------------------------------------------------

# Django's own (``add``, ``widthratio``) and those of the usual math filter libraries.
ARITHMETIC = re.compile(
    r"\|\s*(add|sub|subtract|mul|multiply|div|divide|intdiv|mod|modulo|addition|abs|absolute)"
    r"\s*(?=[:|}\s%])"
    r"|\{%-?\s*widthratio\b"
)


def template_files() -> list[Path]:
    """Every template of the project: the TEMPLATES dirs and the project apps' templates."""
    base = Path(settings.BASE_DIR)
    dirs = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    dirs += [p for p in base.glob("*/templates") if not p.is_relative_to(base / ".venv")]
    files = {f for d in dirs for f in d.rglob("*") if f.suffix in {".html", ".txt"}}
    return sorted(files)


def arithmetic_in(text: str) -> list[str]:
    """Each place where ``text`` (template source) does arithmetic, as its line."""
    return [line.strip() for line in text.splitlines() if ARITHMETIC.search(line)]


@pytest.mark.parametrize(
    "source",
    [
        "{{ client.sold|add:client.managed|floatformat:2 }}",
        "{{ a | add:1 }}",
        "{% with total=sold|add:managed %}{{ total }}{% endwith %}",
        "{% widthratio line.share 1 100 %}%",
        "{{ total|sub:needed }}",
        "{{ share|mul:100 }}",
        "{{ points|div:2 }}",
    ],
)
def test_the_arithmetic_check_catches_every_form(source: str) -> None:
    assert arithmetic_in(source) == [source]


@pytest.mark.parametrize(
    "source",
    [
        "{{ client.sold|figure }}",
        "{{ row.address }}",
        "{{ deal.mrr|floatformat:2|intcomma }}",
        "<a href=\"{% url 'clients:record' client.pk %}\">",
        "{{ summary.divisions }}",
    ],
)
def test_the_arithmetic_check_leaves_other_filters_alone(source: str) -> None:
    assert arithmetic_in(source) == []


def test_no_template_does_arithmetic_on_a_figure() -> None:
    files = template_files()
    assert len(files) > 40, "the check must see the project's templates"
    found = {
        str(path.relative_to(settings.BASE_DIR)): lines
        for path in files
        if (lines := arithmetic_in(path.read_text(encoding="utf-8")))
    }
    assert found == {}, (
        "Templates must not add, subtract or scale figures: compute the figure (a total from "
        f"its parts as shown, core.figures) in the selector or view. Found: {found}"
    )


def test_every_template_that_uses_the_figure_filters_loads_them() -> None:
    missing = [
        str(path.relative_to(settings.BASE_DIR))
        for path in template_files()
        if re.search(r"\|(figure|percent)\b", text := path.read_text(encoding="utf-8"))
        and not re.search(r"{%\s*load\b[^%]*\bfigures\b", text)
    ]
    assert missing == []
