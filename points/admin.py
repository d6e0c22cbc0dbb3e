"""Admin for the point rule tables (editable, with drafts and the rule-change preview), the
append-only ledger (with the "Add adjustment" form), daily snapshots and recompute runs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django_countries.filters import CountryFilter

from clients.models import Client
from partner_portal.ids import query_page
from partners.admin import ProgramModelAdmin, ReadOnlyModelAdmin, changelist_url
from partners.models import Partner

from . import engine
from .models import (
    DailySnapshot,
    FxRate,
    GrowthMarket,
    LedgerEntry,
    PairBalance,
    PointRate,
    RecomputeRun,
    RuleStatus,
    Track,
)

SIMULATION_PAGE_SIZE = 100


# --- rule tables: drafts, the rule-change preview and publishing ---------------------------


class DraftRuleAdmin(ProgramModelAdmin):
    """A rule row added here starts as a draft: the program ignores it until it is published."""

    change_list_template = "admin/points/rule_change_list.html"

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"status": RuleStatus.DRAFT, **super().get_changeform_initial_data(request)}


def draft_formset(formset: type[BaseInlineFormSet]) -> type[BaseInlineFormSet]:
    """An inline formset whose new rows start as drafts."""

    class DraftFormSet(formset):  # type: ignore[valid-type,misc]
        def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
            kwargs = super().get_form_kwargs(index)
            if index is None or index >= self.initial_form_count():
                kwargs["initial"] = {"status": RuleStatus.DRAFT, **kwargs.get("initial", {})}
            return kwargs

    return DraftFormSet


class SimulationDateForm(forms.Form):
    on = forms.DateField(
        label="Simulate on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Current balances evaluated on this date (default: today, or the latest "
        "draft's effective date if that is later).",
    )


def rule_change_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """The rule-change preview: every partner's performance tier now and with the drafts."""
    from .rules import drafts_list, rules_simulate

    if not all(rule_admin.has_view_permission(request) for rule_admin in _rule_admins(model_admin)):
        raise PermissionDenied
    drafts = drafts_list()
    form = SimulationDateForm(request.GET or None)
    default_on = max([timezone.localdate(), *(d.effective_from for d in drafts)])
    on = default_on
    if form.is_bound and form.is_valid() and form.cleaned_data["on"]:
        on = form.cleaned_data["on"]
    simulation, error = None, ""
    if form.is_bound and not form.is_valid():
        error = "Enter the date as YYYY-MM-DD."
    else:
        try:
            simulation = rules_simulate(on=on)
        except engine.RuleError as exc:
            error = f"The rules cannot be applied on {on}: {exc}"
    page = None
    if simulation is not None:
        page = Paginator(simulation.partners, SIMULATION_PAGE_SIZE).get_page(
            query_page(request.GET)
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Preview a rule change",
        "form": form,
        "on": on,
        "drafts": drafts,
        "simulation": simulation,
        "page": page,
        "error": error,
        "can_publish": bool(drafts) and _can_publish(model_admin, request),
        "rule_tables": [
            (m._meta.verbose_name_plural, changelist_url(m, status__exact=RuleStatus.DRAFT))
            for m in _draftable()
        ],
    }
    return TemplateResponse(request, "admin/points/rule_change.html", context)


def rule_publish_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """POST: publish every draft rule row and clear the cached rules."""
    from .rules import rules_publish

    if not _can_publish(model_admin, request):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    count = rules_publish()
    if count:
        model_admin.message_user(
            request,
            f"{count} draft rule row(s) published; each applies from its effective date and the "
            "next recompute uses them.",
            messages.SUCCESS,
        )
    else:
        model_admin.message_user(request, "There were no drafts to publish.", messages.WARNING)
    return HttpResponseRedirect(reverse("admin:points_rule_change"))


def _draftable() -> tuple[type[Model], ...]:
    from .rules import DRAFTABLE

    return DRAFTABLE


def _rule_admins(model_admin: admin.ModelAdmin) -> list[admin.ModelAdmin]:
    """The admins of every draftable rule table: the preview shows the drafts of them all."""
    return [model_admin.admin_site.get_model_admin(model) for model in _draftable()]


