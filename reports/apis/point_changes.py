"""The clients API's point-change endpoints: the dashboard's new and lost points over a date
range (D3), and the per-client rows behind each of those figures."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import errors, query_dict
from partners.api import PartnerApi, PartnerListApi
from program.engine import round_half_up
from reports.apis.base import REPORT_ROW_COLUMNS
from reports.reports import POINT_KINDS, ReportSpec, report_summary, report_totals
from reports.serializers import PointChangesSerializer, RangeSerializer, ReportRowSerializer


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
