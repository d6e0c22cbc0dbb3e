"""Clients pages: the client list and record (C1), static lists (C2), saved reports (C3),
and the actions of the dashboard's report dialogs."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from clients.models import SavedReport, StaticList
from clients.services import (
    may_delete,
    static_list_add_clients,
    static_list_create,
    static_list_delete,
    static_list_remove_client,
    static_list_rename,
)
from core import figures
from core.errors import error_response
from core.exports import ExportError, export_response
from core.ids import checks_query, id_or_404, parse_id, query_page
from core.redirects import redirect_to_next, safe_next_url
from partners.tenancy import PartnerRequest, partner_required
from points.selectors import client_rows
from reports.forms import EntriesFilterForm, ExportForm, ListAddForm, NameForm
from reports.ranges import ReportError, program_range
from reports.reports import (
    ReportSpec,
    report_clients,
    report_columns,
    report_rows,
    report_summary,
    saved_report_range,
    saved_report_spec,
)
from reports.selectors import (
    STATIC_LIST_COLUMNS,
    ClientRecord,
    client_ledger_entries,
    client_record,
    saved_reports,
    static_list_members,
    static_list_rows,
    static_lists,
)
from reports.services import saved_report_create, saved_report_delete, saved_report_rename

CLIENTS_PER_PAGE = 50
ENTRIES_PER_PAGE = 50
MEMBERS_PER_PAGE = 50


@partner_required
@checks_query("page")
def client_list(request: PartnerRequest) -> HttpResponse:
    """The partner's clients with their points as shown: combined is the sum of the sold and
    managed points as shown (PROGRAM.md §8a), never added up in the template."""
    search = request.GET.get("q", "").strip()[:100]
    rows = client_rows(partner=request.partner, on=timezone.localdate(), search=search)
    page = Paginator(rows, CLIENTS_PER_PAGE).get_page(query_page(request.GET))
    page.object_list = figures.with_shown_points(page.object_list)
    return render(request, "clients/clients.html", {"page": page, "search": search})


def _download(**kwargs: Any) -> HttpResponseBase:
    return export_response(**kwargs)


def _object_id(value: object) -> int:
    """An id from a URL or form field (``core.ids`` grammar); anything else is a
    404."""
    return id_or_404(value)


def _mrr_figure(record: ClientRecord, today: date) -> dict[str, Any]:
    """A step chart of the MRR records, drawn on to today (a record holds until the next)."""
    history = [(row.date, row.mrr) for row in record.mrr_history]
    if history and history[-1][0] < today:
        history.append((today, history[-1][1]))
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "line": {"shape": "hv", "color": "#ff5c35"},
                "name": "MRR",
                "x": [day.isoformat() for day, _ in history],
                "y": [float(mrr) for _, mrr in history],
            }
        ],
        "layout": {
            "height": 280,
            "yaxis": {"title": {"text": f"MRR ({record.client.currency})"}, "rangemode": "tozero"},
            "xaxis": {"type": "date"},
        },
    }


@partner_required
@checks_query("page")
def client_record_view(request: PartnerRequest, client_id: int) -> HttpResponse:
    partner = request.partner
    today = timezone.localdate()
    record = client_record(partner=partner, client_id=_object_id(client_id), on=today)
    if record is None:
        raise Http404("No such client.")
    filters = EntriesFilterForm(request.GET or None)
    entries = client_ledger_entries(partner=partner, client_id=record.client.pk)
    if filters.is_valid():
        entries = client_ledger_entries(
            partner=partner,
            client_id=record.client.pk,
            track=filters.cleaned_data["track"],
            start=filters.cleaned_data["start"],
            end=filters.cleaned_data["end"],
        )
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(query_page(request.GET))
    context = {
        "record": record,
        "client": record.client,
        "filters": filters,
        "entries": page,
        "query": _query_without_page(request),
        "mrr_figure": _mrr_figure(record, today),
        "renewals": record.renewal_deadlines,
        # The managed split: this partner and its co-managers (no arithmetic in templates).
        "split_ways": record.co_managers + 1,
        "points": figures.points_pair(record.sold_points, record.managed_points),
    }
    if request.htmx:
        return render(request, "clients/record.html#entries", context)
    return render(request, "clients/record.html", context)


def _query_without_page(request: PartnerRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# Static lists (C2)


def _own_list(request: PartnerRequest, list_id: object) -> StaticList:
    return get_object_or_404(static_lists(partner=request.partner), pk=_object_id(list_id))


@partner_required
def lists_index(request: PartnerRequest) -> HttpResponse:
    return render(request, "clients/lists.html", {"lists": static_lists(partner=request.partner)})


def _list_detail_context(
    request: PartnerRequest, static_list: StaticList, **extra: Any
) -> dict[str, Any]:
    members = static_list_members(partner=request.partner, list_id=static_list.pk)
    return {
        "static_list": static_list,
        "can_delete": may_delete(membership=request.membership, item=static_list),
        "members": Paginator(members, MEMBERS_PER_PAGE).get_page(query_page(request.GET)),
        "rename_form": NameForm(initial={"name": static_list.name}),
        "export_form": ExportForm(initial={"name": static_list.name, "format": "csv"}),
        **extra,
    }


@partner_required
@checks_query("page")
def list_detail(request: PartnerRequest, list_id: int) -> HttpResponse:
    static_list = _own_list(request, list_id)
    context = _list_detail_context(request, static_list)
    if request.htmx:
        return render(request, "clients/list_detail.html#members", context)
    return render(request, "clients/list_detail.html", context)


@require_POST
@partner_required
@checks_query("page")
def list_rename(request: PartnerRequest, list_id: int) -> HttpResponse:
    static_list = _own_list(request, list_id)
    form = NameForm(request.POST)
    if form.is_valid():
        try:
            static_list_rename(static_list=static_list, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", error)
    if form.is_valid():
        if request.htmx:
            context = _list_detail_context(request, static_list, renamed=True)
            response = render(request, "clients/list_detail.html#list-header", context)
            return trigger_client_event(response, "listChanged", {"list": static_list.pk})
        messages.success(request, f"Renamed the list to “{static_list.name}”.")
        return redirect("lists:list-detail", list_id=static_list.pk)
    static_list.refresh_from_db()
    context = _list_detail_context(request, static_list, rename_form=form)
    if request.htmx:
        return render(request, "clients/list_detail.html#list-header", context)
    return render(request, "clients/list_detail.html", context, status=400)


@require_POST
@partner_required
def list_delete(request: PartnerRequest, list_id: int) -> HttpResponse:
    static_list = _own_list(request, list_id)
    name = static_list.name
    static_list_delete(static_list=static_list, by=request.membership)
    messages.success(request, f"Deleted the list “{name}”.")
    if request.htmx:
        return HttpResponseClientRedirect(reverse("lists:lists"), status=204)
    return redirect("lists:lists")


@require_POST
@partner_required
@checks_query("page")
def list_remove_client(request: PartnerRequest, list_id: int) -> HttpResponse:
    static_list = _own_list(request, list_id)
    client_id = _object_id(request.POST.get("client"))
    if not static_list_remove_client(static_list=static_list, client_id=client_id):
        raise Http404("That client is not on this list.")
    if request.htmx:
        response = render(
            request, "clients/list_detail.html#members", _list_detail_context(request, static_list)
        )
        return trigger_client_event(response, "listChanged", {"list": static_list.pk})
    messages.success(request, "Removed the client from the list.")
    return redirect("lists:list-detail", list_id=static_list.pk)


@partner_required
@checks_query("page")
def list_export(request: PartnerRequest, list_id: int) -> HttpResponseBase:
    static_list = _own_list(request, list_id)
    form = ExportForm(request.GET)
    if form.is_valid():
        try:
            return _download(
                header=STATIC_LIST_COLUMNS,
                rows=static_list_rows(partner=request.partner, list_id=static_list.pk),
                name=form.cleaned_data["name"],
                fmt=form.cleaned_data["format"],
            )
        except ExportError as error:
            form.add_error("name", str(error))
    context = _list_detail_context(request, static_list, export_form=form)
    return render(request, "clients/list_detail.html", context, status=400)


# Report actions (the dashboard dialogs) and saved reports (C3)


def _actions_context(request: PartnerRequest, spec: ReportSpec, **extra: Any) -> dict[str, Any]:
    return {
        "spec": spec,
        "lists": static_lists(partner=request.partner),
        "next": safe_next_url(request, ""),
        **extra,
    }


def _action_spec(request: PartnerRequest) -> ReportSpec | HttpResponse:
    """The posted report, its range kept to the program's days (as on the dashboard)."""
    today = timezone.localdate()
    try:
        spec = ReportSpec.from_params(request.POST, today=today)
        return ReportSpec(spec.kind, program_range(spec.range, today=today).range)
    except ReportError as error:
        return error_response(request, 400, str(error))


