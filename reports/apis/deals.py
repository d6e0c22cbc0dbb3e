"""The clients API's deal and renewal endpoints: the partner's deals, filtered, and the upcoming
renewals of its clients (D6)."""

from __future__ import annotations

from typing import Any

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request

from clients.models import Deal
from clients.overview import upcoming_renewals
from clients.selectors import deals_of
from core.api import BooleanFilter, IdFilter, StrictFilterSet, attr, errors
from partners.api import PartnerListApi
from reports.serializers import DealSerializer, RenewalQuerySerializer, RenewalSerializer


class DealFilter(StrictFilterSet):
    stage = django_filters.ChoiceFilter(choices=Deal.Stage.choices)
    deal_type = django_filters.ChoiceFilter(choices=Deal.DealType.choices)
    shared_selling = BooleanFilter(
        help_text="`true` for shared-selling deals only, `false` for the others."
    )
    client = IdFilter(field_name="client_id", help_text="A client id.")
    start = django_filters.DateFilter(
        field_name="created_on", lookup_expr="gte", help_text="Created on or after."
    )
    end = django_filters.DateFilter(
        field_name="created_on", lookup_expr="lte", help_text="Created on or before."
    )

    class Meta:
        model = Deal
        fields = ["stage", "deal_type", "shared_selling", "client", "start", "end"]


class DealsApi(PartnerListApi):
    serializer_class = DealSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = DealFilter
    export_name = "deals"
    export_columns = [
        ("Deal ID", attr("pk")),
        ("Deal", attr("name")),
        ("Client ID", attr("client_id")),
        ("Client", attr("client.name")),
        ("Deal type", attr("get_deal_type_display")),
        ("Stage", attr("get_stage_display")),
        ("MRR", attr("mrr")),
        ("Currency", attr("client.currency")),
        ("Created on", attr("created_on")),
        ("Closed on", attr("closed_on")),
        ("Reversed on", attr("reversed_on")),
        ("Shared selling", attr("shared_selling")),
    ]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Deal.objects.none()
        return deals_of(partner=self.partner)

    @extend_schema(
        operation_id="deals_list",
        summary="The partner's deals, newest first",
        description=(
            "`start` and `end` bound the creation date. `?format=csv` or `?format=xlsx` "
            "downloads every filtered deal."
        ),
        tags=["clients"],
        responses={200: DealSerializer(many=True), **errors(400)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)


class RenewalsApi(PartnerListApi):
    serializer_class = RenewalSerializer
    export_name = "renewals"
    export_columns = [
        ("Client ID", attr("renewal.client_id")),
        ("Client", attr("renewal.client.name")),
        ("Renewal date", attr("renewal.date")),
        ("Products", attr("renewal.products")),
        ("MRR change", attr("renewal.mrr_change")),
        ("Last active employee", attr("renewal.last_active_employee")),
        ("Renewal manager", attr("renewal.renewal_manager")),
        ("Days to renew", attr("days_to_renew")),
        ("Renewal deadline", attr("deadline")),
        ("Status", attr("renewal.get_status_display")),
    ]

    def items(self) -> Any:
        days = self.query(RenewalQuerySerializer)["days"]
        return upcoming_renewals(partner=self.partner, on=self.today, days=days)

    @extend_schema(
        operation_id="renewals_list",
        summary="Upcoming renewals of the partner's clients, soonest first",
        description="Renewals in the next `days` days (D6); the deadline is 45 days before.",
        tags=["clients"],
        parameters=[RenewalQuerySerializer],
        responses={200: RenewalSerializer(many=True), **errors(400)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)
