"""Partner > Tier: the classic page, the Tier Points beta, the breakdown, clients, calculator."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from clients.metrics import account_metrics_of
from core import figures
from core.errors import error_response
from core.exports import ExportError, export_response
from core.ids import checks_query, id_or_404, query_page
from partners.models import BetaFeature
from partners.services import TIER_POINTS_BETA, beta_enabled
from partners.tenancy import PartnerRequest, partner_required
from points.selectors import active_sold_gains
from program import engine
from program.rules import rules_load
from tierpage.calculator import CurrencyCalculatorForm, PointsCalculatorForm, currencies_on
from tierpage.forms import BreakdownForm
from tiers.breakdown import (
    BREAKDOWN_EXPORT_HEADER,
    DEFAULT_SORT,
    breakdown_export_rows,
    breakdown_rows,
    client_detail,
    growth_countries,
    partner_client,
)
from tiers.selectors import (
    MonthFigures,
    StandingSummary,
    classic_standing,
    progress_over_time,
    standing_summary,
    tier_insights,
    tier_table,
)

ROWS_PER_PAGE = 50
TRACK_COLOURS = {"Combined": "#213343", "Sold": "#ff5c35", "Managed": "#00a4bd"}
BREAKDOWN_COLUMNS = (
    ("client", "Client", False),
    ("country", "Country", False),
    ("sold", "Sold points", True),
    ("managed", "Managed points", True),
    ("combined", "Combined points", True),
)


def _beta_on(request: PartnerRequest) -> bool:
    """Whether the user sees the Tier Points beta's Tier page (PRODUCT.md S1).

    The beta changes the Tier page only: the Points Breakdown and a client's points are the
    explanation of every points figure ("why?"), open to every partner user.
    """
    user = cast(User, request.user)
    return beta_enabled(partner=request.partner, user=user, key=TIER_POINTS_BETA)


def _f(value: Decimal) -> float:
    """A chart coordinate (Plotly reads JSON numbers): the figure as shown."""
    return float(figures.shown(value))


def _progress_figure(summary: StandingSummary, rules: engine.Rules, on: date) -> dict[str, Any]:
    """T2: Combined, Sold and Managed tracks, each with a line at the next tier's requirement."""
    tiers = rules.tiers_on(on)
    target = next((t for t in tiers if t.name == summary.next_tier), tiers[-1])
    tracks = [
        ("Managed", summary.managed, target.managed_min),
        ("Sold", summary.sold, target.sold_min),
        ("Combined", summary.total, target.total_points),
    ]
    top = max([float(v) for _, v, _ in tracks] + [float(r) for _, _, r in tracks] + [1.0])
    shapes, annotations = [], []
    for index, (_name, _value, requirement) in enumerate(tracks):
        x = float(requirement)
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "y",
                "x0": x,
                "x1": x,
                "y0": index - 0.42,
                "y1": index + 0.42,
                "line": {"color": "#1f2a37", "width": 3, "dash": "dot"},
            }
        )
        annotations.append(
            {
                "x": x,
                "y": index + 0.42,
                "xref": "x",
                "yref": "y",
                "text": f"{target.name}: {requirement:,.0f}",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"size": 11},
            }
        )
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [name for name, _, _ in tracks],
                "x": [_f(value) for _, value, _ in tracks],
                "text": [figures.formatted(value) for _, value, _ in tracks],
                "textposition": "auto",
                "marker": {"color": [TRACK_COLOURS[name] for name, _, _ in tracks]},
                "hovertemplate": "%{y}: %{x:,.2f} points<extra></extra>",
            }
        ],
        "layout": {
            "height": 240,
            "margin": {"l": 90, "r": 24, "t": 24, "b": 40},
            "showlegend": False,
            "xaxis": {"range": [0, top * 1.2], "title": {"text": "Points"}},
            "shapes": shapes,
            "annotations": annotations,
            "bargap": 0.35,
        },
    }


def _over_time_figure(actual: list[MonthFigures], projected: list[MonthFigures]) -> dict[str, Any]:
    """T7: monthly sold, managed and total points, and a dashed projection."""
    data: list[dict[str, Any]] = []
    for label, attr in (("Total", "total"), ("Sold", "sold"), ("Managed", "managed")):
        colour = TRACK_COLOURS["Combined" if label == "Total" else label]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": label,
                "x": [m.day.isoformat() for m in actual],
                "y": [_f(getattr(m, attr)) for m in actual],
                "line": {"color": colour},
            }
        )
        if projected:
            joined = [actual[-1], *projected]
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": f"{label} (projected)",
                    "x": [m.day.isoformat() for m in joined],
                    "y": [_f(getattr(m, attr)) for m in joined],
                    "line": {"color": colour, "dash": "dash"},
                    "marker": {"symbol": "circle-open"},
                }
            )
    return {
        "data": data,
        "layout": {
            "height": 340,
            "yaxis": {"title": {"text": "Points"}, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.2},
        },
    }


