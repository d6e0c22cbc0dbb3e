"""The commissions API: statement lines (filtered by month and client) and payments."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request

from commissions.selectors import (
    STATEMENT_HEADER,
    payment_rows,
    statement_lines,
    statement_rows,
    statements_of,
)
from commissions.serializers import CommissionLineSerializer, LineQuerySerializer, PaymentSerializer
from core.api import IdQueryField, attr, errors
from partners.api import PartnerListApi

TAGS = ["commissions"]


class StrictLineQuerySerializer(LineQuerySerializer):
    """The line filters with ``client`` in the strict id grammar (``core.ids``):
    ``?client=𝟙`` or ``?client= 1`` is a 400, not client 1."""

    client = IdQueryField(required=False, help_text="A client id.")


class CommissionLinesApi(PartnerListApi):
    serializer_class = CommissionLineSerializer
    export_name = "commission-lines"

    def items(self) -> Any:
        filters = self.query(StrictLineQuerySerializer)
        return statement_lines(
            partner=self.partner, month=filters.get("month"), client_id=filters.get("client")
        )

    def export_header(self) -> list[str]:
        return list(STATEMENT_HEADER)

    def export_rows(self, items: Any) -> Any:
        return statement_rows(statements_of(items.iterator(chunk_size=2000)))

    @extend_schema(
        operation_id="commission_lines",
        summary="Commission lines, latest month first",
        description=(
            "One line per client and month (restatements are new lines with a higher "
            "`sequence`). `?format=csv` or `?format=xlsx` downloads the filtered lines as the "
            "statement export."
        ),
        tags=TAGS,
        parameters=[StrictLineQuerySerializer],
        responses={200: CommissionLineSerializer(many=True), **errors(400)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)


class CommissionPaymentsApi(PartnerListApi):
    serializer_class = PaymentSerializer
    export_name = "commission-payments"
    export_columns = [
        ("Quarter", attr("payment.quarter_label")),
        ("Scheduled on", attr("payment.scheduled_on")),
        ("Status", attr("payment.get_status_display")),
        ("Paid on", attr("payment.paid_on")),
        ("Amount", attr("payment.amount")),
        ("Currency", attr("payment.currency")),
        ("Reference", attr("payment.reference")),
        ("Lines", attr("lines")),
    ]

    def items(self) -> Any:
        return payment_rows(partner=self.partner)

    @extend_schema(
        operation_id="commission_payments",
        summary="Quarterly commission payments, latest first",
        tags=TAGS,
        responses={200: PaymentSerializer(many=True), **errors()},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)