def _can_publish(model_admin: admin.ModelAdmin, request: HttpRequest) -> bool:
    """Publishing changes the drafts of every rule table: it needs the change permission on
    each of them, not only on the table whose admin serves the page."""
    return all(
        rule_admin.has_change_permission(request) for rule_admin in _rule_admins(model_admin)
    )


@admin.register(FxRate)
class FxRateAdmin(DraftRuleAdmin):
    list_display = ("currency", "per_100_usd", "effective_from", "status")
    list_filter = ("status", "currency", "effective_from")
    search_fields = ("currency",)
    ordering = ("currency", "-effective_from")
    date_hierarchy = "effective_from"


@admin.register(GrowthMarket)
class GrowthMarketAdmin(DraftRuleAdmin):
    list_display = ("country", "multiplier", "effective_from", "status")
    list_filter = ("status", ("country", CountryFilter), "multiplier", "effective_from")
    search_fields = ("country",)
    ordering = ("country", "-effective_from")
    date_hierarchy = "effective_from"


@admin.register(PointRate)
class PointRateAdmin(DraftRuleAdmin):
    list_display = ("track", "deal_type", "rate", "effective_from", "status")
    list_filter = ("status", "track", "deal_type", "effective_from")
    search_fields = ("track", "deal_type")
    ordering = ("track", "deal_type", "-effective_from")
    date_hierarchy = "effective_from"

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "rule-change/",
                self.admin_site.admin_view(lambda request: rule_change_view(self, request)),
                name="points_rule_change",
            ),
            path(
                "rule-change/publish/",
                self.admin_site.admin_view(lambda request: rule_publish_view(self, request)),
                name="points_rule_publish",
            ),
        ]
        return extra + super().get_urls()


