"""Writes of a partner's saved reports: a report's kind and exact range, kept under a name."""

from __future__ import annotations

from django.db import transaction

from clients.models import SavedReport
from clients.services import AnyUser, check_may_delete, clean_name, user_id_of
from partners.models import Membership, Partner
from reports.reports import ReportSpec


@transaction.atomic
def saved_report_create(
    *,
    partner: Partner,
    user: AnyUser,
    name: str,
    spec: ReportSpec,
) -> SavedReport:
    """Save a report's kind and its exact range (the preset too, as a label)."""
    return SavedReport.objects.create(
        partner=partner,
        created_by_id=user_id_of(user),
        name=clean_name(name, "report"),
        kind=spec.kind,
        range_preset=spec.range.preset,
        start=spec.range.start,
        end=spec.range.end,
    )


@transaction.atomic
def saved_report_rename(*, report: SavedReport, name: str) -> SavedReport:
    """Rename a saved report. Raises ValidationError for an empty name."""
    report.name = clean_name(name, "report")
    report.save(update_fields=["name"])
    return report


@transaction.atomic
def saved_report_delete(*, report: SavedReport, by: Membership | None) -> None:
    """Delete a saved report. Raises PermissionDenied unless ``by`` may delete it
    (``clients.services.may_delete``)."""
    check_may_delete(by, report)
    report.delete()