def _action_failed(request: PartnerRequest, context: dict[str, Any]) -> HttpResponse:
    if request.htmx:
        return render(request, "clients/_report_actions.html", context)
    return render(request, "clients/report_action.html", context, status=400)


@require_POST
@partner_required
def list_add(request: PartnerRequest) -> HttpResponse:
    spec = _action_spec(request)
    if isinstance(spec, HttpResponse):
        return spec
    partner = request.partner
    form = ListAddForm(request.POST)
    static_list: StaticList | None = None
    if form.is_valid():
        if form.cleaned_data["list"] is not None:
            # The form's IntegerField would read '𝟙' or ' 1 ' as list 1: the raw value must be
            # an id in the strict grammar.
            list_id = parse_id(request.POST.get("list"))
            if list_id is None:
                form.add_error("list", "Choose one of your lists.")
            else:
                static_list = _own_list(request, list_id)
        else:
            try:
                static_list = static_list_create(
                    partner=partner, name=form.cleaned_data["new_list_name"], user=request.user
                )
            except ValidationError as error:
                form.add_error("new_list_name", error)
    if static_list is None:
        return _action_failed(request, _actions_context(request, spec, list_form=form))
    result = static_list_add_clients(
        static_list=static_list, client_ids=report_clients(partner=partner, spec=spec)
    )
    message = f"Added {result.added} client{pluralize(result.added)} to “{static_list.name}”"
    message += f" ({result.already} already there)." if result.already else "."
    if request.htmx:
        context = _actions_context(request, spec, action_message=message, message_list=static_list)
        response = render(request, "clients/_report_actions.html", context)
        return trigger_client_event(
            response, "listChanged", {"list": static_list.pk, "added": result.added}
        )
    messages.success(request, message)
    return redirect_to_next(
        request, reverse("lists:list-detail", kwargs={"list_id": static_list.pk})
    )


