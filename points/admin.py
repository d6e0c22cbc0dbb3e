"""Admin of the append-only ledger (with the "Add adjustment" form), the daily snapshots and
the pair balances: all view only; a correction is a new ledger entry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django_countries.filters import CountryFilter

from clients.models import Client
from core.admin import ReadOnlyModelAdmin, changelist_url
from partners.models import Partner
from points.models import DailySnapshot, LedgerEntry, PairBalance
from points.services import AdjustmentError, ledger_adjust
from program.models import Track


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
