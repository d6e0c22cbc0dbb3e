"""The points API: the partner's ledger entries, filtered and exportable."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework.request import Request

from core.api import IdFilter, StrictFilterSet, attr, errors
from partners.api import PartnerListApi
from points.models import LedgerEntry
from points.selectors import ledger_entries
from points.serializers import (
    LedgerEntrySerializer,
)
from program.models import Track

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
