"""Serializers of the points calculator API: its inputs and answers (PROGRAM.md §10).

Decimals travel as strings with 2 places; every input error is reported against its field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from core.api import (
    StrictBooleanField,
    StrictDecimalField,
    StrictInputSerializer,
    StrictIntegerField,
)
from program import engine
from tierpage import calculator


def _amount(**kwargs: Any) -> serializers.DecimalField:
    return StrictDecimalField(
        max_digits=calculator.AMOUNT_DIGITS,
        decimal_places=calculator.AMOUNT_PLACES,
        min_value=Decimal(0),
        max_value=calculator.MAX_AMOUNT,
        **kwargs,
    )


def _figure(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=30, decimal_places=2, coerce_to_string=True, help_text=help_text
    )


class _RulesSerializer(StrictInputSerializer):
    market = serializers.CharField(
        max_length=60, help_text="The client's country, ISO 3166-1 alpha-2 (case-insensitive)."
    )
    currency = serializers.CharField(
        max_length=10, help_text="The client's currency, ISO 4217, one with a program rate."
    )

    def _rules(self) -> tuple[engine.Rules, date]:
        return self.context["rules"], self.context["on"]

    def validate_market(self, value: str) -> str:
        return calculator.validate_market(value)

    def validate_currency(self, value: str) -> str:
        rules, on = self._rules()
        return calculator.validate_currency(value, rules=rules, on=on)


class PointsCalculatorInputSerializer(_RulesSerializer):
    sold_amount = _amount(help_text="Monthly amount in the client's currency, 0 to 10^12.")
    deal_type = serializers.ChoiceField(
        choices=calculator.DEAL_TYPES, default=engine.SOURCED, required=False
    )
    will_manage = StrictBooleanField(default=False, required=False)
    other_managers = StrictIntegerField(
        min_value=0, max_value=calculator.MAX_OTHER_MANAGERS, default=0, required=False
    )


class PointsCalculatorOutputSerializer(serializers.Serializer):
    sold_points = _figure("Sold points the deal would earn.")
    managed_points = _figure("Managed points (0 unless managing), split among the managers.")
    total_points = _figure("Sold plus managed, each rounded first.")
    usd_equivalent = _figure("The monthly amount in US dollars at the program rate.")
    multiplier = serializers.CharField(help_text="The market multiplier (2 in a growth market).")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["multiplier"] = calculator.plain(instance.multiplier)
        return data


class CurrencyCalculatorInputSerializer(_RulesSerializer):
    direction = serializers.ChoiceField(choices=calculator.DIRECTIONS)
    sold_points = _amount(required=False, default=Decimal(0))
    managed_points = _amount(required=False, default=Decimal(0))
    sold_value = _amount(required=False, default=Decimal(0))
    managed_value = _amount(required=False, default=Decimal(0))


class PointsToCurrencyOutputSerializer(serializers.Serializer):
    sold_value = _figure("Monthly value in the currency that earns the sold points.")
    managed_value = _figure("Monthly value in the currency that earns the managed points.")


class CurrencyToPointsOutputSerializer(serializers.Serializer):
    sold_points = _figure("Sold points the monthly sold value earns (sourced rate).")
    managed_points = _figure("Managed points the monthly managed value earns.")
