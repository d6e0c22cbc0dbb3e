"""Serializers of the clients API: clients, deals, renewals, point changes, lists, reports."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clients.models import Deal, Renewal, SavedReport, StaticList
from clients.services import NAME_MAX
from core.api import MAX_ID, StrictInputSerializer, StrictIntegerField, decimal, figure, name_field
from reports.ranges import CUSTOM, PRESETS, DateRange, ReportError, program_range
from reports.reports import REPORT_KINDS

MAX_CLIENT_IDS = 10000


class ClientRowSerializer(serializers.Serializer):
    """One of the partner's clients with this partner's points and the current MRR."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    domain = serializers.CharField()
    country = serializers.CharField()
    currency = serializers.CharField()
    sold = figure(help_text="This partner's sold points.")
    managed = figure(help_text="This partner's managed points.")
    current_mrr = decimal(allow_null=True, help_text="In the client's currency.")


class ClientSearchSerializer(serializers.Serializer):
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Part of a name or domain."
    )


class ClientBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    domain = serializers.CharField()
    country = serializers.CharField()
    currency = serializers.CharField()


class DealSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    currency = serializers.CharField(source="client.currency", read_only=True)
    mrr = decimal(help_text="Monthly value in the client's currency.")

    class Meta:
        model = Deal
        fields = [
            "id",
            "name",
            "client",
            "client_name",
            "deal_type",
            "stage",
            "mrr",
            "currency",
            "created_on",
            "closed_on",
            "reversed_on",
            "shared_selling",
        ]
        read_only_fields = fields


class MrrPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    mrr = decimal()
    tools_used = serializers.IntegerField()
    products = serializers.CharField()


class ClientRenewalSerializer(serializers.Serializer):
    """A renewal of the client with its deadline (read from a (renewal, deadline) pair)."""

    date = serializers.DateField()
    deadline = serializers.DateField()
    products = serializers.CharField()
    mrr_change = decimal()
    status = serializers.ChoiceField(choices=Renewal.Status.choices)

    def to_representation(self, instance: Any) -> Any:
        renewal, deadline = instance
        return super().to_representation(
            {
                "date": renewal.date,
                "deadline": deadline,
                "products": renewal.products,
                "mrr_change": renewal.mrr_change,
                "status": renewal.status,
            }
        )


class ClientRecordSerializer(serializers.Serializer):
    """The client record (C1): only this partner's deals and points."""

    client = ClientBriefSerializer()
    managed = serializers.BooleanField()
    managed_since = serializers.DateField(allow_null=True)
    co_managers = serializers.IntegerField(help_text="Other partners sharing the managed split.")
    sold_points = figure()
    managed_points = figure()
    current_mrr = decimal(source="current_mrr.mrr", allow_null=True)
    deals = DealSerializer(many=True)
    mrr_history = MrrPointSerializer(many=True)
    renewals = ClientRenewalSerializer(many=True, source="renewal_deadlines")


class RenewalSerializer(serializers.Serializer):
    """An upcoming renewal (D6) with its time to renew and its deadline."""

    id = serializers.IntegerField(source="renewal.pk")
    client = serializers.IntegerField(source="renewal.client_id")
    client_name = serializers.CharField(source="renewal.client.name")
    date = serializers.DateField(source="renewal.date")
    products = serializers.CharField(source="renewal.products")
    mrr_change = decimal(source="renewal.mrr_change")
    last_active_employee = serializers.CharField(source="renewal.last_active_employee")
    renewal_manager = serializers.CharField(source="renewal.renewal_manager")
    status = serializers.ChoiceField(choices=Renewal.Status.choices, source="renewal.status")
    days_to_renew = serializers.IntegerField()
    deadline = serializers.DateField()
    days_to_deadline = serializers.IntegerField()


class RenewalQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        required=False, default=120, min_value=1, max_value=366, help_text="How far ahead."
    )


# --- point changes and reports -------------------------------------------------------------


