"""Commission pages: statements by month (with a printable statement and exports) and payments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from commissions.periods import CommissionError, parse_month
from commissions.selectors import (
    STATEMENT_HEADER,
    MonthSummary,
    Statement,
    commission_overview,
    payment_rows,
    payments_of,
    statement_clients,
    statement_lines,
    statement_months,
    statement_rows,
    statements_of,
)
from core.errors import error_response
from core.exports import ExportError, export_response
from core.ids import id_or_404, parse_id
from partners.tenancy import PartnerRequest, partner_required

RECENT_PAYMENTS = 4


@dataclass
class StatementFilter:
    """The month and client asked for in the query string, and what was wrong with them."""

    month: date | None = None
    client_id: int | None = None
    errors: list[str] = field(default_factory=list)

    def query(self) -> str:
        params = {}
        if self.month is not None:
            params["month"] = f"{self.month:%Y-%m}"
        if self.client_id is not None:
            params["client"] = str(self.client_id)
        return urlencode(params)


def _statement_filter(
    request: PartnerRequest, months: list[MonthSummary], client_ids: set[int]
) -> StatementFilter:
    """Valid filters are applied; a bad one is reported and left out. With neither a month
    nor a client, the latest month with lines is shown."""
    chosen = StatementFilter()
    month_text = request.GET.get("month", "").strip()
    # Not stripped: an id is its ASCII digits and nothing else (see core.ids).
    client_text = request.GET.get("client", "")
    if month_text:
        try:
            chosen.month = parse_month(month_text[:20])
        except CommissionError as exc:
            chosen.errors.append(str(exc))
    if client_text:
        client_id = parse_id(client_text)
        if client_id is not None and client_id in client_ids:
            chosen.client_id = client_id
        else:
            chosen.errors.append(
                f"There is no client {client_text[:40]!r} in your statements; "
                "choose one from the list."
            )
    if chosen.month is None and chosen.client_id is None and months:
        chosen.month = months[0].month
    return chosen


def _statement_context(
    request: PartnerRequest,
) -> tuple[StatementFilter, list[Statement], dict[str, object]]:
    partner = request.partner
    months = statement_months(partner=partner)
    clients = list(statement_clients(partner=partner))
    chosen = _statement_filter(request, months, {c.pk for c in clients})
    statements = statements_of(
        statement_lines(partner=partner, month=chosen.month, client_id=chosen.client_id)
    )
    context = {
        "months": months,
        "clients": clients,
        "chosen": chosen,
        "statements": statements,
        "query": chosen.query(),
    }
    return chosen, statements, context


@partner_required
def statements(request: PartnerRequest) -> HttpResponse:
    _, _, context = _statement_context(request)
    if request.htmx:
        return render(request, "commissions/statements.html#statement", context)
    context["overview"] = commission_overview(
        partner=request.partner,
        on=timezone.localdate(),
        limit=RECENT_PAYMENTS,
    )
    return render(request, "commissions/statements.html", context)


@partner_required
def statements_export(request: PartnerRequest) -> HttpResponseBase:
    chosen, found, _ = _statement_context(request)
    if chosen.errors:
        return error_response(request, 400, " ".join(chosen.errors))
    parts = ["commission-statement"]
    if chosen.month is not None:
        parts.append(f"{chosen.month:%Y-%m}")
    if chosen.client_id is not None:
        parts.append(f"client-{chosen.client_id}")
    try:
        return export_response(
            header=STATEMENT_HEADER,
            rows=statement_rows(found),
            name="-".join(parts),
            fmt=request.GET.get("format", ""),
        )
    except ExportError as exc:
        return error_response(request, 400, str(exc))


@partner_required
def statement(request: PartnerRequest, month: str) -> HttpResponse:
    """The print-friendly statement of one month."""
    try:
        first_day = parse_month(month)
    except CommissionError:
        raise Http404("No such month.") from None
    found = statements_of(statement_lines(partner=request.partner, month=first_day))
    if not found:
        raise Http404("No commission statement for that month.")
    return render(
        request,
        "commissions/statement_print.html",
        {"statement": found[0], "query": urlencode({"month": f"{first_day:%Y-%m}"})},
    )


@partner_required
def payments(request: PartnerRequest) -> HttpResponse:
    return render(
        request,
        "commissions/payments.html",
        {"rows": payment_rows(partner=request.partner)},
    )


@partner_required
def payment(request: PartnerRequest, pk: int) -> HttpResponse:
    """One payment and the statement lines it gathers."""
    partner = request.partner
    found = get_object_or_404(payments_of(partner=partner), pk=id_or_404(pk))
    lines = statement_lines(partner=partner).filter(payment=found)
    return render(
        request,
        "commissions/payment.html",
        {"payment": found, "statements": statements_of(lines)},
    )
