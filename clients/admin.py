"""Admin for clients, their MRR history, deals, managed assignments and renewals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Count, Model, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString
from django_countries.filters import CountryFilter

from clients.models import (
    AccountMetrics,
    Client,
    Deal,
    ManagedAssignment,
    MrrRecord,
    Renewal,
    SavedReport,
    StaticList,
    StaticListMember,
)
from clients.resources import (
    ClientResource,
    DealResource,
    ManagedAssignmentResource,
    MrrRecordResource,
    RenewalResource,
)
from core.admin import ProgramImportExportMixin, ProgramModelAdmin, ReadOnlyModelAdmin, links

# The records linked from a client's admin page, by model label: each has a foreign key to
# the client, and is found among the client's reverse relations whichever app it is in.
CLIENT_RECORD_LINKS = (
    ("clients.MrrRecord", "MRR records"),
    ("clients.Deal", "Deals"),
    ("clients.ManagedAssignment", "Managed assignments"),
    ("clients.Renewal", "Renewals"),
    ("points.LedgerEntry", "Ledger entries"),
    ("commissions.CommissionLine", "Commission lines"),
)


def _client_record_models() -> dict[str, type[Model]]:
    """The models with a foreign key to ``Client``, by label (``app_label.ModelName``)."""
    models: dict[str, type[Model]] = {}
    for relation in Client._meta.related_objects:
        model = relation.related_model
        if isinstance(model, type):
            models[model._meta.label] = model
    return models


class MrrRecordInline(admin.TabularInline):
    """A client's MRR history, newest first, with one blank row to record a new month."""

    model = MrrRecord
    extra = 1
    fields = ("date", "mrr", "tools_used", "products")
    ordering = ("-date",)


@admin.register(Client)
class ClientAdmin(ProgramImportExportMixin, ProgramModelAdmin):
    resource_classes = [ClientResource]
    list_display = ("name", "domain", "country", "currency", "current_mrr")
    list_filter = (("country", CountryFilter), "currency")
    search_fields = ("name", "domain")
    ordering = ("name",)
    inlines = (MrrRecordInline,)
    readonly_fields = ("current_mrr", "related_records")
    fields = ("name", "domain", "country", "currency", "current_mrr", "related_records")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Client]:
        latest = MrrRecord.objects.filter(client=OuterRef("pk")).order_by("-date")
        return super().get_queryset(request).annotate(latest_mrr=Subquery(latest.values("mrr")[:1]))

    @admin.display(description="Current MRR", ordering="latest_mrr", empty_value="—")
    def current_mrr(self, obj: Client) -> str | None:
        mrr = getattr(obj, "latest_mrr", None)
        return None if mrr is None else f"{mrr:,.2f} {obj.currency}"

    @admin.display(description="Records")
    def related_records(self, obj: Client) -> SafeString | str:
        if obj.pk is None:
            return "—"
        by_client: dict[str, object] = {"client__id__exact": obj.pk}
        models = _client_record_models()
        return links(
            *(
                (models[label], text, by_client)
                for label, text in CLIENT_RECORD_LINKS
                if label in models
            )
        )


@admin.register(MrrRecord)
class MrrRecordAdmin(ProgramImportExportMixin, ProgramModelAdmin):
    resource_classes = [MrrRecordResource]
    list_display = ("client", "date", "mrr_amount", "tools_used", "products")
    list_filter = (("client__country", CountryFilter), "client__currency")
    search_fields = ("client__name", "client__domain", "products")
    list_select_related = ("client",)
    autocomplete_fields = ("client",)
    ordering = ("client__name", "-date")
    date_hierarchy = "date"

    @admin.display(description="MRR", ordering="mrr")
    def mrr_amount(self, obj: MrrRecord) -> str:
        return f"{obj.mrr:,.2f} {obj.client.currency}"


@admin.register(Deal)
class DealAdmin(ProgramImportExportMixin, ProgramModelAdmin):
    resource_classes = [DealResource]
    list_display = (
        "deal",
        "partner",
        "client",
        "deal_type",
        "stage",
        "mrr_amount",
        "created_on",
        "closed_on",
        "reversed_on",
        "shared_selling",
    )
    list_display_links = ("deal",)
    list_filter = (
        "stage",
        "deal_type",
        "shared_selling",
        ("client__country", CountryFilter),
        "closed_on",
    )
    search_fields = ("name", "partner__name", "client__name", "client__domain")
    list_select_related = ("partner", "client")
    autocomplete_fields = ("partner", "client")
    ordering = ("-created_on", "-id")
    date_hierarchy = "created_on"
    fieldsets = (
        (None, {"fields": ("name", "partner", "client", "deal_type", "mrr", "shared_selling")}),
        ("Stage", {"fields": ("stage", "created_on", "closed_on", "reversed_on")}),
    )

    @admin.display(description="Deal", ordering="name")
    def deal(self, obj: Deal) -> str:
        return str(obj)

    @admin.display(description="MRR", ordering="mrr")
    def mrr_amount(self, obj: Deal) -> str:
        return f"{obj.mrr:,.2f} {obj.client.currency}"


