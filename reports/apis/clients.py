"""The clients API's client endpoints: the partner's clients with their points and MRR, and
one client's record (C1). Another partner's client answers 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import attr, errors, figure_column, object_id
from partners.api import PartnerApi, PartnerListApi
from points.selectors import client_rows
from reports.apis.base import CLIENT_ID
from reports.selectors import client_record
from reports.serializers import ClientRecordSerializer, ClientRowSerializer, ClientSearchSerializer


class ClientsApi(PartnerListApi):
    serializer_class = ClientRowSerializer
    export_name = "clients"
    export_columns = [
        ("Client ID", attr("pk")),
        ("Client", attr("name")),
        ("Domain", attr("domain")),
        ("Country", attr("country.code")),
        ("Currency", attr("currency")),
        ("Sold points", figure_column("sold")),
        ("Managed points", figure_column("managed")),
        ("Current MRR", attr("current_mrr")),
    ]

    def items(self) -> Any:
        search = self.query(ClientSearchSerializer).get("search", "").strip()
        return client_rows(partner=self.partner, on=self.today, search=search)

    @extend_schema(
        operation_id="clients_list",
        summary="The partner's clients with its points and their current MRR",
        description=(
            "Clients managed now or with a deal won in the last 12 months, by name. "
            "`?format=csv` or `?format=xlsx` downloads every matching client."
        ),
        tags=["clients"],
        parameters=[ClientSearchSerializer],
        responses={200: ClientRowSerializer(many=True), **errors(400)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)


class ClientDetailApi(PartnerApi):
    serializer_class = ClientRecordSerializer

    @extend_schema(
        operation_id="client_detail",
        summary="The client record",
        description=(
            "Details, MRR history, this partner's deals and points with the client, managed "
            "status and how many other partners share it, renewals (C1). Another partner's "
            "client answers 404."
        ),
        tags=["clients"],
        parameters=[CLIENT_ID],
        responses={200: ClientRecordSerializer, **errors()},
    )
    def get(self, request: Request, client_id: str) -> Response:
        record = client_record(partner=self.partner, client_id=object_id(client_id), on=self.today)
        if record is None:
            raise NotFound("No such client.")
        return Response(ClientRecordSerializer(record).data)
