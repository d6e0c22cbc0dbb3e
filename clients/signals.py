"""Saving or deleting account data moves on the version the cached account metrics are keyed by."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Client, Deal, ManagedAssignment, MrrRecord, Renewal
from .selectors import account_data_changed

ACCOUNT_MODELS = (Client, Deal, ManagedAssignment, MrrRecord, Renewal)


@receiver(post_save)
@receiver(post_delete)
def account_data_saved(sender: type, **kwargs: Any) -> None:
    if sender in ACCOUNT_MODELS:
        account_data_changed()