class AssignmentActiveFilter(admin.SimpleListFilter):
    title = "active today"
    parameter_name = "active"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Active"), ("ended", "Ended"), ("future", "Not started yet")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        value = self.value()
        if value == "yes":
            return queryset.filter(Q(end__isnull=True) | Q(end__gt=today), start__lte=today)
        if value == "ended":
            return queryset.filter(end__lte=today)
        if value == "future":
            return queryset.filter(start__gt=today)
        return queryset


@admin.register(ManagedAssignment)
class ManagedAssignmentAdmin(ProgramImportExportMixin, ProgramModelAdmin):
    resource_classes = [ManagedAssignmentResource]
    list_display = ("partner", "client", "start", "end", "is_active")
    list_filter = (AssignmentActiveFilter, ("client__country", CountryFilter), "end")
    search_fields = ("partner__name", "client__name", "client__domain")
    list_select_related = ("partner", "client")
    autocomplete_fields = ("partner", "client")
    ordering = ("-start", "-id")
    date_hierarchy = "start"

    @admin.display(description="Active today", boolean=True)
    def is_active(self, obj: ManagedAssignment) -> bool:
        today = timezone.localdate()
        return obj.start <= today and (obj.end is None or obj.end > today)


class RenewsWithinFilter(admin.SimpleListFilter):
    title = "renews"
    parameter_name = "renews"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("30", "In the next 30 days"), ("90", "In the next 90 days"), ("past", "Past")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        value = self.value()
        if value in ("30", "90"):
            return queryset.filter(date__gte=today, date__lte=today + timedelta(days=int(value)))
        if value == "past":
            return queryset.filter(date__lt=today)
        return queryset


@admin.register(Renewal)
class RenewalAdmin(ProgramImportExportMixin, ProgramModelAdmin):
    resource_classes = [RenewalResource]
    list_display = (
        "client",
        "date",
        "products",
        "mrr_change_amount",
        "status",
        "renewal_manager",
        "last_active_employee",
    )
    list_filter = ("status", RenewsWithinFilter, ("client__country", CountryFilter))
    search_fields = (
        "client__name",
        "client__domain",
        "products",
        "renewal_manager",
        "last_active_employee",
    )
    list_select_related = ("client",)
    autocomplete_fields = ("client",)
    ordering = ("date", "id")
    date_hierarchy = "date"

    @admin.display(description="MRR change", ordering="mrr_change")
    def mrr_change_amount(self, obj: Renewal) -> str:
        return f"{obj.mrr_change:+,.2f} {obj.client.currency}"


class StaticListMemberInline(admin.TabularInline):
    model = StaticListMember
    extra = 0
    fields = ("client", "added_at")
    readonly_fields = ("added_at",)
    autocomplete_fields = ("client",)


@admin.register(StaticList)
class StaticListAdmin(ProgramModelAdmin):
    """Partners' static lists of clients (made from report dialogs)."""

    list_display = ("name", "partner", "member_count", "created_at")
    search_fields = ("name", "partner__name")
    list_select_related = ("partner",)
    autocomplete_fields = ("partner",)
    ordering = ("partner__name", "name")
    readonly_fields = ("created_at",)
    inlines = (StaticListMemberInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[StaticList]:
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description="Clients", ordering="member_count")
    def member_count(self, obj: StaticList) -> int:
        return int(getattr(obj, "member_count", 0))


@admin.register(StaticListMember)
class StaticListMemberAdmin(ProgramModelAdmin):
    list_display = ("list", "client", "list_partner", "added_at")
    search_fields = ("list__name", "client__name", "client__domain", "list__partner__name")
    list_select_related = ("list", "list__partner", "client")
    autocomplete_fields = ("client",)
    ordering = ("list__name", "client__name")
    readonly_fields = ("added_at",)

    @admin.display(description="Partner", ordering="list__partner__name")
    def list_partner(self, obj: StaticListMember) -> str:
        return str(obj.list.partner)


@admin.register(SavedReport)
class SavedReportAdmin(ProgramModelAdmin):
    list_display = ("name", "partner", "kind", "range_preset", "start", "end", "created_by")
    list_filter = ("kind", "range_preset")
    search_fields = ("name", "partner__name", "created_by__email")
    list_select_related = ("partner", "created_by")
    autocomplete_fields = ("partner",)
    ordering = ("partner__name", "name")
    date_hierarchy = "start"
    readonly_fields = ("created_at",)


@admin.register(AccountMetrics)
class AccountMetricsAdmin(ReadOnlyModelAdmin):
    """Each partner's account metrics of a day, as the nightly recompute (or a change to its
    data) wrote them: view only."""

    list_display = ("partner", "on", "sourced_mrr_12m", "csr_12m", "median_tool_usage")
    list_filter = ("on",)
    search_fields = ("partner__name",)
    list_select_related = ("partner",)
    ordering = ("-on", "partner__name")
    date_hierarchy = "on"
