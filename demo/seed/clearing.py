"""Clearing the demo data: every partner, client and user, and everything derived from them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import QuerySet

from clients.models import Client, Deal, ManagedAssignment, MrrRecord, Renewal
from commissions.models import CommissionLine, CommissionPayment
from partners.models import Membership, Partner, PartnerManagerContact
from points.models import DailySnapshot, LedgerEntry, PairBalance
from tiers.models import TierReview, TierReviewResult, TierStanding


def _wipe(model: type[models.Model]) -> None:
    queryset: QuerySet[Any] = model._default_manager.all()
    if type(queryset).delete is QuerySet.delete:
        queryset.delete()
    elif connection.vendor == "postgresql":
        # An append-only table (the ledger) refuses row deletes, on PostgreSQL with a trigger
        # (points migration 0004): emptying the whole table is the one sanctioned path.
        # Deferred foreign-key checks of rows written earlier in the same transaction must run
        # first: PostgreSQL does not truncate a table with pending trigger events.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE TABLE {connection.ops.quote_name(model._meta.db_table)}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        queryset._raw_delete(queryset.db)


def _wipe_protecting(model: type[models.Model], done: set[type[models.Model]]) -> None:
    """Clear any other table that protects rows of ``model`` from deletion."""
    for relation in model._meta.related_objects:
        related = relation.related_model
        if (
            isinstance(related, type)
            and issubclass(related, models.Model)
            and getattr(relation, "on_delete", None) is models.PROTECT
            and related not in done
        ):
            _wipe_protecting(related, done)
            _wipe(related)
            done.add(related)


def demo_clear() -> None:
    """Remove every partner, client, user and everything derived from them.

    The rule tables (FX rates, markets, point rates, tiers, requirements, review dates) stay.
    """
    user_model = get_user_model()
    ordered: list[type[models.Model]] = [
        LedgerEntry,
        PairBalance,
        CommissionLine,
        CommissionPayment,
        TierReviewResult,
        TierReview,
        TierStanding,
        DailySnapshot,
        Renewal,
        MrrRecord,
        ManagedAssignment,
        Deal,
        Membership,
    ]
    with transaction.atomic():
        done: set[type[models.Model]] = set()
        for model in ordered:
            _wipe(model)
            done.add(model)
        for model in (Client, Partner, user_model):
            _wipe_protecting(model, done)
            _wipe(model)
            done.add(model)
        _wipe(PartnerManagerContact)
