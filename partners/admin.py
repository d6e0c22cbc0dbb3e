"""Admin for partner organisations, their members and PDMs, users, beta features, API tokens,
invitations and sessions.

The partner admin here is complete on its own (search, import/export, members); ``recompute``
extends it with the program's columns and the recompute actions when it is installed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django_countries.filters import CountryFilter
from rest_framework.authtoken.models import TokenProxy

from core.admin import (
    ActionPermissionsMixin,
    ProgramImportExportMixin,
    ProgramModelAdmin,
    ReadOnlyModelAdmin,
    changelist_link,
)
from partners.models import (
    ApiToken,
    BetaFeature,
    BetaOptIn,
    Invitation,
    Membership,
    Partner,
    PartnerManagerContact,
    UserSession,
)
from partners.resources import CertificationResource, PartnerResource

User = get_user_model()


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
    list_display: tuple[str, ...] = (
        "name",
        "country",
        "pdm",
        "certified_until",
        "elite_invited",
        "payout_currency",
        "created_at",
    )
    list_filter = [
        ("country", CountryFilter),
        "elite_invited",
        "certified_until",
        "payout_currency",
    ]
    date_hierarchy = "created_at"
    search_fields = ("name", "external_id", "pdm__name", "memberships__user__email")
    list_select_related = ("pdm",)
    autocomplete_fields = ("pdm",)
    ordering = ("name",)
    inlines = (MembershipInline,)
    readonly_fields = ["created_at"]
    fieldsets = (
        (None, {"fields": ("name", "external_id", "country", "payout_currency")}),
        ("Program", {"fields": ("pdm", "certified_until", "elite_invited")}),
        ("Records", {"fields": ("created_at",)}),
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

# DRF's token admin issues ``rest_framework.authtoken`` tokens, which the API does not accept
# (it authenticates with ``ApiToken``s, which users create in Settings > API tokens).
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


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
