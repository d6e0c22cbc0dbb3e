"""The points API: the points calculator (PROGRAM.md §10)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from partners.authentication import ApiTokenAuthentication, IsPartnerMember

from . import calculator
from .selectors import rules_load
from .serializers import (
    CurrencyCalculatorInputSerializer,
    CurrencyToPointsOutputSerializer,
    PointsCalculatorInputSerializer,
    PointsCalculatorOutputSerializer,
    PointsToCurrencyOutputSerializer,
)

BAD_INPUT = OpenApiResponse(description="An error list per invalid field.")


class _CalculatorApi(APIView):
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsPartnerMember]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "calculator"

    def _validated(
        self, serializer_class: type[serializers.Serializer], request: Request
    ) -> tuple[serializers.Serializer, dict]:
        context = {"rules": rules_load(), "on": timezone.localdate()}
        serializer = serializer_class(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        return serializer, context


def _rule_error(error: DjangoValidationError) -> Response:
    return Response({"non_field_errors": error.messages}, status=status.HTTP_400_BAD_REQUEST)


class CalculatorPointsApi(_CalculatorApi):
    @extend_schema(
        operation_id="calculator_points",
        summary="Estimate the points a deal would earn",
        request=PointsCalculatorInputSerializer,
        responses={200: PointsCalculatorOutputSerializer, 400: BAD_INPUT},
        examples=[
            OpenApiExample(
                "EUR 1,000 in Germany, managed with one other partner",
                request_only=True,
                value={
                    "sold_amount": "1000",
                    "currency": "EUR",
                    "market": "DE",
                    "deal_type": "sourced",
                    "will_manage": True,
                    "other_managers": 1,
                },
            ),
            OpenApiExample(
                "The answer",
                response_only=True,
                value={
                    "sold_points": "56.82",
                    "managed_points": "5.68",
                    "total_points": "62.50",
                    "usd_equivalent": "1136.36",
                    "multiplier": "1",
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer, context = self._validated(PointsCalculatorInputSerializer, request)
        try:
            result = calculator.estimate(**context, **serializer.validated_data)
        except DjangoValidationError as error:
            return _rule_error(error)
        return Response(PointsCalculatorOutputSerializer(result).data)


class CalculatorCurrencyApi(_CalculatorApi):
    @extend_schema(
        operation_id="calculator_currency",
        summary="Convert points to currency or currency to points",
        description=(
            "`points_to_currency` takes `sold_points` and `managed_points` and answers "
            "`sold_value` and `managed_value`; `currency_to_points` takes `sold_value` and "
            "`managed_value` and answers `sold_points` and `managed_points`. A missing figure "
            "counts as 0. Sold points use the sourced rate."
        ),
        request=CurrencyCalculatorInputSerializer,
        responses={
            200: PolymorphicProxySerializer(
                component_name="CurrencyConversion",
                serializers=[PointsToCurrencyOutputSerializer, CurrencyToPointsOutputSerializer],
                resource_type_field_name=None,
            ),
            400: BAD_INPUT,
        },
        examples=[
            OpenApiExample(
                "100 sold and 20 managed points in Brazil, in US dollars",
                request_only=True,
                value={
                    "direction": "points_to_currency",
                    "market": "BR",
                    "currency": "USD",
                    "sold_points": "100",
                    "managed_points": "20",
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer, context = self._validated(CurrencyCalculatorInputSerializer, request)
        data = serializer.validated_data
        to_currency = data["direction"] == calculator.POINTS_TO_CURRENCY
        try:
            result = calculator.convert(
                **context,
                direction=data["direction"],
                market=data["market"],
                currency=data["currency"],
                sold=data["sold_points" if to_currency else "sold_value"],
                managed=data["managed_points" if to_currency else "managed_value"],
            )
        except DjangoValidationError as error:
            return _rule_error(error)
        if to_currency:
            out = {"sold_value": result.sold, "managed_value": result.managed}
            return Response(PointsToCurrencyOutputSerializer(out).data)
        out = {"sold_points": result.sold, "managed_points": result.managed}
        return Response(CurrencyToPointsOutputSerializer(out).data)
