"""The clients API's static list endpoints (C2): the partner's lists, each list, and the
clients on it.

Client ids in a request body are checked against the partner: any that is not one of its
clients answers 400 with those ids under ``client_ids``, and nothing is changed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from clients.models import StaticList
from clients.services import (
    static_list_add_clients,
    static_list_create,
    static_list_delete,
    static_list_remove_client,
    static_list_rename,
)
from core.api import attr, errors, object_id
from partners.api import PartnerApi, PartnerListApi
from partners.tenancy import PartnerApiRequest
from reports.apis.base import CLIENT_ID, DELETED, LIST_ID, check_client_ids, name_taken
from reports.selectors import (
    STATIC_LIST_COLUMNS,
    static_list_members,
    static_list_rows,
    static_lists,
)
from reports.serializers import (
    ClientIdsSerializer,
    ListAddResultSerializer,
    ListMemberSerializer,
    NameSerializer,
    StaticListCreateSerializer,
    StaticListSerializer,
)


class _OwnList:
    def static_list(self: Any) -> StaticList:
        return get_object_or_404(
            static_lists(partner=self.partner), pk=object_id(self.kwargs["list_id"])
        )


class StaticListsApi(PartnerListApi):
    serializer_class = StaticListSerializer
    export_name = "lists"
    export_columns = [
        ("List ID", attr("pk")),
        ("Name", attr("name")),
        ("Clients", attr("member_count")),
        ("Created at", attr("created_at")),
    ]

    def items(self) -> Any:
        return static_lists(partner=self.partner)

    @extend_schema(
        operation_id="lists_list",
        summary="The partner's static lists, by name",
        tags=["lists"],
        responses={200: StaticListSerializer(many=True), **errors()},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="lists_create",
        summary="Create a static list, optionally with clients",
        description="A name already used by another of the partner's lists answers 409.",
        tags=["lists"],
        request=StaticListCreateSerializer,
        responses={201: StaticListSerializer, **errors(400, 409)},
    )
    def post(self, request: Request) -> Response:
        body = StaticListCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = check_client_ids(self.partner, body.validated_data.get("client_ids", []))
        with transaction.atomic():
            try:
                created = static_list_create(
                    partner=self.partner, name=body.validated_data["name"], user=request.user
                )
            except DjangoValidationError as error:
                raise name_taken(error) from None
            if ids:
                static_list_add_clients(static_list=created, client_ids=ids)
        fresh = static_lists(partner=self.partner).get(pk=created.pk)
        return Response(StaticListSerializer(fresh).data, status=status.HTTP_201_CREATED)


class StaticListApi(_OwnList, PartnerApi):
    serializer_class = StaticListSerializer

    @extend_schema(
        operation_id="lists_detail",
        summary="A static list",
        tags=["lists"],
        parameters=[LIST_ID],
        responses={200: StaticListSerializer, **errors()},
    )
    def get(self, request: Request, list_id: str) -> Response:
        return Response(StaticListSerializer(self.static_list()).data)

    @extend_schema(
        operation_id="lists_rename",
        summary="Rename a static list",
        description=(
            "Without `name`, nothing changes. A name already used by another of the partner's "
            "lists answers 409."
        ),
        tags=["lists"],
        parameters=[LIST_ID],
        request=NameSerializer,
        responses={200: StaticListSerializer, **errors(400, 409)},
    )
    def patch(self, request: Request, list_id: str) -> Response:
        found = self.static_list()
        body = NameSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "name" in body.validated_data:
            try:
                static_list_rename(static_list=found, name=body.validated_data["name"])
            except DjangoValidationError as error:
                raise name_taken(error) from None
        return Response(StaticListSerializer(self.static_list()).data)

    @extend_schema(
        operation_id="lists_delete",
        summary="Delete a static list (its clients stay)",
        description=(
            "Only the member who made the list or a super admin of the partner may delete it "
            "(403 for the others); every member may rename it and change its clients."
        ),
        tags=["lists"],
        parameters=[LIST_ID],
        responses={204: DELETED, **errors()},
    )
    def delete(self, request: PartnerApiRequest, list_id: str) -> Response:
        static_list_delete(static_list=self.static_list(), by=request.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StaticListClientsApi(_OwnList, PartnerListApi):
    serializer_class = ListMemberSerializer

    def export_header(self) -> list[str]:
        return list(STATIC_LIST_COLUMNS)

    def items(self) -> Any:
        found = self.static_list()
        self.export_name = found.name
        return static_list_members(partner=self.partner, list_id=found.pk)

    def export_rows(self, items: Any) -> Any:
        return static_list_rows(partner=self.partner, list_id=self.static_list().pk)

    @extend_schema(
        operation_id="lists_clients",
        summary="The clients on a static list, by name",
        description="`?format=csv` or `?format=xlsx` downloads the whole list.",
        tags=["lists"],
        parameters=[LIST_ID],
        responses={200: ListMemberSerializer(many=True), **errors()},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="lists_add_clients",
        summary="Put clients on a static list",
        description=(
            "A client already on the list is not added twice. Ids that are not the partner's "
            "clients answer 400 (under `client_ids`) and nothing is added."
        ),
        tags=["lists"],
        parameters=[LIST_ID],
        request=ClientIdsSerializer,
        responses={200: ListAddResultSerializer, **errors(400)},
    )
    def post(self, request: Request, list_id: str) -> Response:
        found = self.static_list()
        body = ClientIdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = check_client_ids(self.partner, body.validated_data["client_ids"])
        result = static_list_add_clients(static_list=found, client_ids=ids)
        return Response(ListAddResultSerializer(result).data)


class StaticListClientApi(_OwnList, PartnerApi):
    @extend_schema(
        operation_id="lists_remove_client",
        summary="Take a client off a static list",
        description="A client that is not on the list answers 404.",
        tags=["lists"],
        parameters=[LIST_ID, CLIENT_ID],
        responses={204: DELETED, **errors()},
    )
    def delete(self, request: Request, list_id: str, client_id: str) -> Response:
        found = self.static_list()
        if not static_list_remove_client(static_list=found, client_id=object_id(client_id)):
            raise NotFound("That client is not on this list.")
        return Response(status=status.HTTP_204_NO_CONTENT)
