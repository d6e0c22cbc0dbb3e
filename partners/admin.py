"""Admin for partner organisations, their members and PDMs, plus the shared admin helpers.

``ReadOnlyModelAdmin`` and ``changelist_link`` live here because every other app depends on
``partners``; the ledger, standing, review and commission-line admins build on them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django_countries.filters import CountryFilter
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from tiers.models import Tier, TierStanding

from .models import ApiToken, BetaFeature, BetaOptIn, Membership, Partner, PartnerManagerContact
from .resources import CertificationResource, PartnerResource, import_counts, import_errors

User = get_user_model()


# --- shared helpers -------------------------------------------------------------------------


def changelist_url(model: type[Model], **filters: object) -> str:
    """The admin changelist of ``model``, filtered by ``filters`` (e.g. ``partner__id__exact``)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def changelist_link(model: type[Model], label: str, **filters: object) -> SafeString:
    return format_html('<a href="{}">{}</a>', changelist_url(model, **filters), label)


def links(*items: tuple[type[Model], str, dict[str, object]]) -> SafeString:
    """A `` · ``-separated row of changelist links, for "where do these numbers come from"."""
    return format_html_join(
        " · ",
        '<a href="{}">{}</a>',
        ((changelist_url(model, **filters), label) for model, label, filters in items),
    )


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """View-only admin for rows the program writes itself (ledger, standings, reviews, lines).

    Nobody adds, changes or deletes them here: every field is read-only, the change page has no
    save button, a POST to it is refused (403) and the "delete selected" action is gone.
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        model_fields = [field.name for field in self.model._meta.fields if not field.primary_key]
        extra = [name for name in self.readonly_fields if name not in model_fields]
        return [*model_fields, *extra]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ProgramImportExportMixin(ImportExportMixin):
    """CSV and XLSX import (dry run first, all-or-nothing) and export with the current filters.

    The import page lists every bad row as row, column and message, and the dry run's counts of
    rows to create, update and skip.
    """

    formats = (CSV, XLSX)
    import_template_name = "admin/program_import.html"

    def import_action(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().import_action(request, *args, **kwargs)
        if isinstance(response, TemplateResponse) and response.context_data:
            context = response.context_data
            result = context.get("result")
            if result is not None:
                resource = self.choose_import_resource_class(context["form"], request)()
                context["row_error_list"] = import_errors(result, resource)
                context["import_counts"] = import_counts(result)
        return response

    def process_result(self, result: Any, request: HttpRequest) -> HttpResponse:
        if result.has_errors() or result.has_validation_errors():
            # The file changed between the dry run and the confirmation (or the data did):
            # the import was rolled back as a whole.
            resource = self.get_import_resource_classes(request)[0]()
            first = import_errors(result, resource)[:3]
            detail = "; ".join(f"row {e.row} {e.column}: {e.message}" for e in first)
            messages.error(request, f"Nothing was imported: {detail}")
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
            )
        return super().process_result(result, request)


def staff_user(request: HttpRequest) -> AbstractBaseUser | None:
    """The signed-in admin user, for "who ran it" fields."""
    user = request.user
    return user if isinstance(user, AbstractBaseUser) else None


# --- partners -------------------------------------------------------------------------------


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
class PartnerAdmin(ProgramImportExportMixin, admin.ModelAdmin):
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
        from points.models import RecomputeRun
        from points.services import recompute_run_request

        try:
            run = recompute_run_request(requested_by=staff_user(request), partner_ids=partner_ids)
        except Exception as exc:  # an eager run raises here; the run records the failure
            self.message_user(request, f"The recompute failed: {exc}", messages.ERROR)
            return
        run.refresh_from_db()
        link = reverse("admin:points_recomputerun_change", args=[run.pk])
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


@admin.register(PartnerManagerContact)
class PartnerManagerContactAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "partner_count")
    search_fields = ("name", "email")
    ordering = ("name",)
    readonly_fields = ("partners_link",)
    fields = ("name", "email", "description", "partners_link")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnerManagerContact]:
        return super().get_queryset(request).annotate(partner_count=Count("partners"))

    @admin.display(description="Partners", ordering="partner_count")
    def partner_count(self, obj: PartnerManagerContact) -> int:
        return int(getattr(obj, "partner_count", 0))

    @admin.display(description="Partners")
    def partners_link(self, obj: PartnerManagerContact) -> SafeString | str:
        if obj.pk is None:
            return "—"
        return changelist_link(Partner, "Partners managed", pdm__id__exact=obj.pk)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user_email", "user", "partner", "role", "joined_at")
    list_filter = ("role", ("partner__country", CountryFilter))
    search_fields = ("user__email", "user__username", "partner__name")
    list_select_related = ("user", "partner")
    autocomplete_fields = ("user", "partner")
    ordering = ("partner__name", "user__email")
    date_hierarchy = "joined_at"
    readonly_fields = ("joined_at",)

    @admin.display(description="Email", ordering="user__email")
    def user_email(self, obj: Membership) -> str:
        return str(obj.user.email)


# --- the User admin, with the user's partner membership ------------------------------------


class UserMembershipInline(admin.StackedInline):
    """The user's place in a partner organisation (at most one), on the user's page."""

    model = Membership
    fk_name = "user"
    extra = 0
    max_num = 1
    fields = ("partner", "role", "joined_at")
    readonly_fields = ("joined_at",)
    autocomplete_fields = ("partner",)
    verbose_name = "partner membership"


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class PartnerUserAdmin(UserAdmin):
    inlines = (UserMembershipInline,)
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "partner",
        "partner_role",
        "is_staff",
        "last_login",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "membership__role", "groups")
    search_fields = ("username", "first_name", "last_name", "email", "membership__partner__name")
    list_select_related = ("membership__partner",)

    @admin.display(description="Partner", ordering="membership__partner__name", empty_value="—")
    def partner(self, obj: Any) -> str | None:
        membership: Membership | None = getattr(obj, "membership", None)
        return membership.partner.name if membership is not None else None

    @admin.display(description="Partner role", ordering="membership__role", empty_value="—")
    def partner_role(self, obj: Any) -> str | None:
        membership: Membership | None = getattr(obj, "membership", None)
        return membership.get_role_display() if membership is not None else None


# --- beta features and API tokens -----------------------------------------------------------


@admin.register(BetaFeature)
class BetaFeatureAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "opt_in_count", "created_at")
    search_fields = ("name", "key")
    ordering = ("name",)
    prepopulated_fields = {"key": ("name",)}
    readonly_fields = ("created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[BetaFeature]:
        return super().get_queryset(request).annotate(opt_in_count=Count("opt_ins"))

    @admin.display(description="Opted-in users", ordering="opt_in_count")
    def opt_in_count(self, obj: BetaFeature) -> int:
        return int(getattr(obj, "opt_in_count", 0))


@admin.register(BetaOptIn)
class BetaOptInAdmin(ReadOnlyModelAdmin):
    """Who opted into which beta, and who accepted the terms for them: view only."""

    list_display = ("feature", "partner", "user", "opted_in_by", "terms_accepted_at")
    list_filter = ("feature", ("partner__country", CountryFilter))
    search_fields = ("partner__name", "user__email", "feature__name")
    list_select_related = ("feature", "partner", "user", "opted_in_by")
    ordering = ("-terms_accepted_at",)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyModelAdmin):
    """Personal API tokens (only a digest is stored): view only; users revoke their own."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at", "last_used_at")
    search_fields = ("name", "user__email", "prefix")
    list_select_related = ("user",)
    ordering = ("-created_at",)
    exclude = ("key_digest",)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [f for f in super().get_readonly_fields(request, obj) if f != "key_digest"]
