"""Partner > Dashboard (D1–D6) and its HubSpot Team tab (D7).

Every section is a named partial of ``partners/dashboard.html``; the sections that change
(D2, D3, D4, and D6's "show all") have their own URL that htmx re-renders alone. Without
JavaScript the same forms GET the whole page with every section's query parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from clients.metrics import account_metrics_of
from clients.overview import (
    csr_month_clients,
    csr_months,
    csr_percent,
    sourced_deals_12m,
    upcoming_renewals,
    upcoming_renewals_count,
)
from commissions.selectors import commission_overview
from partners.models import Partner
from partners.selectors import partner_pdm
from partners.tenancy import PartnerRequest, partner_required
from program.engine import round_half_up
from program.rules import rules_load
from reports.ranges import CUSTOM, PRESETS, DateRange, ReportError, program_range
from reports.reports import (
    DEAL_KINDS,
    POINT_KINDS,
    REPORT_KINDS,
    ReportSpec,
    report_summary,
    report_totals,
)
from reports.selectors import static_lists
from tiers.progress import (
    TierProgression,
    UnknownTier,
    program_progress,
    tier_progression,
)
from tiers.selectors import StandingSummary, standing_summary

TEMPLATE = "partners/dashboard.html"
GET_TO = "get_to"
RENEWALS = "renewals"
RENEWALS_SHOWN = 10
RANGE_PARAMS = ("range", "start", "end")


@dataclass(frozen=True)
class Figure:
    """One D3/D4 figure and the report (dialog) behind it."""

    kind: str
    label: str
    value: Decimal | int
    url: str

    @property
    def is_count(self) -> bool:
        return isinstance(self.value, int)


@dataclass
class RangeSection:
    """The state of a date-range section (D3 or D4): its form, range and figures."""

    id: str
    title: str
    prefix: str
    url: str
    kinds: tuple[str, ...]
    choice: str
    start: str
    end: str
    keep: list[tuple[str, str]]
    range: DateRange | None = None
    error: str = ""
    notice: str = ""
    figures: list[Figure] = field(default_factory=list)

    @property
    def presets(self) -> list[tuple[str, str]]:
        return [*PRESETS.items(), (CUSTOM, "Custom range")]


SECTIONS = {
    "d3": ("point-changes", "Tier point changes", "partners:dashboard-point-changes", POINT_KINDS),
    "d4": ("shared-selling", "Shared selling", "partners:dashboard-shared-selling", DEAL_KINDS),
}


def _state_names() -> list[str]:
    return [GET_TO, RENEWALS, *(f"{p}-{n}" for p in SECTIONS for n in RANGE_PARAMS)]


def _keep(params: QueryDict, *, own: tuple[str, ...]) -> list[tuple[str, str]]:
    """The other sections' query parameters, carried by a section's form without JavaScript."""
    return [
        (name, params.get(name, "")[:20])
        for name in _state_names()
        if name not in own and params.get(name)
    ]


def _report_url(spec: ReportSpec) -> str:
    return f"{reverse('partners:dashboard-report')}?{urlencode(spec.as_params())}"


def _range_section(params: QueryDict, key: str, *, today: date) -> RangeSection:
    section_id, title, url_name, kinds = SECTIONS[key]
    prefix = f"{key}-"
    own = tuple(f"{prefix}{n}" for n in RANGE_PARAMS)
    section = RangeSection(
        id=section_id,
        title=title,
        prefix=prefix,
        url=reverse(url_name),
        kinds=kinds,
        choice=params.get(f"{prefix}range", "")[:20],
        start=params.get(f"{prefix}start", "")[:20],
        end=params.get(f"{prefix}end", "")[:20],
        keep=_keep(params, own=own),
    )
    try:
        kept = program_range(DateRange.from_params(params, today=today, prefix=prefix), today=today)
    except ReportError as error:
        section.error = str(error)
        return section
    section.range, section.notice = kept.range, kept.notice
    section.choice = section.range.preset or CUSTOM
    section.start = section.range.start.isoformat()
    section.end = section.range.end.isoformat()
    return section


def _fill(sections: list[RangeSection], *, partner: Partner) -> None:
    """Read the figures of the sections' ranges, once per distinct range."""
    totals: dict[DateRange, dict[str, Decimal | int]] = {}
    for section in sections:
        if section.range is None:
            continue
        if section.range not in totals:
            totals[section.range] = report_totals(partner=partner, range=section.range)
        figures = totals[section.range]
        section.figures = [
            Figure(
                kind=kind,
                label=REPORT_KINDS[kind],
                value=round_half_up(value) if isinstance(value, Decimal) else value,
                url=_report_url(ReportSpec(kind, section.range)),
            )
            for kind, value in figures.items()
            if kind in section.kinds
        ]


def _progression(
    params: QueryDict, *, partner: Partner, today: date, summary: StandingSummary
) -> dict[str, Any]:
    choice = params.get(GET_TO, "").strip()[:40]
    error = ""
    try:
        progression: TierProgression = tier_progression(
            partner=partner, on=today, tier_key=choice, summary=summary
        )
    except UnknownTier as problem:
        error = str(problem)
        progression = tier_progression(partner=partner, on=today, summary=summary)
    return {
        "progression": progression,
        "progression_error": error,
        "progression_keep": _keep(params, own=(GET_TO,)),
    }


def _renewals(params: QueryDict, *, partner: Partner, today: date) -> dict[str, Any]:
    """D6: the soonest renewals, or all of them when asked (``renewals=all``)."""
    show_all = params.get(RENEWALS) == "all"
    rows = upcoming_renewals(partner=partner, on=today, limit=None if show_all else RENEWALS_SHOWN)
    total = len(rows) if show_all else upcoming_renewals_count(partner=partner, on=today)
    query = urlencode([*_keep(params, own=(RENEWALS,)), (RENEWALS, "all")])
    return {
        "renewals": rows,
        "renewals_total": total,
        "renewals_all_url": f"{reverse('partners:dashboard')}?{query}#renewals",
    }


def _section_response(
    request: PartnerRequest, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """A section alone for htmx; without it, the whole page at the same query parameters."""
    if not request.htmx:
        query = request.GET.urlencode()
        return redirect(f"{reverse('partners:dashboard')}{'?' + query if query else ''}")
    return render(request, f"{TEMPLATE}#{partial}", context)


@partner_required
def dashboard(request: PartnerRequest) -> HttpResponse:
    partner = request.partner
    today = timezone.localdate()
    summary = standing_summary(partner=partner, on=today)
    sections = [_range_section(request.GET, key, today=today) for key in SECTIONS]
    _fill(sections, partner=partner)
    context = {
        "progress": program_progress(partner=partner, on=today, summary=summary),
        **_progression(request.GET, partner=partner, today=today, summary=summary),
        "point_changes": sections[0],
        "shared_selling": sections[1],
        "commission": commission_overview(partner=partner, on=today),
        **_renewals(request.GET, partner=partner, today=today),
    }
    return render(request, TEMPLATE, context)


@partner_required
def dashboard_progression(request: PartnerRequest) -> HttpResponse:
    partner = request.partner
    today = timezone.localdate()
    summary = standing_summary(partner=partner, on=today)
    context = _progression(request.GET, partner=partner, today=today, summary=summary)
    return _section_response(request, "tier-progression", context)


def _range_view(request: PartnerRequest, key: str, partial: str, name: str) -> HttpResponse:
    section = _range_section(request.GET, key, today=timezone.localdate())
    _fill([section], partner=request.partner)
    return _section_response(request, partial, {name: section})


@partner_required
def dashboard_point_changes(request: PartnerRequest) -> HttpResponse:
    return _range_view(request, "d3", "point-changes", "point_changes")


@partner_required
def dashboard_shared_selling(request: PartnerRequest) -> HttpResponse:
    return _range_view(request, "d4", "shared-selling", "shared_selling")


@partner_required
def dashboard_renewals(request: PartnerRequest) -> HttpResponse:
    context = _renewals(request.GET, partner=request.partner, today=timezone.localdate())
    return _section_response(request, "renewals", context)


@partner_required
def dashboard_report(request: PartnerRequest) -> HttpResponse:
    """The rows behind one D3/D4 figure: the dialog's body for htmx, else a page of its own."""
    partner = request.partner
    template = "partners/_dashboard_report.html"
    today = timezone.localdate()
    try:
        asked = ReportSpec.from_params(request.GET, today=today)
        kept = program_range(asked.range, today=today)
        spec = ReportSpec(asked.kind, kept.range)
    except ReportError as error:
        context: dict[str, Any] = {"error": str(error)}
        if request.htmx:
            return render(request, f"{template}#report-body", context)
        return render(request, template, context, status=400)
    rows = report_summary(partner=partner, spec=spec)
    total = sum((row.value for row in rows), Decimal(0) if spec.is_points else 0)
    context = {
        "spec": spec,
        "notice": kept.notice,
        "rows": rows,
        "total": round_half_up(total) if isinstance(total, Decimal) else total,
        "lists": static_lists(partner=partner),
    }
    if request.htmx:
        return render(request, f"{template}#report-body", context)
    return render(request, template, context)


@partner_required
def dashboard_explain(request: PartnerRequest, figure: str) -> HttpResponse:
    """What a D1 account metric is made of: the sourced deals, or the C$R of each month."""
    partner = request.partner
    today = timezone.localdate()
    context: dict[str, Any] = {"figure": figure, "today": today}
    if figure == "sourced":
        deals = sourced_deals_12m(partner=partner, on=today)
        mrr = sum((row.mrr_usd for row in deals), Decimal(0))  # the rows as shown
        context.update(deals=deals, sourced_mrr=mrr, sourced_amount=mrr * 12)
    elif figure == "csr":
        metrics = account_metrics_of(partner=partner, on=today, rules=rules_load())
        months = csr_months(metrics=metrics)
        context.update(
            months=months,
            average=csr_percent(metrics.csr_12m),
            metrics_on=metrics.on,
        )
        chosen = request.GET.get("month", "")
        if chosen:
            month = next((m for m in months if f"{m.month:%Y-%m}" == chosen[:7]), None)
            if month is None or len(chosen) != 7:
                raise BadRequest("Choose one of the 12 months shown (YYYY-MM).")
            context.update(
                month=month, month_clients=csr_month_clients(partner=partner, month=month.month)
            )
    else:
        raise Http404("No such figure.")
    return render(request, "partners/_dashboard_explain.html", context)


@partner_required
def dashboard_team(request: PartnerRequest) -> HttpResponse:
    return render(request, "partners/team.html", {"pdm": partner_pdm(partner=request.partner)})
