"""The reports behind the dashboard's point changes (D3) and shared selling (D4) figures.

A report is a kind and a date range (``reports.ranges``, whose names are importable from here
too). Each figure has three views:
``report_totals`` (all seven figures at once), ``report_summary`` (one row per client) and
``report_rows`` (one row per underlying ledger entry or deal, for the unsummarized export).

Point kinds (PROGRAM.md §6), over this partner's ledger entries of one track whose
``effective_on`` falls in the range:

- ``new_sold`` / ``new_managed``: the sum of the positive entries of that track;
- ``lost_sold`` / ``lost_managed``: the sum of the absolute values of its negative entries.

Each client's row is its exact sum shown half-up to 2 places (``core.figures``), and
a figure is the sum of its rows as shown (PROGRAM.md §8a): the dialog's rows add up to its
total, which is the figure on the dashboard, in the API and in the exports. The unsummarized
export carries each entry's points as shown and, in a column of its own, exactly.

Deal kinds, over this partner's shared-selling deals (``Deal.shared_selling``), counted:

- ``deals_created``: deals created (``created_on``) in the range, whatever their stage;
- ``deals_in_flight``: sourced deals created in the range that are still open today (stage
  *created* or *in flight*: neither won, lost nor reversed);
- ``deals_closed_won``: deals closed-won (``closed_on``) in the range, a deal reversed later
  included (it was won in the range), whatever its type.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from clients.models import Deal, SavedReport
from core import figures
from partners.models import Partner
from points.models import LedgerEntry
from points.selectors import ledger_sum
from program.models import Track
from reports.ranges import PRESETS, DateRange, ReportError

REPORT_KINDS: dict[str, str] = {
    "new_sold": "New sold points",
    "lost_sold": "Lost sold points",
    "new_managed": "New managed points",
    "lost_managed": "Lost managed points",
    "deals_created": "Deals created",
    "deals_in_flight": "Sourced in-flight deals",
    "deals_closed_won": "Closed-won deals",
}
POINT_KINDS = ("new_sold", "lost_sold", "new_managed", "lost_managed")
DEAL_KINDS = ("deals_created", "deals_in_flight", "deals_closed_won")
# kind -> (track, gains?) for the point kinds
_POINT_TRACKS: dict[str, tuple[str, bool]] = {
    "new_sold": (Track.SOLD, True),
    "lost_sold": (Track.SOLD, False),
    "new_managed": (Track.MANAGED, True),
    "lost_managed": (Track.MANAGED, False),
}
_OPEN_STAGES = (Deal.Stage.CREATED, Deal.Stage.IN_FLIGHT)
_WON_STAGES = (Deal.Stage.CLOSED_WON, Deal.Stage.REVERSED)


@dataclass(frozen=True)
class ReportSpec:
    """One figure's report: what it counts (``kind``) over which days (``range``)."""

    kind: str
    range: DateRange

    def __post_init__(self) -> None:
        if self.kind not in REPORT_KINDS:
            raise ReportError("Unknown report: choose one of the dashboard's figures.")

    @classmethod
    def from_params(cls, params: Mapping[str, Any], *, today: date) -> ReportSpec:
        """``kind`` plus the range parameters of ``DateRange.from_params``; ReportError if bad."""
        kind = str(params.get("kind") or "").strip()
        if kind not in REPORT_KINDS:
            raise ReportError("Unknown report: choose one of the dashboard's figures.")
        return cls(kind, DateRange.from_params(params, today=today))

    @property
    def label(self) -> str:
        return REPORT_KINDS[self.kind]

    @property
    def is_points(self) -> bool:
        return self.kind in POINT_KINDS

    @property
    def track(self) -> str:
        """The ledger track of a point kind ("sold" or "managed"); "" for a deal kind."""
        return str(_POINT_TRACKS[self.kind][0]) if self.is_points else ""

    def as_params(self) -> dict[str, str]:
        return {"kind": self.kind, **self.range.as_params()}


@dataclass(frozen=True)
class ReportSummaryRow:
    """One client's share of a figure: points (Decimal) or a deal count (int)."""

    client_id: int
    client_name: str
    value: Decimal | int
    entries: int


