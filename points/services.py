"""Writes to the ledger made by staff: adjustments."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from partners.models import Partner
from points.models import LedgerEntry
from points.selectors import ledger_points
from program.models import Track
from program.rules import rules_first_day, rules_load


class AdjustmentError(ValueError):
    """An adjustment the ledger cannot take (no points, no reason, a managed track...)."""


@transaction.atomic
def ledger_adjust(
    *,
    partner: Partner,
    client: Client,
    track: str,
    points: Decimal,
    effective_on: date,
    reason: str,
) -> LedgerEntry:
    """Append a manual correction: a new ``adjustment`` entry, never an edit of an old one.

    Only sold points are adjusted by hand: managed points are a current figure that the
    recompute brings back to what the client's MRR and co-managers give, so a managed
    correction is made on the MRR record or the assignment instead.
    """
    reason = reason.strip()
    if not reason:
        raise AdjustmentError("Give the reason for the adjustment.")
    if track != Track.SOLD:
        raise AdjustmentError(
            "Managed points follow the client's MRR and co-managers: correct the MRR record "
            "or the managed assignment instead."
        )
    if not points.is_finite() or points == 0:
        raise AdjustmentError("An adjustment moves points: enter a non-zero number.")
    if effective_on > timezone.localdate():
        raise AdjustmentError("An adjustment cannot be dated in the future.")
    first = rules_first_day(rules_load())
    if first is not None and effective_on < first:
        raise AdjustmentError(
            f"An adjustment cannot be dated before {first}, the first day the program's rules "
            "are in force."
        )
    return LedgerEntry.objects.create(
        partner=partner,
        client=client,
        track=track,
        kind=LedgerEntry.Kind.ADJUSTMENT,
        points=ledger_points(points),
        effective_on=effective_on,
        idempotency_key=f"adjustment:{uuid.uuid4().hex}",
        reason=reason[:300],
    )
