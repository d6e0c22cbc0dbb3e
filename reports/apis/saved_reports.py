"""The clients API's saved report endpoints (C3): save a figure's report, list, rename and
delete saved reports, and run one over its stored days."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from clients.models import SavedReport
from core.api import attr, errors, object_id
from partners.api import PartnerApi, PartnerListApi
from partners.tenancy import PartnerApiRequest
from reports.apis.base import DELETED, REPORT_ID, REPORT_ROW_COLUMNS, bad_name
from reports.ranges import ReportError, program_range
from reports.reports import REPORT_KINDS, ReportSpec, report_summary, saved_report_spec
from reports.selectors import saved_reports
from reports.serializers import (
    NameSerializer,
    ReportRowSerializer,
    SavedReportCreateSerializer,
    SavedReportSerializer,
)
from reports.services import saved_report_create, saved_report_delete, saved_report_rename


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
            raise bad_name(error) from None
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
                raise bad_name(error) from None
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
    def delete(self, request: PartnerApiRequest, report_id: str) -> Response:
        saved_report_delete(report=self.report(), by=request.membership)
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
