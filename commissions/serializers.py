"""Serializers of the commissions API: statement lines and payments."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from commissions.models import CommissionLine, CommissionPayment
from commissions.periods import CommissionError, parse_month
from core.api import MAX_ID, decimal

MONTH_PATTERN = r"^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$"


class LineQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(
        MONTH_PATTERN, required=False, help_text="A statement month, YYYY-MM."
    )
    client = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="A client id."
    )

    def validate_month(self, value: str) -> Any:
        try:
            return parse_month(value)
        except CommissionError as error:
            raise serializers.ValidationError(str(error)) from None


class CommissionLineSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    mrr = decimal()
    fx_per_100_usd = decimal(6, help_text="Amount of the MRR currency equal to US$100.")
    payout_fx_per_100_usd = decimal(6, help_text="Amount of the payout currency per US$100.")
    share = decimal(4, help_text="This partner's share of the client, 0 to 1.")
    amount = decimal(help_text="In the payout currency.")

    class Meta:
        model = CommissionLine
        fields = [
            "id",
            "month",
            "client",
            "client_name",
            "kind",
            "sequence",
            "note",
            "mrr",
            "mrr_currency",
            "fx_per_100_usd",
            "payout_fx_per_100_usd",
            "share",
            "amount",
            "currency",
            "estimated",
            "payment",
        ]
        read_only_fields = fields


class PaymentSerializer(serializers.Serializer):
    """A quarterly payment with the statement months its lines come from."""

    id = serializers.IntegerField(source="payment.pk")
    quarter = serializers.CharField(source="payment.quarter_label")
    quarter_start = serializers.DateField(source="payment.quarter_start")
    scheduled_on = serializers.DateField(source="payment.scheduled_on")
    status = serializers.ChoiceField(
        choices=CommissionPayment.Status.choices, source="payment.status"
    )
    paid_on = serializers.DateField(source="payment.paid_on", allow_null=True)
    amount = decimal(source="payment.amount")
    currency = serializers.CharField(source="payment.currency")
    reference = serializers.CharField(source="payment.reference")
    months = serializers.ListField(child=serializers.DateField())
    lines = serializers.IntegerField(help_text="Commission lines paid by it.")