@require_POST
@partner_required
def report_export(request: PartnerRequest) -> HttpResponseBase:
    spec = _action_spec(request)
    if isinstance(spec, HttpResponse):
        return spec
    form = ExportForm(request.POST)
    if form.is_valid():
        try:
            return _download(
                header=report_columns(spec.kind),
                rows=report_rows(partner=request.partner, spec=spec),
                name=form.cleaned_data["name"],
                fmt=form.cleaned_data["format"],
            )
        except ExportError as error:
            form.add_error("name", str(error))
    return _action_failed(request, _actions_context(request, spec, export_form=form))


@require_POST
@partner_required
def report_save(request: PartnerRequest) -> HttpResponse:
    spec = _action_spec(request)
    if isinstance(spec, HttpResponse):
        return spec
    form = NameForm(request.POST)
    if not form.is_valid():
        return _action_failed(request, _actions_context(request, spec, save_form=form))
    report = saved_report_create(
        partner=request.partner, user=request.user, name=form.cleaned_data["name"], spec=spec
    )
    message = f"Saved the report “{report.name}”."
    if request.htmx:
        context = _actions_context(request, spec, action_message=message, message_report=report)
        response = render(request, "clients/_report_actions.html", context)
        return trigger_client_event(response, "reportSaved", {"report": report.pk})
    messages.success(request, message)
    return redirect_to_next(
        request, reverse("lists:report-detail", kwargs={"report_id": report.pk})
    )


