"""Admin of the recompute runs asked for from the partner list."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from core.admin import ReadOnlyModelAdmin
from recompute.models import RecomputeRun


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
