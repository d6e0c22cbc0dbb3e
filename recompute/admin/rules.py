"""Admin of the program's rules: the rule tables, whose new rows start as drafts, the
rule-change preview of the drafts, and publishing them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django_countries.filters import CountryFilter

from core.admin import ProgramModelAdmin, changelist_url, staff_user
from core.ids import query_page
from program import engine
from program.models import (
    FxRate,
    GrowthMarket,
    PointRate,
    ReviewDate,
    RuleStatus,
    Tier,
    TierRequirement,
)
from recompute.rules import DRAFTABLE, drafts_list, rules_publish, rules_simulate

SIMULATION_PAGE_SIZE = 100


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
            for m in DRAFTABLE
        ],
    }
    return TemplateResponse(request, "admin/points/rule_change.html", context)


def rule_publish_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """POST: publish every draft rule row and clear the cached rules."""
    if not _can_publish(model_admin, request):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    count = rules_publish(by=staff_user(request))
    if count:
        model_admin.message_user(
            request,
            f"{count} draft rule row(s) published; each applies from its effective date and the "
            "next recompute uses them.",
            messages.SUCCESS,
        )
    else:
        model_admin.message_user(request, "There were no drafts to publish.", messages.WARNING)
    return HttpResponseRedirect(reverse("admin:program_rule_change"))


def _rule_admins(model_admin: admin.ModelAdmin) -> list[admin.ModelAdmin]:
    """The admins of every draftable rule table: the preview shows the drafts of them all."""
    return [model_admin.admin_site.get_model_admin(model) for model in DRAFTABLE]


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
                name="program_rule_change",
            ),
            path(
                "rule-change/publish/",
                self.admin_site.admin_view(lambda request: rule_publish_view(self, request)),
                name="program_rule_publish",
            ),
        ]
        return extra + super().get_urls()


class TierRequirementInline(admin.TabularInline):
    """A tier's effective-dated requirements; a program change is a new row."""

    model = TierRequirement
    extra = 1
    fields = (
        "effective_from",
        "total_points",
        "sold_min",
        "managed_min",
        "requires_certification",
        "by_invitation",
        "min_csr",
        "status",
    )
    ordering = ("-effective_from",)

    def get_formset(
        self, request: HttpRequest, obj: Any = None, **kwargs: Any
    ) -> type[BaseInlineFormSet]:
        return draft_formset(super().get_formset(request, obj, **kwargs))


@admin.register(Tier)
class TierAdmin(ProgramModelAdmin):
    list_display = ("rank", "name", "key", "current_total_points", "requirement_count")
    list_display_links = ("name",)
    search_fields = ("name", "key")
    ordering = ("rank",)
    prepopulated_fields = {"key": ("name",)}
    inlines = (TierRequirementInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tier]:
        in_force = TierRequirement.objects.filter(
            tier=OuterRef("pk"),
            effective_from__lte=timezone.localdate(),
            status=RuleStatus.PUBLISHED,
        ).order_by("-effective_from")
        return (
            super()
            .get_queryset(request)
            .annotate(
                current_total=Subquery(in_force.values("total_points")[:1]),
                requirement_count=Count("requirements"),
            )
        )

    @admin.display(description="Points required today", ordering="current_total", empty_value="—")
    def current_total_points(self, obj: Tier) -> Any:
        return getattr(obj, "current_total", None)

    @admin.display(description="Requirement rows", ordering="requirement_count")
    def requirement_count(self, obj: Tier) -> int:
        return int(getattr(obj, "requirement_count", 0))


@admin.register(TierRequirement)
class TierRequirementAdmin(DraftRuleAdmin):
    list_display = (
        "tier",
        "effective_from",
        "total_points",
        "sold_min",
        "managed_min",
        "requires_certification",
        "by_invitation",
        "min_csr",
        "status",
    )
    list_filter = ("status", "tier", "requires_certification", "by_invitation", "effective_from")
    search_fields = ("tier__name", "tier__key")
    list_select_related = ("tier",)
    ordering = ("tier__rank", "-effective_from")
    date_hierarchy = "effective_from"


@admin.register(ReviewDate)
class ReviewDateAdmin(ProgramModelAdmin):
    list_display = ("review_day", "month", "day", "effective_from")
    list_filter = ("effective_from", "month")
    ordering = ("-effective_from", "month", "day")
    date_hierarchy = "effective_from"

    @admin.display(description="Review date (MM-DD)", ordering="month")
    def review_day(self, obj: ReviewDate) -> str:
        return f"{obj.month:02d}-{obj.day:02d}"