def _ledger(partner: Partner, range: DateRange) -> QuerySet[LedgerEntry]:
    return partner.ledger_entries.filter(effective_on__gte=range.start, effective_on__lte=range.end)


def _point_filter(kind: str) -> Q:
    track, gains = _POINT_TRACKS[kind]
    return Q(track=track, points__gt=0) if gains else Q(track=track, points__lt=0)


def _deals(partner: Partner, kind: str, range: DateRange) -> QuerySet[Deal]:
    deals = partner.deals.filter(shared_selling=True)
    if kind == "deals_created":
        return deals.filter(created_on__gte=range.start, created_on__lte=range.end)
    if kind == "deals_in_flight":
        return deals.filter(
            deal_type=Deal.DealType.SOURCED,
            stage__in=_OPEN_STAGES,
            created_on__gte=range.start,
            created_on__lte=range.end,
        )
    return deals.filter(stage__in=_WON_STAGES, closed_on__gte=range.start, closed_on__lte=range.end)


def _deal_filter(kind: str, range: DateRange) -> Q:
    if kind == "deals_created":
        return Q(created_on__gte=range.start, created_on__lte=range.end)
    if kind == "deals_in_flight":
        return Q(
            deal_type=Deal.DealType.SOURCED,
            stage__in=_OPEN_STAGES,
            created_on__gte=range.start,
            created_on__lte=range.end,
        )
    return Q(stage__in=_WON_STAGES, closed_on__gte=range.start, closed_on__lte=range.end)


def report_totals(*, partner: Partner, range: DateRange) -> dict[str, Decimal | int]:
    """All seven figures for ``range`` in two queries: points (Decimal, lost ones positive)
    and shared-selling deal counts (int).

    A point figure is the sum of its per-client rows as shown (``report_summary``): one
    grouped query gives each client's four exact sums.
    """
    per_client = (
        _ledger(partner, range)
        .order_by()
        .values("client_id")
        .annotate(**{kind: Sum("points", filter=_point_filter(kind)) for kind in POINT_KINDS})
        .values_list(*POINT_KINDS)
    )
    rows_shown: dict[str, list[Decimal]] = {kind: [] for kind in POINT_KINDS}
    for sums in per_client:
        for kind, value in zip(POINT_KINDS, sums, strict=True):
            if value is not None:
                rows_shown[kind].append(_row_value(value))
    deals = (
        partner.deals.filter(shared_selling=True)
        .filter(
            Q(created_on__gte=range.start, created_on__lte=range.end)
            | Q(closed_on__gte=range.start, closed_on__lte=range.end)
        )
        .aggregate(**{kind: Count("id", filter=_deal_filter(kind, range)) for kind in DEAL_KINDS})
    )
    totals: dict[str, Decimal | int] = {
        kind: figures.shown_sum(rows_shown[kind]) for kind in POINT_KINDS
    }
    totals.update({kind: int(deals[kind] or 0) for kind in DEAL_KINDS})
    return totals


def _row_value(exact_sum: Decimal | float) -> Decimal:
    """A client's row of a point figure as shown: its exact sum, lost points positive."""
    return figures.shown(abs(ledger_sum(exact_sum)))


def report_summary(*, partner: Partner, spec: ReportSpec) -> list[ReportSummaryRow]:
    """The per-client rows behind one figure, largest first (then by client name); points
    rows as shown, so that they add up to the figure (``report_totals``)."""
    rows: list[ReportSummaryRow]
    if spec.is_points:
        grouped = (
            _ledger(partner, spec.range)
            .filter(_point_filter(spec.kind))
            .order_by()
            .values("client_id", "client__name")
            .annotate(value=Sum("points"), entries=Count("id"))
        )
        rows = [
            ReportSummaryRow(
                client_id=g["client_id"],
                client_name=g["client__name"],
                value=_row_value(g["value"]),
                entries=g["entries"],
            )
            for g in grouped
        ]
    else:
        counted = (
            _deals(partner, spec.kind, spec.range)
            .order_by()
            .values("client_id", "client__name")
            .annotate(entries=Count("id"))
        )
        rows = [
            ReportSummaryRow(
                client_id=g["client_id"],
                client_name=g["client__name"],
                value=int(g["entries"]),
                entries=int(g["entries"]),
            )
            for g in counted
        ]
    return sorted(rows, key=lambda r: (-r.value, r.client_name.casefold(), r.client_id))


