"""Admin for partner organisations, their members and PDMs, plus the shared admin helpers.

``ReadOnlyModelAdmin`` and ``changelist_link`` live here because every other app depends on
``partners``; the ledger, standing, review and commission-line admins build on them.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
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

from .models import (
    ApiToken,
    BetaFeature,
    BetaOptIn,
    Invitation,
    Membership,
    Partner,
    PartnerManagerContact,
    UserSession,
)
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


class ActionPermissionsMixin:
    """Admin actions that hold: each needs a permission, and a refused one answers 403.

    An action that declares no ``permissions`` needs "change" (Django would offer it to anyone
    who may view the list), and on a list that has actions, a POST of one that the user is not
    offered is refused with 403 instead of Django's "No action selected". A list without any
    (``actions = None``) answers such a POST with the list itself, as Django does.
    """

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)  # type: ignore[misc]
        return {
            name: action
            for name, action in actions.items()
            if getattr(action[0], "allowed_permissions", None)
            or self.has_change_permission(request)  # type: ignore[attr-defined]
        }

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "POST" and self.actions is not None:  # type: ignore[attr-defined]
            offered = self.get_actions(request)
            if any(name and name not in offered for name in request.POST.getlist("action")):
                raise PermissionDenied
        response: HttpResponse = super().changelist_view(request, extra_context)  # type: ignore[misc]
        return response


class ProgramModelAdmin(ActionPermissionsMixin, admin.ModelAdmin):
    """The base of every program admin: actions need their permissions (see the mixin)."""


class ReadOnlyModelAdmin(ProgramModelAdmin):
    """View-only admin for rows the program writes itself (ledger, standings, reviews, lines).

    Nobody adds, changes or deletes them here: every field is read-only, the change page has no
    save button, a POST to it is refused (403) and the list has no actions ("delete selected"
    is gone, also for a subclass that adds actions of its own).
    """

    actions = None

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


#: Query parameters of the export page that choose what to export, not which rows.
EXPORT_OPTIONS = ("format", "resource", "export_items")


class ProgramImportExportMixin(ImportExportMixin):
    """CSV and XLSX import (dry run first, all-or-nothing) and export with the current filters.

    The import page lists every bad row as row, column and message, and the dry run's counts of
    rows to create, update and skip. Importing needs the add and change permissions, exporting
    the view permission; without them every step (form, dry run, confirmation) answers 403.
    """

    formats = (CSV, XLSX)
    import_template_name = "admin/program_import.html"

    def has_import_permission(self, request: HttpRequest) -> bool:
        """An import adds rows and updates the ones it finds by natural key: it needs both the
        add and the change permission (the library checks IMPORT_EXPORT_IMPORT_PERMISSION_CODE).
        """
        return bool(
            super().has_import_permission(request)
            and self.has_add_permission(request)
            and self.has_change_permission(request)
        )

    def has_export_permission(self, request: HttpRequest) -> bool:
        """An export is a read: it needs the view permission."""
        return bool(super().has_export_permission(request) and self.has_view_permission(request))

    def process_import(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The library answers a GET with 405 before it asks for the permission.
        if not self.has_import_permission(request):
            raise PermissionDenied
        response: HttpResponse = super().process_import(request, *args, **kwargs)
        return response

    def export_action(self, request: HttpRequest) -> HttpResponse:
        try:
            response: HttpResponse = super().export_action(request)
        except IncorrectLookupParameters:
            # A filter the list does not have: back to the whole list, as the list itself does.
            changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            return HttpResponseRedirect(f"{changelist}?{ERROR_FLAG}=1")
        return response

    def get_export_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # The export page's own options (``?format=csv``) are not changelist filters: left in,
        # the changelist would look for a model field named ``format`` (FieldError, a 500).
        if any(name in request.GET for name in EXPORT_OPTIONS):
            params = request.GET.copy()
            for name in EXPORT_OPTIONS:
                params.pop(name, None)
            request = copy.copy(request)  # the changelist's copy: the page keeps its query
            request.GET = params  # type: ignore[assignment]
        queryset: QuerySet[Any] = super().get_export_queryset(request)
        return queryset

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
        from points.models import RecomputeRun
        from points.services import RecomputeDateError, recompute_run_request

        try:
            run = recompute_run_request(requested_by=staff_user(request), partner_ids=partner_ids)
        except RecomputeDateError as refused:  # checked before the run is recorded
            self.message_user(request, f"The recompute was not started: {refused}", messages.ERROR)
            return
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
class PartnerManagerContactAdmin(ProgramModelAdmin):
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
class MembershipAdmin(ProgramModelAdmin):
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
class PartnerUserAdmin(ActionPermissionsMixin, UserAdmin):
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
class BetaFeatureAdmin(ProgramModelAdmin):
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


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyModelAdmin):
    """Invitations to partner teams: view only; super admins send, resend and revoke them in
    Settings > Team. The link's nonce is never shown."""

    list_display = ("email", "partner", "role", "invited_by", "sent_at", "expires_at", "status")
    list_filter = ("role", "accepted_at", "revoked_at", "expires_at")
    search_fields = ("email", "partner__name", "invited_by__email")
    list_select_related = ("partner", "invited_by")
    ordering = ("-created_at",)
    exclude = ("nonce",)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [f for f in super().get_readonly_fields(request, obj) if f != "nonce"]


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyModelAdmin):
    """Who is signed in where: view only, without the session key (a live credential)."""

    list_display = ("user", "created_at")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    ordering = ("-created_at",)
    exclude = ("session_key",)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [f for f in super().get_readonly_fields(request, obj) if f != "session_key"]


# --- the other apps' admins: their actions need permissions too ----------------------------


def _guard_other_apps_admins() -> None:
    """Re-register the admins of the apps installed before this one (auth's groups, axes,
    Celery beat, DRF tokens) with ``ActionPermissionsMixin``.

    Celery beat's "Enable / Disable / Toggle / Run selected tasks" and axes' "Clean up expired
    attempts" declare no permission, so Django offers them to anyone who may view the list.
    """
    for model, model_admin in list(admin.site._registry.items()):
        if isinstance(model_admin, ActionPermissionsMixin):
            continue
        original = type(model_admin)
        guarded = type(original.__name__, (ActionPermissionsMixin, original), {})
        admin.site.unregister(model)
        admin.site.register(model, guarded)


_guard_other_apps_admins()
