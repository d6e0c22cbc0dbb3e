"""The points API: the points calculator (PROGRAM.md §10) and the ledger."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiExample,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from partner_portal.api import IdFilter, PartnerListApi, StrictFilterSet, attr, errors
from partner_portal.parsers import BoundedJSONParser
from partners.authentication import ApiTokenAuthentication, IsPartnerMember

from . import calculator
from .models import LedgerEntry, Track
from .selectors import ledger_entries, rules_load
from .serializers import (
    CurrencyCalculatorInputSerializer,
    CurrencyToPointsOutputSerializer,
    LedgerEntrySerializer,
    PointsCalculatorInputSerializer,
    PointsCalculatorOutputSerializer,
    PointsToCurrencyOutputSerializer,
)


class _CalculatorApi(APIView):
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsPartnerMember]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "calculator"
    parser_classes = [BoundedJSONParser]

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
        tags=["calculator"],
        summary="Estimate the points a deal would earn",
        request=PointsCalculatorInputSerializer,
        responses={200: PointsCalculatorOutputSerializer, **errors()},
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
        tags=["calculator"],
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
            **errors(),
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


# --- the ledger ----------------------------------------------------------------------------


class LedgerFilter(StrictFilterSet):
    client = IdFilter(field_name="client_id", help_text="A client id.")
    track = django_filters.ChoiceFilter(choices=Track.choices)
    kind = django_filters.ChoiceFilter(choices=LedgerEntry.Kind.choices)
    start = django_filters.DateFilter(
        field_name="effective_on", lookup_expr="gte", help_text="Effective on or after."
    )
    end = django_filters.DateFilter(
        field_name="effective_on", lookup_expr="lte", help_text="Effective on or before."
    )

    class Meta:
        model = LedgerEntry
        fields = ["client", "track", "kind", "start", "end"]


class LedgerEntriesApi(PartnerListApi):
    """The partner's ledger: every change of its points, newest first."""

    serializer_class = LedgerEntrySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LedgerFilter
    export_name = "ledger"
    export_columns = [
        ("Entry ID", attr("pk")),
        ("Effective date", attr("effective_on")),
        ("Client ID", attr("client_id")),
        ("Client", attr("client.name")),
        ("Track", attr("get_track_display")),
        ("Kind", attr("get_kind_display")),
        ("Points", attr("points")),
        ("Deal ID", attr("deal_id")),
        ("Deal", attr("deal.name")),
        ("Expires on", attr("expires_on")),
        ("Reason", attr("reason")),
    ]

    def get_queryset(self) -> QuerySet[LedgerEntry]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return LedgerEntry.objects.none()
        return ledger_entries(partner=self.partner)

    @extend_schema(
        operation_id="ledger_entries",
        summary="Ledger entries: the changes that make up the partner's points",
        description=(
            "Append-only; points are signed with 6 decimal places. `?format=csv` or "
            "`?format=xlsx` downloads every filtered entry."
        ),
        tags=["points"],
        responses={200: LedgerEntrySerializer(many=True), **errors(400)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)
