"""The points calculator (PROGRAM.md §10): input validation shared by the page and the API.

The arithmetic is the pure engine's (``estimate_points``, ``currency_to_points``,
``points_to_currency``); this module turns what a user typed into its inputs, with one clear
message per field, and never lets a bad value reach it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django_countries import countries

from core.widgets import Select
from program import engine

POINTS_TO_CURRENCY = "points_to_currency"
CURRENCY_TO_POINTS = "currency_to_points"
DIRECTIONS = (
    (POINTS_TO_CURRENCY, "Points to currency"),
    (CURRENCY_TO_POINTS, "Currency to points"),
)
DEAL_TYPES = ((engine.SOURCED, "Sourced"), (engine.ASSISTED, "Assisted"))
MAX_AMOUNT = engine.MAX_CALCULATOR_AMOUNT
MAX_OTHER_MANAGERS = engine.MAX_OTHER_MANAGERS
AMOUNT_PLACES = 6
AMOUNT_DIGITS = 13 + AMOUNT_PLACES


def currencies_on(rules: engine.Rules, on: date) -> list[str]:
    """The currencies with a program rate in force on ``on``, sorted, USD first."""
    codes = {r.currency.upper() for r in rules.fx_rates if r.effective_from <= on}
    return sorted(codes, key=lambda code: (code != "USD", code))


def validate_currency(value: Any, *, rules: engine.Rules, on: date) -> str:
    """The ISO 4217 code, upper-cased, if the program has a rate for it on ``on``."""
    code = str(value).strip().upper()
    if code not in currencies_on(rules, on):
        raise ValidationError(
            "Unknown currency %(code)s: choose one of %(known)s.",
            code="unknown_currency",
            params={"code": code or "(empty)", "known": ", ".join(currencies_on(rules, on))},
        )
    return code


def validate_market(value: Any) -> str:
    """The ISO 3166-1 alpha-2 country code, upper-cased."""
    code = str(value).strip().upper()
    if len(code) != 2 or code not in countries:
        raise ValidationError(
            "Unknown country %(code)s: use a two-letter ISO 3166 code such as US or BR.",
            code="unknown_country",
            params={"code": code or "(empty)"},
        )
    return code


def market_label(rules: engine.Rules, market: str, on: date) -> str:
    return "Growth market" if rules.is_growth_market(market, on) else "Standard market"


@dataclass(frozen=True)
class CurrencyResult:
    """A Currency-tab answer: the two figures asked for, rounded to 2 places."""

    direction: str
    sold: Decimal
    managed: Decimal
    multiplier: Decimal


def estimate(
    *,
    rules: engine.Rules,
    on: date,
    sold_amount: Decimal,
    currency: str,
    market: str,
    deal_type: str,
    will_manage: bool,
    other_managers: int,
) -> engine.PointsEstimate:
    """The Points tab: raises ValidationError when no rule applies."""
    try:
        return engine.estimate_points(
            rules,
            amount=sold_amount,
            currency=currency,
            country=market,
            deal_type=deal_type,
            will_manage=will_manage,
            other_managers=other_managers,
            on=on,
        )
    except engine.RuleError as error:
        raise ValidationError(str(error), code="no_rule") from error


def convert(
    *,
    rules: engine.Rules,
    on: date,
    direction: str,
    market: str,
    currency: str,
    sold: Decimal,
    managed: Decimal,
    places: int | None = 2,
) -> CurrencyResult:
    """The Currency tab: points to monthly values in ``currency``, or back (sourced rate)."""
    try:
        if direction == POINTS_TO_CURRENCY:
            sold_out, managed_out = engine.points_to_currency(
                rules,
                currency=currency,
                country=market,
                sold_points=sold,
                managed_points=managed,
                on=on,
                places=places,
            )
        else:
            sold_out, managed_out = engine.currency_to_points(
                rules,
                currency=currency,
                country=market,
                sold_value=sold,
                managed_value=managed,
                on=on,
                places=places,
            )
    except engine.RuleError as error:
        raise ValidationError(str(error), code="no_rule") from error
    return CurrencyResult(direction, sold_out, managed_out, rules.multiplier(market, on))


def plain(value: Decimal) -> str:
    """A multiplier as written: ``2``, ``1.5`` (never ``2.00`` or ``1E+1``)."""
    return f"{value.normalize():f}"


# --- the forms of the calculator sidebar ----------------------------------------------------


def _amount_field(label: str, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_value=MAX_AMOUNT,
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_PLACES,
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "inputmode": "decimal"}),
        error_messages={"max_value": "Enter at most 10^12.", "min_value": "Enter 0 or more."},
    )


def _country_choices() -> list[tuple[str, str]]:
    return [(code, f"{name} ({code})") for code, name in countries]


class _RulesForm(forms.Form):
    def __init__(self, *args: Any, rules: engine.Rules, on: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules, self.on = rules, on
        self.fields["currency"].widget = Select(choices=[(c, c) for c in currencies_on(rules, on)])
        self.fields["market"].widget = Select(choices=_country_choices())

    def clean_currency(self) -> str:
        return validate_currency(self.cleaned_data["currency"], rules=self.rules, on=self.on)

    def clean_market(self) -> str:
        return validate_market(self.cleaned_data["market"])


class PointsCalculatorForm(_RulesForm):
    """The Points tab: what a deal of a monthly amount would earn."""

    prefix = "points"

    sold_amount = _amount_field("Sold amount (monthly)")
    market = forms.CharField(label="Client market", max_length=60)
    currency = forms.CharField(label="Client currency", max_length=10)
    deal_type = forms.ChoiceField(
        label="Deal type", choices=DEAL_TYPES, initial=engine.SOURCED, required=False
    )
    will_manage = forms.BooleanField(label="Will you also manage this client?", required=False)
    other_managers = forms.IntegerField(
        label="How many other partners will manage this client?",
        min_value=0,
        max_value=MAX_OTHER_MANAGERS,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"min": "0", "max": str(MAX_OTHER_MANAGERS)}),
    )

    def result(self) -> engine.PointsEstimate | None:
        """The estimate for valid input, else None (errors are on the form)."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        try:
            return estimate(
                rules=self.rules,
                on=self.on,
                sold_amount=data["sold_amount"],
                currency=data["currency"],
                market=data["market"],
                deal_type=data["deal_type"] or engine.SOURCED,
                will_manage=data["will_manage"],
                other_managers=data["other_managers"] or 0,
            )
        except ValidationError as error:
            self.add_error(None, error)
            return None