def _own_report(request: PartnerRequest, report_id: object) -> SavedReport:
    return get_object_or_404(saved_reports(partner=request.partner), pk=_object_id(report_id))


@partner_required
def reports_index(request: PartnerRequest) -> HttpResponse:
    reports = [
        (report, saved_report_range(report)) for report in saved_reports(partner=request.partner)
    ]
    return render(request, "clients/reports.html", {"reports": reports})


def _report_spec(report: SavedReport) -> tuple[ReportSpec, bool, str]:
    """A saved report's spec over the program's days, whether it has any, and the notice.

    A stored range partly outside the program's days (its first day to today) is run over
    the days inside; one entirely outside runs over none, and the notice says why.
    """
    spec = saved_report_spec(report)
    try:
        kept = program_range(spec.range, today=timezone.localdate())
    except ReportError as error:
        return spec, False, str(error)
    return ReportSpec(spec.kind, kept.range), True, kept.notice


def _report_context(request: PartnerRequest, report: SavedReport, **extra: Any) -> dict[str, Any]:
    partner = request.partner
    spec, has_days, notice = _report_spec(report)
    rows = report_summary(partner=partner, spec=spec) if has_days else []
    return {
        "report": report,
        "range_notice": notice,
        "can_delete": may_delete(membership=request.membership, item=report),
        "spec": spec,
        "range": saved_report_range(report),
        "rows": rows,
        "total": figures.shown_sum(row.value for row in rows) if spec.is_points else None,
        "count": sum(int(row.value) for row in rows) if not spec.is_points else None,
        "entries": sum(row.entries for row in rows),
        "lists": static_lists(partner=partner),
        "rename_form": NameForm(initial={"name": report.name}),
        "next": request.get_full_path(),
        **extra,
    }


@partner_required
def report_detail(request: PartnerRequest, report_id: int) -> HttpResponse:
    report = _own_report(request, report_id)
    context = _report_context(request, report)
    if context["range_notice"]:
        # Shown beside the rows by the page's messages, in this response.
        messages.warning(request, context["range_notice"])
    return render(request, "clients/report_detail.html", context)


@require_POST
@partner_required
def report_rename(request: PartnerRequest, report_id: int) -> HttpResponse:
    report = _own_report(request, report_id)
    form = NameForm(request.POST)
    if form.is_valid():
        saved_report_rename(report=report, name=form.cleaned_data["name"])
        if request.htmx:
            context = _report_context(request, report, renamed=True)
            response = render(request, "clients/report_detail.html#report-header", context)
            return trigger_client_event(response, "reportSaved", {"report": report.pk})
        messages.success(request, f"Renamed the report to “{report.name}”.")
        return redirect("lists:report-detail", report_id=report.pk)
    context = _report_context(request, report, rename_form=form)
    if request.htmx:
        return render(request, "clients/report_detail.html#report-header", context)
    return render(request, "clients/report_detail.html", context, status=400)


@require_POST
@partner_required
def report_delete(request: PartnerRequest, report_id: int) -> HttpResponse:
    report = _own_report(request, report_id)
    name = report.name
    saved_report_delete(report=report, by=request.membership)
    messages.success(request, f"Deleted the report “{name}”.")
    if request.htmx:
        return HttpResponseClientRedirect(reverse("lists:reports"), status=204)
    return redirect("lists:reports")
