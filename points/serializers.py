"""Serializers of the points API: the ledger's entries."""

from __future__ import annotations

from rest_framework import serializers

from points.models import LedgerEntry


class LedgerEntrySerializer(serializers.ModelSerializer):
    """One ledger entry: a change of this partner's points, with why it happened."""

    client_name = serializers.CharField(source="client.name", read_only=True)
    deal_name = serializers.CharField(source="deal.name", read_only=True, allow_null=True)
    points = serializers.DecimalField(
        max_digits=20, decimal_places=6, read_only=True, help_text="Signed, 6 places."
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "effective_on",
            "client",
            "client_name",
            "track",
            "kind",
            "points",
            "deal",
            "deal_name",
            "expires_on",
            "reason",
            "created_at",
        ]
        read_only_fields = fields