class RangeSerializer(serializers.Serializer):
    """A date range: a preset, or ``custom`` with a start and an end (both inclusive).

    Left out: the last 30 days, or a custom range when a start or end is given. The range is
    kept to the program's days (its first day to today, ``reports.ranges.program_range``):
    one entirely outside them is refused with a field message (``start`` for a range after
    today, ``end`` for one before the first day), one partly outside is clamped and
    ``range_notice`` says so.
    """

    range = serializers.ChoiceField(
        choices=[*PRESETS, CUSTOM], required=False, help_text="A preset, or `custom`."
    )
    start = serializers.DateField(required=False, help_text="First day (YYYY-MM-DD).")
    end = serializers.DateField(required=False, help_text="Last day (YYYY-MM-DD).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        params = {
            "range": attrs.get("range", ""),
            "start": attrs["start"].isoformat() if attrs.get("start") else "",
            "end": attrs["end"].isoformat() if attrs.get("end") else "",
        }
        today = self.context["today"]
        try:
            asked = DateRange.from_params(params, today=today)
        except ReportError as error:
            raise serializers.ValidationError(str(error)) from None
        try:
            kept = program_range(asked, today=today)
        except ReportError as error:
            field = "start" if asked.start > today else "end"
            if not (params["start"] or params["end"]):
                field = "range"  # a preset: the caller gave no dates
            raise serializers.ValidationError({field: [str(error)]}) from None
        attrs["date_range"], attrs["range_notice"] = kept.range, kept.notice
        return attrs


class DateRangeSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    preset = serializers.CharField(help_text="The preset, empty for a custom range.")
    label = serializers.CharField()  # type: ignore[assignment]
    notice = serializers.CharField(
        help_text="Why the days differ from the ones asked for (a range partly before the "
        "program's first day or after today is clamped to its days); empty when they do not."
    )


class PointChangesSerializer(serializers.Serializer):
    """The four point-change figures (D3) of a range, lost points as positive numbers."""

    range = DateRangeSerializer()
    new_sold = figure(help_text="The sum of the per-client rows as shown.")
    lost_sold = figure(help_text="The sum of the per-client rows as shown.")
    new_managed = figure(help_text="The sum of the per-client rows as shown.")
    lost_managed = figure(help_text="The sum of the per-client rows as shown.")


class ReportRowSerializer(serializers.Serializer):
    """One client's share of a figure: points for a point kind, a deal count for a deal kind."""

    client = serializers.IntegerField(source="client_id")
    client_name = serializers.CharField()
    points = serializers.SerializerMethodField()
    deals = serializers.SerializerMethodField()
    entries = serializers.IntegerField(help_text="Ledger entries or deals behind the value.")

    @staticmethod
    def _is_points(row: Any) -> bool:
        return not isinstance(row.value, int)

    @extend_schema_field(
        serializers.DecimalField(
            max_digits=24,
            decimal_places=2,
            allow_null=True,
            help_text="Points (2 places) for a point kind; null for a deal kind.",
        )
    )
    def get_points(self, row: Any) -> str | None:
        if not self._is_points(row):
            return None
        return figure().to_representation(row.value)

    @extend_schema_field(
        serializers.IntegerField(
            allow_null=True, help_text="The number of deals for a deal kind; null for a point kind."
        )
    )
    def get_deals(self, row: Any) -> int | None:
        return None if self._is_points(row) else int(row.value)


class SavedReportSerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email", read_only=True, allow_null=True)

    class Meta:
        model = SavedReport
        fields = ["id", "name", "kind", "range_preset", "start", "end", "created_by", "created_at"]
        read_only_fields = fields


class SavedReportCreateSerializer(StrictInputSerializer, RangeSerializer):
    name = name_field(NAME_MAX)
    kind = serializers.ChoiceField(choices=list(REPORT_KINDS))


class NameSerializer(StrictInputSerializer):
    name = name_field(NAME_MAX)


class StaticListSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True, help_text="Clients on the list.")

    class Meta:
        model = StaticList
        fields = ["id", "name", "member_count", "created_at"]
        read_only_fields = fields


def _client_ids(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        max_length=MAX_CLIENT_IDS,
        **kwargs,
    )


class ClientIdsSerializer(StrictInputSerializer):
    client_ids = _client_ids(
        help_text=(
            "Ids of the caller's partner's clients; if any is not one of them, the request "
            "answers 400 naming those ids and changes nothing."
        ),
    )


class StaticListCreateSerializer(NameSerializer):
    client_ids = _client_ids(
        required=False, help_text="Clients to put on the new list (the caller's partner's only)."
    )


class ListAddResultSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    already = serializers.IntegerField(help_text="Clients that were on the list already.")


class ListMemberSerializer(serializers.Serializer):
    client = ClientBriefSerializer()
    added_at = serializers.DateTimeField()