class AdjustmentForm(forms.Form):
    """A manual correction of a partner's points: appended to the ledger, with a reason."""

    partner = forms.ModelChoiceField(
        queryset=Partner.objects.all(),
        widget=AutocompleteSelect(LedgerEntry._meta.get_field("partner"), admin.site),
    )
    client = forms.ModelChoiceField(
        queryset=Client.objects.all(),
        widget=AutocompleteSelect(LedgerEntry._meta.get_field("client"), admin.site),
    )
    track = forms.ChoiceField(
        choices=Track.choices,
        initial=Track.SOLD,
        help_text="Sold points only: managed points follow the client's MRR and co-managers, so "
        "correct the MRR record or the assignment instead.",
    )
    points = forms.DecimalField(
        max_digits=20,
        decimal_places=6,
        help_text="Signed: a negative number takes points away.",
    )
    effective_on = forms.DateField(widget=AdminDateWidget, help_text="Today or a past date.")
    reason = forms.CharField(
        max_length=300, widget=forms.Textarea(attrs={"rows": 3}), help_text="Required."
    )


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyModelAdmin):
    """The points ledger: append-only, so view only. Corrections are new entries."""

    change_list_template = "admin/points/ledgerentry/ledger_change_list.html"

    list_display = (
        "effective_on",
        "partner",
        "client",
        "track",
        "kind",
        "signed_points",
        "expires_on",
        "deal",
        "idempotency_key",
        "created_at",
    )
    list_filter = (
        "track",
        "kind",
        "deal__deal_type",
        ("client__country", CountryFilter),
        "expires_on",
    )
    search_fields = (
        "partner__name",
        "client__name",
        "client__domain",
        "idempotency_key",
        "reason",
    )
    list_select_related = ("partner", "client", "deal")
    ordering = ("-effective_on", "-id")
    date_hierarchy = "effective_on"
    fieldsets = (
        (None, {"fields": ("partner", "client", "deal")}),
        (
            "Points",
            {"fields": ("track", "kind", "points", "effective_on", "expires_on", "reason")},
        ),
        ("Bookkeeping", {"fields": ("idempotency_key", "created_at")}),
    )

    @admin.display(description="Points", ordering="points")
    def signed_points(self, obj: LedgerEntry) -> str:
        return f"{obj.points:+,.2f}"

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "adjust/",
                self.admin_site.admin_view(self.adjustment_view),
                name="points_ledgerentry_adjust",
            ),
        ]
        return extra + super().get_urls()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_adjust": self.can_adjust(request)}
        return super().changelist_view(request, extra_context)

    def can_adjust(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("points.add_ledgerentry"))

    def adjustment_view(self, request: HttpRequest) -> HttpResponse:
        """GET: the adjustment form; POST: append the entry (never an edit) and list it."""
        from .services import AdjustmentError, ledger_adjust

        if not self.can_adjust(request):
            raise PermissionDenied
        form = AdjustmentForm(request.POST or None, initial={"effective_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                entry = ledger_adjust(
                    partner=data["partner"],
                    client=data["client"],
                    track=data["track"],
                    points=data["points"],
                    effective_on=data["effective_on"],
                    reason=data["reason"],
                )
            except AdjustmentError as exc:
                form.add_error(None, str(exc))
            else:
                self.log_addition(request, entry, [{"added": {"name": "adjustment"}}])
                self.message_user(
                    request,
                    f"Adjustment of {entry.points:+,.2f} points appended for {entry.partner} "
                    f"on {entry.effective_on}; it counts from the next recompute.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    changelist_url(LedgerEntry, partner__id__exact=entry.partner_id)
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Add a ledger adjustment",
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/points/ledgerentry/adjust.html", context)


@admin.register(DailySnapshot)
class DailySnapshotAdmin(ReadOnlyModelAdmin):
    """Written by the nightly recompute: view only."""

    list_display = ("partner", "date", "sold", "managed", "total")
    list_filter = (("partner__country", CountryFilter),)
    search_fields = ("partner__name",)
    list_select_related = ("partner",)
    ordering = ("-date", "partner__name")
    date_hierarchy = "date"


@admin.register(PairBalance)
class PairBalanceAdmin(ReadOnlyModelAdmin):
    """Each partner's points with each client, kept by the database from the ledger: view only."""

    list_display = ("partner", "client", "sold", "managed", "through")
    list_filter = (("partner__country", CountryFilter),)
    search_fields = ("partner__name", "client__name", "client__domain")
    list_select_related = ("partner", "client")
    ordering = ("partner__name", "client__name")
    date_hierarchy = "through"


@admin.register(RecomputeRun)
class RecomputeRunAdmin(ReadOnlyModelAdmin):
    """Recomputes asked for from the partner list: who asked, when, and what each changed."""

    list_display = (
        "requested_at",
        "on",
        "status",
        "partners_label",
        "requested_by",
        "started_at",
        "finished_at",
        "entries_appended",
        "standings_written",
    )
    list_filter = ("status",)
    search_fields = ("requested_by__email", "requested_by__username", "error")
    list_select_related = ("requested_by",)
    ordering = ("-requested_at", "-id")
    date_hierarchy = "on"
    readonly_fields = ("what_changed",)
    fieldsets = (
        (None, {"fields": ("on", "partner_ids", "requested_by", "requested_at")}),
        ("Run", {"fields": ("status", "started_at", "finished_at", "error")}),
        ("What it changed", {"fields": ("what_changed", "summary")}),
    )

    @admin.display(description="Partners")
    def partners_label(self, obj: RecomputeRun) -> str:
        return "All" if obj.partner_ids is None else str(len(obj.partner_ids))

    @admin.display(description="Entries appended")
    def entries_appended(self, obj: RecomputeRun) -> Any:
        return obj.summary.get("entries_appended", "—") if obj.summary else "—"

    @admin.display(description="Standings written")
    def standings_written(self, obj: RecomputeRun) -> Any:
        return obj.summary.get("standings_written", "—") if obj.summary else "—"

    @admin.display(description="Changes")
    def what_changed(self, obj: RecomputeRun) -> SafeString | str:
        if not obj.summary:
            return "—"
        labels = {
            "deals_won": "Sold gains appended (deals won)",
            "deals_reversed": "Reversals appended",
            "sold_expired": "Expiries appended",
            "managed_changes": "Managed changes appended",
            "entries_appended": "Ledger entries appended in all",
            "snapshots_written": "Daily snapshots written",
            "standings_written": "Tier standings written",
            "review_results_written": "Tier review results written",
            "partners": "Partners recomputed",
        }
        rows = [(label, obj.summary[key]) for key, label in labels.items() if key in obj.summary]
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )
