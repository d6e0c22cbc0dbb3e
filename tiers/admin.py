"""Admin for the tier reviews (run from here) and the computed results and standings (view only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.safestring import SafeString
from django_countries.filters import CountryFilter

from core import figures
from core.admin import (
    ReadOnlyModelAdmin,
    changelist_link,
    changelist_url,
    staff_user,
)
from program.engine import RuleError
from tiers.models import TierReview, TierReviewResult, TierStanding
from tiers.services import ReviewDateError, tier_review_apply, tier_review_preview


class ReviewRunForm(forms.Form):
    on = forms.DateField(
        label="Review date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Today or a past date on or after the first day the program's rules are in "
        "force: the review credits each partner its performance tier on that day.",
    )


@admin.register(TierReview)
class TierReviewAdmin(ReadOnlyModelAdmin):
    """Written by the review job, or run here with a preview first: view only."""

    change_list_template = "admin/tiers/tierreview/review_change_list.html"

    list_display = ("date", "run_by", "result_count", "created_at")
    search_fields = ("run_by__email", "run_by__username")
    list_select_related = ("run_by",)
    ordering = ("-date",)
    date_hierarchy = "date"
    readonly_fields = ("results_link",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[TierReview]:
        return super().get_queryset(request).annotate(result_count=Count("results"))

    @admin.display(description="Partners reviewed", ordering="result_count")
    def result_count(self, obj: TierReview) -> int:
        return int(getattr(obj, "result_count", 0))

    @admin.display(description="Results")
    def results_link(self, obj: TierReview) -> SafeString:
        return changelist_link(TierReviewResult, "Results of this review", review__id__exact=obj.pk)

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path("run/", self.admin_site.admin_view(self.run_view), name="tiers_tierreview_run"),
        ]
        return extra + super().get_urls()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_run_review": self.can_run(request)}
        return super().changelist_view(request, extra_context)

    def can_run(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("tiers.add_tierreview"))

    def run_view(self, request: HttpRequest) -> HttpResponse:
        """GET ?on=: the preview of every credited tier that would change; POST: apply it."""
        if not self.can_run(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        form = ReviewRunForm(data if "on" in data else None)
        preview = None
        if form.is_bound and form.is_valid():
            on = form.cleaned_data["on"]
            try:
                if request.method == "POST":
                    written = tier_review_apply(on=on, run_by=staff_user(request))
                    review = TierReview.objects.get(date=on)
                    self.message_user(
                        request,
                        f"Review of {on} recorded: {written} partner result(s) written.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        changelist_url(TierReviewResult, review__id__exact=review.pk)
                    )
                preview = tier_review_preview(on=on)
            except (ReviewDateError, RuleError) as exc:  # nothing written: the apply is atomic
                form.add_error("on", str(exc))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Run a tier review",
            "form": form,
            "preview": preview,
            # Each change with its points as shown: the total is shown sold + shown managed.
            "changes": [
                (change, figures.points_pair(change.sold, change.managed))
                for change in (preview.changes if preview else [])
            ],
        }
        return TemplateResponse(request, "admin/tiers/tierreview/run.html", context)


class MovementFilter(admin.SimpleListFilter):
    """Whether the review moved the partner up, down or kept it in place."""

    title = "movement"
    parameter_name = "movement"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("up", "Moved up"), ("down", "Moved down"), ("same", "Kept"), ("new", "First")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "up":
            return queryset.filter(tier__rank__gt=F("previous_tier__rank"))
        if value == "down":
            return queryset.filter(tier__rank__lt=F("previous_tier__rank"))
        if value == "same":
            return queryset.filter(tier=F("previous_tier"))
        if value == "new":
            return queryset.filter(previous_tier__isnull=True)
        return queryset


@admin.register(TierReviewResult)
class TierReviewResultAdmin(ReadOnlyModelAdmin):
    """Written by the review job: view only."""

    list_display = (
        "review_date",
        "partner",
        "previous_tier",
        "tier",
        "movement",
        "sold",
        "managed",
    )
    list_filter = (
        MovementFilter,
        "tier",
        "previous_tier",
        "review",
        ("partner__country", CountryFilter),
    )
    search_fields = ("partner__name",)
    list_select_related = ("review", "partner", "tier", "previous_tier")
    ordering = ("-review__date", "partner__name")
    date_hierarchy = "review__date"
    readonly_fields = ("movement",)

    @admin.display(description="Review", ordering="review__date")
    def review_date(self, obj: TierReviewResult) -> Any:
        return obj.review.date

    @admin.display(description="Movement")
    def movement(self, obj: TierReviewResult) -> str:
        if obj.previous_tier is None:
            return "First review"
        if obj.tier.rank > obj.previous_tier.rank:
            return "↑ Up"
        if obj.tier.rank < obj.previous_tier.rank:
            return "↓ Down"
        return "= Kept"


@admin.register(TierStanding)
class TierStandingAdmin(ReadOnlyModelAdmin):
    """Written by the nightly recompute: view only."""

    list_display = (
        "partner",
        "date",
        "credited_tier",
        "performance_tier",
        "sold",
        "managed",
        "total",
    )
    list_filter = ("credited_tier", "performance_tier", ("partner__country", CountryFilter))
    search_fields = ("partner__name",)
    list_select_related = ("partner", "credited_tier", "performance_tier")
    ordering = ("-date", "partner__name")
    date_hierarchy = "date"
