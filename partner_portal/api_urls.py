"""``/api/v1/``: each app contributes its routes here."""

from __future__ import annotations

from django.urls import path

from points.apis import CalculatorCurrencyApi, CalculatorPointsApi

urlpatterns: list = [
    path("calculator/points/", CalculatorPointsApi.as_view(), name="api-calculator-points"),
    path("calculator/currency/", CalculatorCurrencyApi.as_view(), name="api-calculator-currency"),
]