@partner_required
def tier(request: PartnerRequest) -> HttpResponse:
    today = timezone.localdate()
    partner = request.partner
    summary = standing_summary(partner=partner, on=today)
    rules = rules_load()
    beta_on = _beta_on(request)
    context: dict[str, Any] = {
        "summary": summary,
        "next_review": rules.next_review_date(today),
        "beta_on": beta_on,
        "certified": partner.is_certified_on(today),
    }
    if beta_on and request.GET.get("view") != "classic":
        gains = active_sold_gains(partner=partner, on=today)
        actual, projected = progress_over_time(partner=partner, on=today, gains=gains)
        context.update(
            insights=tier_insights(
                partner=partner, summary=summary, rules=rules, on=today, gains=gains
            ),
            median_tools=account_metrics_of(
                partner=partner, on=today, rules=rules
            ).median_tool_usage,
            progress_figure=_progress_figure(summary, rules, today),
            over_time_figure=_over_time_figure(actual, projected) if actual else None,
            projected=projected,
        )
        return render(request, "tiers/tier_points.html", context)
    context.update(
        tiers=tier_table(summary=summary, rules=rules, on=today),
        classic=classic_standing(partner=partner, summary=summary, rules=rules, on=today),
        beta_feature=None if beta_on else BetaFeature.objects.filter(key=TIER_POINTS_BETA).first(),
    )
    return render(request, "tiers/tier.html", context)


@partner_required
@checks_query("page")
def breakdown(request: PartnerRequest) -> HttpResponseBase:
    """T5, for every partner user: the clients behind the sold, managed and total points."""
    today = timezone.localdate()
    rules = rules_load()
    form = BreakdownForm(request.GET)
    context: dict[str, Any] = {
        "form": form,
        "page": None,
        "sort": DEFAULT_SORT,
        "beta_on": _beta_on(request),
    }
    template = "tiers/breakdown.html#breakdown-table" if request.htmx else "tiers/breakdown.html"
    if not form.is_valid():
        return render(request, template, context, status=400)
    filters = form.cleaned_data
    rows = breakdown_rows(
        partner=request.partner,
        on=today,
        rules=rules,
        deal_type=filters["deal_type"],
        market_type=filters["market_type"],
        sort=filters["sort"],
    )
    growth = set(growth_countries(rules=rules, on=today))
    if filters["export"]:
        try:
            return export_response(
                header=BREAKDOWN_EXPORT_HEADER,
                rows=breakdown_export_rows(rows, growth),
                name=f"points-breakdown-{today.isoformat()}",
                fmt=filters["export"],
            )
        except ExportError as error:
            return error_response(request, 400, str(error))
    sort = context["sort"] = filters["sort"]
    columns = []
    for key, label, numeric in BREAKDOWN_COLUMNS:
        current = sort.removeprefix("-") == key
        descending = sort.startswith("-")
        first = f"-{key}" if numeric else key
        next_sort = (key if descending else f"-{key}") if current else first
        columns.append(
            {
                "key": key,
                "label": label,
                "numeric": numeric,
                "next_sort": next_sort,
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    page = Paginator(rows, ROWS_PER_PAGE).get_page(query_page(request.GET))
    page.object_list = figures.with_shown_points(page.object_list)
    context.update(
        page=page,
        growth=growth,
        columns=columns,
        filtered=bool(filters["deal_type"] or filters["market_type"]),
    )
    return render(request, template, context)


@partner_required
def client(request: PartnerRequest, client_id: int) -> HttpResponse:
    partner = request.partner
    found = partner_client(partner=partner, client_id=id_or_404(client_id))
    if found is None:
        raise Http404("No such client.")
    today = timezone.localdate()
    detail = client_detail(partner=partner, client=found, on=today, rules=rules_load())
    chronological = list(reversed(detail.history))
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "line": {"shape": "hv", "color": TRACK_COLOURS[name]},
                "name": name,
                "x": [h.on.isoformat() for h in chronological],
                "y": [float(getattr(h, attr)) for h in chronological],
            }
            for name, attr in (("Sold", "sold_after"), ("Managed", "managed_after"))
        ],
        "layout": {"height": 220, "legend": {"orientation": "h", "y": -0.3}},
    }
    template = "tiers/client.html#client-panel" if request.htmx else "tiers/client.html"
    return render(request, template, {"detail": detail, "history_figure": figure, "today": today})


@partner_required
def calculator(request: PartnerRequest) -> HttpResponse:
    """T8: the Points and Currency tabs; htmx asks for one tab's result as the user types."""
    today = timezone.localdate()
    rules = rules_load()
    partner = request.partner
    currency = (
        partner.payout_currency if partner.payout_currency in currencies_on(rules, today) else "USD"
    )
    initial = {"market": str(partner.country), "currency": currency}
    tab = request.GET.get("tab", "")
    points_form = PointsCalculatorForm(
        request.GET if tab == "points" else None, rules=rules, on=today, initial=initial
    )
    currency_form = CurrencyCalculatorForm(
        request.GET if tab == "currency" else None, rules=rules, on=today, initial=initial
    )
    context = {
        "points_form": points_form,
        "currency_form": currency_form,
        "points_result": points_form.result() if points_form.is_bound else None,
        "currency_result": currency_form.result() if currency_form.is_bound else None,
        "tab": tab or "points",
        "growth_market": {
            "points": _growth(rules, points_form, today),
            "currency": _growth(rules, currency_form, today),
        },
    }
    template = "tiers/calculator.html"
    if request.htmx:
        template += {"points": "#points-result", "currency": "#currency-result"}.get(
            tab, "#calculator-forms"
        )
    return render(request, template, context)


def _growth(rules: engine.Rules, form: Any, on: date) -> bool | None:
    market = (
        form.cleaned_data.get("market") if form.is_bound and hasattr(form, "cleaned_data") else None
    )
    return None if not market else rules.is_growth_market(market, on)
