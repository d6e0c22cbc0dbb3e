"""The clients API: clients, deals, renewals, point changes, static lists and saved reports.

Reads go through ``clients.selectors``, ``clients.reports`` and ``partners.selectors`` (the
dashboard's), writes through ``clients.services``; every object is the caller's partner's.
Client ids in a request body are checked against the partner: any that is not one of its
clients answers 400 with those ids under ``client_ids``, and nothing is changed.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from clients.models import Deal, SavedReport, StaticList
from clients.overview import upcoming_renewals
from clients.selectors import client_rows, deals_of, own_client_ids
from clients.services import (
    saved_report_create,
    saved_report_delete,
    saved_report_rename,
    static_list_add_clients,
    static_list_create,
    static_list_delete,
    static_list_remove_client,
    static_list_rename,
)
from core.api import (
    BooleanFilter,
    Conflict,
    IdFilter,
    StrictFilterSet,
    attr,
    errors,
    figure_column,
    id_parameter,
    object_id,
    query_dict,
)
from partners.api import PartnerApi, PartnerListApi
from program.engine import round_half_up
from reports.reports import (
    POINT_KINDS,
    REPORT_KINDS,
    ReportError,
    ReportSpec,
    program_range,
    report_summary,
    report_totals,
    saved_report_spec,
)
from reports.selectors import (
    STATIC_LIST_COLUMNS,
    client_record,
    saved_reports,
    static_list_members,
    static_list_rows,
    static_lists,
)
from reports.serializers import (
    ClientIdsSerializer,
    ClientRecordSerializer,
    ClientRowSerializer,
    ClientSearchSerializer,
    DealSerializer,
    ListAddResultSerializer,
    ListMemberSerializer,
    NameSerializer,
    PointChangesSerializer,
    RangeSerializer,
    RenewalQuerySerializer,
    RenewalSerializer,
    ReportRowSerializer,
    SavedReportCreateSerializer,
    SavedReportSerializer,
    StaticListCreateSerializer,
    StaticListSerializer,
)

CLIENT_ID = id_parameter("client_id", "A client of the caller's partner.")
LIST_ID = id_parameter("list_id", "A static list of the caller's partner.")
REPORT_ID = id_parameter("report_id", "A saved report of the caller's partner.")
DELETED = OpenApiResponse(description="Done; no content.")
REPORT_ROW_COLUMNS = [
    ("Client ID", attr("client_id")),
    ("Client", attr("client_name")),
    ("Value", attr("value")),
    ("Entries", attr("entries")),
]


def _name_error(error: DjangoValidationError) -> Conflict:
    """A list name already taken (the serializer has refused empty and long names)."""
    return Conflict({"name": error.messages})


def _bad_name(error: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError({"name": error.messages})


def _check_client_ids(partner: Any, client_ids: list[int]) -> list[int]:
    """The ids, if every one is a client of ``partner``; else a 400 naming the others."""
    foreign = sorted(set(client_ids) - own_client_ids(partner=partner, client_ids=client_ids))
    if foreign:
        listed = ", ".join(str(i) for i in foreign[:20])
        more = f" and {len(foreign) - 20} more" if len(foreign) > 20 else ""
        raise serializers.ValidationError(
            {"client_ids": [f"Not clients of your organisation: {listed}{more}."]}
        )
    return client_ids


# --- clients and deals ---------------------------------------------------------------------


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


# --- point changes (dashboard D3) ----------------------------------------------------------


class _RangeMixin:
    def date_range(self: Any) -> Any:
        return self.range_query()["date_range"]

    def range_query(self: Any) -> dict[str, Any]:
        """The validated range: ``date_range`` (kept to the program's days), ``range_notice``."""
        serializer = RangeSerializer(data=query_dict(self.request), context={"today": self.today})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class PointChangesApi(_RangeMixin, PartnerApi):
    serializer_class = PointChangesSerializer

    @extend_schema(
        operation_id="point_changes",
        summary="New and lost sold and managed points over a date range",
        description=(
            "The dashboard's tier point changes (D3, PROGRAM.md §6) for the range, rounded "
            "half-up to 2 places. A bad or inverted range answers 400, and so does a range "
            "entirely before the program's first day or after today (a field message); a "
            "range partly outside is clamped to the program's days and `range.notice` says so."
        ),
        tags=["points"],
        parameters=[RangeSerializer],
        responses={200: PointChangesSerializer, **errors(400)},
    )
    def get(self, request: Request) -> Response:
        query = self.range_query()
        date_range = query["date_range"]
        totals = report_totals(partner=self.partner, range=date_range)
        data: dict[str, Any] = {kind: round_half_up(totals[kind]) for kind in POINT_KINDS}  # type: ignore[arg-type]
        data["range"] = {**date_range.as_params(), "preset": date_range.preset}
        data["range"]["label"] = date_range.label
        data["range"]["notice"] = query["range_notice"]
        return Response(PointChangesSerializer(data).data)


class PointChangeRowsApi(_RangeMixin, PartnerListApi):
    serializer_class = ReportRowSerializer
    export_columns = REPORT_ROW_COLUMNS

    def items(self) -> Any:
        kind = self.kwargs["kind"]
        if kind not in POINT_KINDS:
            raise NotFound("No such figure: use new_sold, lost_sold, new_managed or lost_managed.")
        self.export_name = kind.replace("_", "-")
        return report_summary(partner=self.partner, spec=ReportSpec(kind, self.date_range()))

    @extend_schema(
        operation_id="point_change_rows",
        summary="The per-client rows behind one point-change figure",
        description=(
            "One row per client, largest first: the rows of the dashboard's dialog. "
            "`?format=csv` or `?format=xlsx` downloads every row."
        ),
        tags=["points"],
        parameters=[
            OpenApiParameter(
                "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(POINT_KINDS)
            ),
            RangeSerializer,
        ],
        responses={200: ReportRowSerializer(many=True), **errors(400)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)


# --- static lists (C2) ---------------------------------------------------------------------


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
        ids = _check_client_ids(self.partner, body.validated_data.get("client_ids", []))
        with transaction.atomic():
            try:
                created = static_list_create(
                    partner=self.partner, name=body.validated_data["name"], user=request.user
                )
            except DjangoValidationError as error:
                raise _name_error(error) from None
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
                raise _name_error(error) from None
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
    def delete(self, request: Request, list_id: str) -> Response:
        static_list_delete(static_list=self.static_list(), by=request.membership)  # type: ignore[attr-defined]
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
        ids = _check_client_ids(self.partner, body.validated_data["client_ids"])
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


# --- saved reports (C3) --------------------------------------------------------------------


class _OwnReport:
    def report(self: Any) -> SavedReport:
        return get_object_or_404(
            saved_reports(partner=self.partner), pk=object_id(self.kwargs["report_id"])
        )


class SavedReportsApi(PartnerListApi):
    serializer_class = SavedReportSerializer
    export_name = "reports"
    export_columns = [
        ("Report ID", attr("pk")),
        ("Name", attr("name")),
        ("Kind", attr("get_kind_display")),
        ("Start", attr("start")),
        ("End", attr("end")),
        ("Created by", attr("created_by.email")),
        ("Created at", attr("created_at")),
    ]

    def items(self) -> Any:
        return saved_reports(partner=self.partner)

    @extend_schema(
        operation_id="reports_list",
        summary="The partner's saved reports, by name",
        tags=["reports"],
        responses={200: SavedReportSerializer(many=True), **errors()},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="reports_create",
        summary="Save a report: a figure's kind and a date range",
        description=(
            f"`kind` is one of {', '.join(f'`{k}`' for k in REPORT_KINDS)}. The range is "
            "stored as days, so running the report later shows the same rows."
        ),
        tags=["reports"],
        request=SavedReportCreateSerializer,
        responses={201: SavedReportSerializer, **errors(400)},
    )
    def post(self, request: Request) -> Response:
        body = SavedReportCreateSerializer(data=request.data, context={"today": self.today})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            report = saved_report_create(
                partner=self.partner,
                user=request.user,
                name=data["name"],
                spec=ReportSpec(data["kind"], data["date_range"]),
            )
        except DjangoValidationError as error:
            raise _bad_name(error) from None
        return Response(SavedReportSerializer(report).data, status=status.HTTP_201_CREATED)


class SavedReportApi(_OwnReport, PartnerApi):
    serializer_class = SavedReportSerializer

    @extend_schema(
        operation_id="reports_detail",
        summary="A saved report",
        tags=["reports"],
        parameters=[REPORT_ID],
        responses={200: SavedReportSerializer, **errors()},
    )
    def get(self, request: Request, report_id: str) -> Response:
        return Response(SavedReportSerializer(self.report()).data)

    @extend_schema(
        operation_id="reports_rename",
        summary="Rename a saved report",
        description="Without `name`, nothing changes.",
        tags=["reports"],
        parameters=[REPORT_ID],
        request=NameSerializer,
        responses={200: SavedReportSerializer, **errors(400)},
    )
    def patch(self, request: Request, report_id: str) -> Response:
        report = self.report()
        body = NameSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "name" in body.validated_data:
            try:
                saved_report_rename(report=report, name=body.validated_data["name"])
            except DjangoValidationError as error:
                raise _bad_name(error) from None
        return Response(SavedReportSerializer(report).data)

    @extend_schema(
        operation_id="reports_delete",
        summary="Delete a saved report",
        description=(
            "Only the member who saved the report or a super admin of the partner may delete it "
            "(403 for the others)."
        ),
        tags=["reports"],
        parameters=[REPORT_ID],
        responses={204: DELETED, **errors()},
    )
    def delete(self, request: Request, report_id: str) -> Response:
        saved_report_delete(report=self.report(), by=request.membership)  # type: ignore[attr-defined]
        return Response(status=status.HTTP_204_NO_CONTENT)


class SavedReportRunApi(_OwnReport, PartnerListApi):
    serializer_class = ReportRowSerializer
    export_columns = REPORT_ROW_COLUMNS

    def items(self) -> Any:
        report = self.report()
        self.export_name = report.name
        spec = saved_report_spec(report)
        try:
            kept = program_range(spec.range, today=self.today)
        except ReportError as error:
            raise serializers.ValidationError({"range": [str(error)]}) from None
        return report_summary(partner=self.partner, spec=ReportSpec(spec.kind, kept.range))

    @extend_schema(
        operation_id="reports_run",
        summary="Run a saved report: the per-client rows over its stored range",
        description=(
            "`?format=csv` or `?format=xlsx` downloads every row. The stored range is kept to "
            "the program's days (its first day to today); one entirely outside them answers "
            "400 with a `range` message."
        ),
        tags=["reports"],
        parameters=[REPORT_ID],
        responses={200: ReportRowSerializer(many=True), **errors()},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)
