"""Admin of the program's rules (drafts, the rule-change preview, publishing), the recompute runs, and the partner list, whose actions run the recompute."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Model, OuterRef, QuerySet, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django_countries.filters import CountryFilter

from core.admin import (
    ProgramImportExportMixin,
    ProgramModelAdmin,
    ReadOnlyModelAdmin,
    changelist_url,
    links,
    staff_user,
)
from core.ids import query_page
from partners.models import (
    Membership,
    Partner,
)
from partners.resources import CertificationResource, PartnerResource
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
from recompute.models import RecomputeRun
from tiers.models import TierStanding


class CreditedTierFilter(admin.SimpleListFilter):
    """Partners by the credited tier of their latest standing."""

    title = "credited tier"
    parameter_name = "credited_tier"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(str(rank), name) for rank, name in Tier.objects.values_list("rank", "name")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(credited_tier_rank=value)


class MembershipInline(admin.TabularInline):
    """The users of a partner organisation, on the partner's page."""

    model = Membership
    fk_name = "partner"
    extra = 0
    fields = ("user", "role", "joined_at")
    readonly_fields = ("joined_at",)
    autocomplete_fields = ("user",)
    ordering = ("user__email",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user")


@admin.register(Partner)
class PartnerAdmin(ProgramImportExportMixin, ProgramModelAdmin):
    resource_classes = [PartnerResource, CertificationResource]
    change_list_template = "admin/partners/partner/program_change_list.html"
    actions = ("recompute_now",)
    list_display = (
        "name",
        "country",
        "credited_tier",
        "pdm",
        "certified_until",
        "elite_invited",
        "payout_currency",
        "member_count",
        "created_at",
    )
    list_filter = (
        CreditedTierFilter,
        ("country", CountryFilter),
        "elite_invited",
        "certified_until",
        "payout_currency",
    )
    search_fields = ("name", "external_id", "pdm__name", "memberships__user__email")
    list_select_related = ("pdm",)
    autocomplete_fields = ("pdm",)
    ordering = ("name",)
    date_hierarchy = "created_at"
    inlines = (MembershipInline,)
    readonly_fields = ("created_at", "credited_tier", "related_records")
    fieldsets = (
        (None, {"fields": ("name", "external_id", "country", "payout_currency")}),
        ("Program", {"fields": ("pdm", "certified_until", "elite_invited", "credited_tier")}),
        ("Records", {"fields": ("related_records", "created_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partner]:
        latest = TierStanding.objects.filter(partner=OuterRef("pk")).order_by("-date")
        return (
            super()
            .get_queryset(request)
            .annotate(
                credited_tier_name=Subquery(latest.values("credited_tier__name")[:1]),
                credited_tier_rank=Subquery(latest.values("credited_tier__rank")[:1]),
                member_count=Count("memberships", distinct=True),
            )
        )

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "recompute-all/",
                self.admin_site.admin_view(self.recompute_all_view),
                name="partners_partner_recompute_all",
            ),
        ]
        return extra + super().get_urls()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        can_recompute = self.has_change_permission(request)
        extra_context = {**(extra_context or {}), "can_recompute": can_recompute}
        return super().changelist_view(request, extra_context)

    @admin.action(description="Recompute now (selected partners)", permissions=["change"])
    def recompute_now(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        ids = list(queryset.order_by().values_list("pk", flat=True))
        self._recompute(request, ids)

    def recompute_all_view(self, request: HttpRequest) -> HttpResponse:
        """GET: what "Recompute all" will do; POST: enqueue it and go back to the list."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            self._recompute(request, None)
            return HttpResponseRedirect(reverse("admin:partners_partner_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Recompute every partner now",
            "partner_count": Partner.objects.count(),
        }
        return TemplateResponse(request, "admin/partners/partner/recompute_all.html", context)

    def _recompute(self, request: HttpRequest, partner_ids: list[int] | None) -> None:
        from program.dates import RecomputeDateError
        from recompute.models import RecomputeRun
        from recompute.services import recompute_run_request

        try:
            run = recompute_run_request(requested_by=staff_user(request), partner_ids=partner_ids)
        except RecomputeDateError as refused:  # checked before the run is recorded
            self.message_user(request, f"The recompute was not started: {refused}", messages.ERROR)
            return
        except Exception as exc:  # an eager run raises here; the run records the failure
            self.message_user(request, f"The recompute failed: {exc}", messages.ERROR)
            return
        run.refresh_from_db()
        link = reverse("admin:recompute_recomputerun_change", args=[run.pk])
        who = "every partner" if partner_ids is None else f"{len(partner_ids)} partner(s)"
        if run.status == RecomputeRun.Status.FINISHED:
            summary = run.summary
            message = format_html(
                "Recompute of {} for {} finished: {} ledger entries appended, {} standings "
                'written. <a href="{}">See what it changed</a>.',
                who,
                run.on,
                summary.get("entries_appended", 0),
                summary.get("standings_written", 0),
                link,
            )
            self.message_user(request, message, messages.SUCCESS)
        else:
            message = format_html(
                'Recompute of {} for {} is queued. <a href="{}">Follow the run</a>.',
                who,
                run.on,
                link,
            )
            self.message_user(request, message, messages.INFO)

    @admin.display(description="Credited tier", ordering="credited_tier_rank", empty_value="—")
    def credited_tier(self, obj: Partner) -> str | None:
        return getattr(obj, "credited_tier_name", None)

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, obj: Partner) -> int:
        return int(getattr(obj, "member_count", 0))

    @admin.display(description="Records")
    def related_records(self, obj: Partner) -> SafeString | str:
        if obj.pk is None:
            return "—"
        from clients.models import Deal, ManagedAssignment
        from commissions.models import CommissionLine, CommissionPayment
        from points.models import DailySnapshot, LedgerEntry

        by_partner: dict[str, object] = {"partner__id__exact": obj.pk}
        return links(
            (Deal, "Deals", by_partner),
            (ManagedAssignment, "Managed assignments", by_partner),
            (LedgerEntry, "Ledger entries", by_partner),
            (DailySnapshot, "Daily snapshots", by_partner),
            (TierStanding, "Tier standings", by_partner),
            (CommissionLine, "Commission lines", by_partner),
            (CommissionPayment, "Commission payments", by_partner),
        )


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
    from recompute.rules import drafts_list, rules_simulate

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
    from recompute.rules import rules_publish

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
    return HttpResponseRedirect(reverse("admin:program_rule_change"))


def _draftable() -> tuple[type[Model], ...]:
    from recompute.rules import DRAFTABLE

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
                name="program_rule_change",
            ),
            path(
                "rule-change/publish/",
                self.admin_site.admin_view(lambda request: rule_publish_view(self, request)),
                name="program_rule_publish",
            ),
        ]
        return extra + super().get_urls()


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