def report_clients(*, partner: Partner, spec: ReportSpec) -> QuerySet[Any]:
    """The ids of the clients behind one figure as a subquery (``values_list("client_id")``)."""
    if spec.is_points:
        source: QuerySet[Any] = _ledger(partner, spec.range).filter(_point_filter(spec.kind))
    else:
        source = _deals(partner, spec.kind, spec.range)
    return source.order_by().values_list("client_id", flat=True).distinct()


def report_client_ids(*, partner: Partner, spec: ReportSpec) -> list[int]:
    """The ids of the clients behind one figure, ascending."""
    return sorted(report_clients(partner=partner, spec=spec))


POINT_COLUMNS = [
    "Entry ID",
    "Effective date",
    "Client ID",
    "Client",
    "Client domain",
    "Track",
    "Kind",
    "Points",
    "Exact points",
    "Deal ID",
    "Deal",
    "Expires on",
    "Reason",
]
DEAL_COLUMNS = [
    "Deal ID",
    "Deal",
    "Client ID",
    "Client",
    "Client domain",
    "Deal type",
    "Stage",
    "MRR",
    "Currency",
    "Created on",
    "Closed on",
    "Reversed on",
]


def report_columns(kind: str) -> list[str]:
    """The header of a kind's unsummarized export."""
    if kind not in REPORT_KINDS:
        raise ReportError("Unknown report: choose one of the dashboard's figures.")
    return list(POINT_COLUMNS if kind in POINT_KINDS else DEAL_COLUMNS)


def report_rows(*, partner: Partner, spec: ReportSpec) -> Iterator[tuple[Any, ...]]:
    """One row per underlying ledger entry or deal, matching ``report_columns``; streamed
    from the database. An entry's signed points are given as shown (the pages' digits) and
    exactly, at the ledger's 6 places, in the "Exact points" column."""
    if spec.is_points:
        kinds = dict(LedgerEntry.Kind.choices)
        tracks = dict(Track.choices)
        entries = (
            _ledger(partner, spec.range)
            .filter(_point_filter(spec.kind))
            .order_by("effective_on", "id")
            .values_list(
                "id",
                "effective_on",
                "client_id",
                "client__name",
                "client__domain",
                "track",
                "kind",
                "points",
                "deal_id",
                "deal__name",
                "expires_on",
                "reason",
            )
        )
        for row in entries.iterator(chunk_size=2000):
            (entry_id, day, client_id, name, domain, track, kind, pts, deal_id, deal, exp, why) = (
                row
            )
            exact = ledger_sum(pts)
            yield (
                entry_id,
                day,
                client_id,
                name,
                domain,
                tracks.get(track, track),
                kinds.get(kind, kind),
                figures.shown(exact),
                exact,
                deal_id,
                deal or "",
                exp,
                why,
            )
        return
    types = dict(Deal.DealType.choices)
    stages = dict(Deal.Stage.choices)
    deals = (
        _deals(partner, spec.kind, spec.range)
        .order_by("created_on", "id")
        .values_list(
            "id",
            "name",
            "client_id",
            "client__name",
            "client__domain",
            "deal_type",
            "stage",
            "mrr",
            "client__currency",
            "created_on",
            "closed_on",
            "reversed_on",
        )
    )
    for deal_row in deals.iterator(chunk_size=2000):
        yield (
            *deal_row[:5],
            types.get(deal_row[5], deal_row[5]),
            stages.get(deal_row[6], deal_row[6]),
            *deal_row[7:],
        )


def saved_report_spec(report: SavedReport) -> ReportSpec:
    """The report a SavedReport runs: its kind over its stored days (never moved to today)."""
    return ReportSpec(report.kind, DateRange(report.start, report.end))


def saved_report_range(report: SavedReport) -> DateRange:
    """The stored range with its preset, for labels ("Last 30 days (…)")."""
    preset = report.range_preset if report.range_preset in PRESETS else ""
    return DateRange(report.start, report.end, preset)
