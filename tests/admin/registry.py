"""The models of the Django admin tests: those of the partner-data apps, which of them are
read-only, their admin URLs and a row of each."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.urls import reverse

from clients.models import AccountMetrics
from commissions.models import CommissionLine
from partners.models import ApiToken, BetaOptIn, Invitation, UserSession
from points.models import DailySnapshot, LedgerEntry, PairBalance
from recompute.models import RecomputeRun
from tiers.models import TierReview, TierReviewResult, TierStanding

DAY = date(2026, 1, 15)
APP_LABELS = ("program", "partners", "clients", "points", "tiers", "commissions", "recompute")
MODELS: list[type[Model]] = [
    model for label in APP_LABELS for model in apps.get_app_config(label).get_models()
]
READ_ONLY: set[type[Model]] = {
    LedgerEntry,
    DailySnapshot,
    PairBalance,
    TierStanding,
    TierReview,
    TierReviewResult,
    CommissionLine,
    RecomputeRun,
    BetaOptIn,
    ApiToken,
    Invitation,
    UserSession,
    AccountMetrics,
}
EDITABLE = [model for model in MODELS if model not in READ_ONLY]
VIEW_ONLY = [model for model in MODELS if model in READ_ONLY]


def model_id(model: type[Model]) -> str:
    return model._meta.label


def admin_url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def some_row(model: type[Model]) -> Model:
    row = model._default_manager.order_by("pk").first()
    assert row is not None, f"no {model._meta.label} row"
    return row