class CurrencyCalculatorForm(_RulesForm):
    """The Currency tab: points to currency or currency to points; an empty figure counts as 0."""

    prefix = "currency"

    direction = forms.ChoiceField(
        label="Conversion method", choices=DIRECTIONS, initial=POINTS_TO_CURRENCY
    )
    market = forms.CharField(label="Client market", max_length=60)
    currency = forms.CharField(label="Client currency", max_length=10)
    sold_points = _amount_field("Sold points", required=False)
    managed_points = _amount_field("Managed points", required=False)
    sold_value = _amount_field("Sold value (monthly)", required=False)
    managed_value = _amount_field("Managed value (monthly)", required=False)

    def result(self) -> CurrencyResult | None:
        if not self.is_valid():
            return None
        data = self.cleaned_data
        to_currency = data["direction"] == POINTS_TO_CURRENCY
        sold = data["sold_points" if to_currency else "sold_value"] or Decimal(0)
        managed = data["managed_points" if to_currency else "managed_value"] or Decimal(0)
        try:
            return convert(
                rules=self.rules,
                on=self.on,
                direction=data["direction"],
                market=data["market"],
                currency=data["currency"],
                sold=sold,
                managed=managed,
            )
        except ValidationError as error:
            self.add_error(None, error)
            return None
