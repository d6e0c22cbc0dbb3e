"""Saving or deleting account data moves on the version the cached account metrics are keyed
by, and asks for the affected partners' stored account metrics to be recomputed."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from clients.models import Client, Deal, ManagedAssignment, MrrRecord, Renewal
from clients.selectors import account_data_changed
from clients.tasks import account_metrics_schedule
from partners.models import Partner
from program.rules import rules_changed

ACCOUNT_MODELS = (Client, Deal, ManagedAssignment, MrrRecord, Renewal)


def _partners_of_client(client_id: int) -> list[int]:
    return list(
        Partner.objects.filter(Q(deals__client_id=client_id) | Q(assignments__client_id=client_id))
        .distinct()
        .values_list("pk", flat=True)
    )


def _affected_partners(instance: Any) -> list[int]:
    if isinstance(instance, Deal | ManagedAssignment):
        return [instance.partner_id]
    if isinstance(instance, MrrRecord):
        return _partners_of_client(instance.client_id)
    if isinstance(instance, Client):
        return _partners_of_client(instance.pk)
    return []


@receiver(post_save)
@receiver(post_delete)
def account_data_saved(sender: type, instance: Any = None, **kwargs: Any) -> None:
    if sender in ACCOUNT_MODELS:
        account_data_changed()
        partner_ids = _affected_partners(instance)
        if partner_ids:
            account_metrics_schedule(partner_ids=partner_ids)


@receiver(rules_changed)
def rules_saved(sender: type, **kwargs: Any) -> None:
    """Cached account metrics are converted at the program's FX rates: a rule change drops them."""
    account_data_changed()
