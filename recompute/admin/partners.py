"""The partner list as the program's staff use it: ``partners``' admin of the partner, extended
with the credited tier, the partner's records across apps, and the actions that run the
recompute ("Recompute now" on the selected partners, "Recompute all")."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from clients.models import Deal, ManagedAssignment
from commissions.models import CommissionLine, CommissionPayment
from core.admin import links, staff_user
from partners.admin import PartnerAdmin
from partners.models import Partner
from points.models import DailySnapshot, LedgerEntry
from program.dates import RecomputeDateError
from program.models import Tier
from recompute.models import RecomputeRun
from recompute.services import recompute_run_request
from recompute.tasks import recompute_run_task
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


class ProgramPartnerAdmin(PartnerAdmin):
    """``partners``' admin of the partner list, with what the program adds: the credited tier,
    the member count, links to every record of the partner, and the recompute actions."""

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
    list_filter = [CreditedTierFilter, *PartnerAdmin.list_filter]
    readonly_fields = ["created_at", "credited_tier", "related_records"]
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
        try:
            run = recompute_run_request(
                requested_by=staff_user(request), partner_ids=partner_ids, task=recompute_run_task
            )
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


admin.site.unregister(Partner)
admin.site.register(Partner, ProgramPartnerAdmin)
