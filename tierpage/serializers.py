"""Serializers of the tier API: the standing, the insights, the breakdown, a client's points."""

from __future__ import annotations

from rest_framework import serializers

from core.api import decimal, figure, shown_total
from tiers.breakdown import BREAKDOWN_SORTS, DEFAULT_SORT

SORT_CHOICES = [f"{prefix}{key}" for key in BREAKDOWN_SORTS for prefix in ("", "-")]


class NeedsSerializer(serializers.Serializer):
    """What a tier still needs beyond the figures as shown."""

    total = figure(help_text="Total points still needed.")
    sold = figure(help_text="Sold points still needed.")
    managed = figure(help_text="Managed points still needed.")


class TierRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    total_points = decimal()
    sold_min = decimal()
    managed_min = decimal()
    needs = NeedsSerializer()
    reached = serializers.BooleanField()
    is_credited = serializers.BooleanField()
    is_performance = serializers.BooleanField()
    by_invitation = serializers.BooleanField()


class StandingSerializer(serializers.Serializer):
    """The standing (tier page, dashboard D1) and the tiers beside it."""

    as_of = serializers.DateField(allow_null=True, help_text="The day of the latest recompute.")
    credited_tier = serializers.CharField()
    performance_tier = serializers.CharField()
    sold = figure()
    managed = figure()
    total = figure(help_text="Sold plus managed, each as shown.")
    next_tier = serializers.CharField(allow_null=True)
    needs_for_next = NeedsSerializer(allow_null=True)
    certified_until = serializers.DateField(allow_null=True)
    sourced_mrr_12m = decimal(help_text="Rolling 12-month sourced MRR, US$.")
    sourced_amount_12m = decimal(help_text="The same × 12, US$.")
    csr_percent = decimal(allow_null=True, help_text="Average C$R of the last 12 months, %.")
    tiers = TierRowSerializer(many=True)


class TargetQuerySerializer(serializers.Serializer):
    target = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text="A tier key above Untiered (such as `gold`); the next tier up if left out.",
    )


class TierTargetSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class RequirementSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=["total", "sold", "managed"])
    label = serializers.CharField()  # type: ignore[assignment]
    reached = figure()
    required = decimal()  # type: ignore[assignment]
    needed = figure()
    percent = serializers.IntegerField(min_value=0, max_value=100)
    met = serializers.BooleanField()


class InsightsSerializer(serializers.Serializer):
    """Tier insights (PROGRAM.md §7) and progress towards the target tier (dashboard D2)."""

    credited_tier = serializers.CharField()
    maintain = NeedsSerializer(allow_null=True, help_text="What keeps the credited tier.")
    next_tier = serializers.CharField(allow_null=True)
    move_up = NeedsSerializer(allow_null=True, help_text="What the next tier up needs.")
    review_on = serializers.DateField(help_text="The next tier review.")
    expiring_sold = figure(help_text="Sold points expiring before the next review.")
    projected_sold = figure(help_text="Sold points shown today less those expiring.")
    projected_managed = figure()
    projected_tier = serializers.CharField()
    median_tool_usage = decimal(allow_null=True)
    target = TierTargetSerializer()
    targets = TierTargetSerializer(many=True, help_text="Every tier `target` may name.")
    target_reached = serializers.BooleanField()
    requirements = RequirementSerializer(many=True)


class BreakdownQuerySerializer(serializers.Serializer):
    deal_type = serializers.ChoiceField(
        choices=["sourced", "assisted"],
        required=False,
        help_text="Only clients with a closed-won deal of this type.",
    )
    market_type = serializers.ChoiceField(choices=["growth", "standard"], required=False)
    sort = serializers.ChoiceField(
        choices=SORT_CHOICES,
        required=False,
        default=DEFAULT_SORT,
        help_text="A column, `-` first for descending.",
    )


class BreakdownRowSerializer(serializers.Serializer):
    """One client of the Points Breakdown (T5)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    domain = serializers.CharField()
    country = serializers.CharField()
    market_type = serializers.SerializerMethodField()
    sold = figure()
    managed = figure()
    combined = shown_total("sold", "managed", help_text="Sold plus managed, each as shown.")

    def get_market_type(self, client: object) -> str:
        growth = self.context.get("growth", set())
        return "growth" if str(client.country) in growth else "standard"  # type: ignore[attr-defined]


class SoldEntrySerializer(serializers.Serializer):
    won_on = serializers.DateField()
    deal = serializers.CharField()
    deal_type = serializers.CharField()
    points = figure()
    expires_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=["active", "expired", "reversed"])
    ended_on = serializers.DateField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    on = serializers.DateField()
    track = serializers.CharField()
    kind = serializers.CharField()
    points = figure()
    sold_after = figure()
    managed_after = figure()


class ClientPointsSerializer(serializers.Serializer):
    """A client's points as this partner sees them (T6)."""

    client_id = serializers.IntegerField(source="client.pk")
    client_name = serializers.CharField(source="client.name")
    growth_market = serializers.BooleanField()
    sold = figure()
    managed = figure()
    combined = shown_total("sold", "managed", help_text="Sold plus managed, each as shown.")
    co_managers = serializers.IntegerField(help_text="Other partners managing the client.")
    managing_since = serializers.DateField(allow_null=True)
    current_mrr = decimal(allow_null=True)
    sold_entries = SoldEntrySerializer(many=True)
    history = HistoryEntrySerializer(many=True)


class MonthFiguresSerializer(serializers.Serializer):
    day = serializers.DateField()
    sold = figure()
    managed = figure()
    total = shown_total("sold", "managed", help_text="Sold plus managed, each as shown.")


class PointsHistorySerializer(serializers.Serializer):
    """T7: the last snapshot of each of the last 12 months, then a 3-month projection."""

    monthly = MonthFiguresSerializer(many=True)
    projection = MonthFiguresSerializer(many=True)
