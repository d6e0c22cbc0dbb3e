"""The tier API: standing, insights, the Points Breakdown, a client's points, points history.

Each endpoint serves the selectors of the Tier page and the dashboard (``tiers.selectors``,
``tiers.breakdown``, ``tiers.progress``), scoped to the caller's partner.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from clients.metrics import account_metrics_of
from core.api import errors, id_parameter, object_id
from core.parsers import BoundedJSONParser
from partners.api import PartnerApi, PartnerListApi
from partners.authentication import ApiTokenAuthentication, IsPartnerMember
from program.rules import rules_load
from tierpage import calculator
from tierpage.calculator_serializers import (
    CurrencyCalculatorInputSerializer,
    CurrencyToPointsOutputSerializer,
    PointsCalculatorInputSerializer,
    PointsCalculatorOutputSerializer,
    PointsToCurrencyOutputSerializer,
)
from tierpage.serializers import (
    BreakdownQuerySerializer,
    BreakdownRowSerializer,
    ClientPointsSerializer,
    InsightsSerializer,
    PointsHistorySerializer,
    StandingSerializer,
    TargetQuerySerializer,
)
from tiers.breakdown import (
    BREAKDOWN_EXPORT_HEADER,
    breakdown_export_rows,
    breakdown_rows,
    client_detail,
    growth_countries,
    partner_client,
)
from tiers.progress import UnknownTier, program_progress, tier_progression
from tiers.selectors import (
    progress_over_time,
    standing_summary,
    tier_insights,
    tier_table,
)

TAGS = ["tier"]


class StandingApi(PartnerApi):
    serializer_class = StandingSerializer

    @extend_schema(
        operation_id="tier_standing",
        summary="The tier standing, the account metrics and every tier's requirements",
        tags=TAGS,
        responses={200: StandingSerializer, **errors()},
    )
    def get(self, request: Request) -> Response:
        rules = rules_load()
        summary = standing_summary(partner=self.partner, on=self.today)
        progress = program_progress(partner=self.partner, on=self.today, summary=summary)
        data = {
            **asdict(summary),
            "sourced_mrr_12m": progress.sourced_mrr_12m,
            "sourced_amount_12m": progress.sourced_amount_12m,
            "csr_percent": progress.csr_percent,
            "tiers": tier_table(summary=summary, rules=rules, on=self.today),
        }
        return Response(StandingSerializer(data).data)


class InsightsApi(PartnerApi):
    serializer_class = InsightsSerializer

    @extend_schema(
        operation_id="tier_insights",
        summary="Tier insights and the progress towards a target tier",
        description=(
            "To maintain the credited tier, to move up, sold points expiring before the next "
            "review and the projected tier (PROGRAM.md §7); then total, sold and managed points "
            "against `target` (the dashboard's “Get to”). An unknown `target` answers 400."
        ),
        tags=TAGS,
        parameters=[TargetQuerySerializer],
        responses={200: InsightsSerializer, **errors(400)},
    )
    def get(self, request: Request) -> Response:
        target = self.query(TargetQuerySerializer).get("target", "").strip()
        rules = rules_load()
        summary = standing_summary(partner=self.partner, on=self.today)
        try:
            progression = tier_progression(
                partner=self.partner, on=self.today, tier_key=target, summary=summary
            )
        except UnknownTier as error:
            raise serializers.ValidationError({"target": [str(error)]}) from None
        insights = tier_insights(partner=self.partner, summary=summary, rules=rules, on=self.today)
        data: dict[str, Any] = {
            **asdict(insights),
            "median_tool_usage": account_metrics_of(
                partner=self.partner, on=self.today, rules=rules
            ).median_tool_usage,
            "target": progression.target,
            "targets": progression.choices,
            "target_reached": progression.reached,
            "requirements": progression.requirements,
        }
        return Response(InsightsSerializer(data).data)


class BreakdownApi(PartnerListApi):
    serializer_class = BreakdownRowSerializer
    export_name = "points-breakdown"

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "growth": self._growth}

    def items(self) -> Any:
        filters = self.query(BreakdownQuerySerializer)
        rules = rules_load()
        self._growth = set(growth_countries(rules=rules, on=self.today))
        return breakdown_rows(
            partner=self.partner,
            on=self.today,
            rules=rules,
            deal_type=filters.get("deal_type", ""),
            market_type=filters.get("market_type", ""),
            sort=filters["sort"],
        )

    def export_header(self) -> list[str]:
        return list(BREAKDOWN_EXPORT_HEADER)

    def export_rows(self, items: Any) -> Any:
        return breakdown_export_rows(items, self._growth)

    @extend_schema(
        operation_id="tier_breakdown",
        summary="The Points Breakdown: one row per client with its points",
        description=(
            "Sold, managed and combined points per client (T5), filtered and sorted as on the "
            "page. `?format=csv` or `?format=xlsx` downloads every filtered row."
        ),
        tags=TAGS,
        parameters=[BreakdownQuerySerializer],
        responses={200: BreakdownRowSerializer(many=True), **errors(400)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)


class ClientPointsApi(PartnerApi):
    serializer_class = ClientPointsSerializer

    @extend_schema(
        operation_id="client_points",
        summary="A client's points as this partner sees them",
        description=(
            "Sold and managed history, active managed points and every sold entry with its "
            "status and expiry (T6). Another partner's client answers 404."
        ),
        tags=["clients"],
        parameters=[id_parameter("client_id", "A client of the caller's partner.")],
        responses={200: ClientPointsSerializer, **errors()},
    )
    def get(self, request: Request, client_id: str) -> Response:
        client = partner_client(partner=self.partner, client_id=object_id(client_id))
        if client is None:
            raise NotFound("No such client.")
        detail = client_detail(
            partner=self.partner, client=client, on=self.today, rules=rules_load()
        )
        return Response(ClientPointsSerializer(detail).data)


class PointsHistoryApi(PartnerApi):
    serializer_class = PointsHistorySerializer

    @extend_schema(
        operation_id="points_history",
        summary="Monthly points for the last 12 months and a 3-month projection",
        description=(
            "The last daily snapshot of each month (T7), then the projection from the latest "
            "snapshot with only the scheduled sold expiries applied. Both empty before the "
            "first recompute."
        ),
        tags=["points"],
        responses={200: PointsHistorySerializer, **errors()},
    )
    def get(self, request: Request) -> Response:
        actual, projected = progress_over_time(partner=self.partner, on=self.today)
        return Response(PointsHistorySerializer({"monthly": actual, "projection": projected}).data)


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
