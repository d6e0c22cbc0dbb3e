"""Helpers for the program-administration tests: staff and partner HTTP clients, many clients."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client as HttpClient

from clients.models import Client, ManagedAssignment, MrrRecord
from partners.models import Partner
from tests.conftest import Personas


@pytest.fixture
def staff(personas: Personas) -> HttpClient:
    return personas.client_for("staff")


@pytest.fixture
def partner_user(personas: Personas) -> HttpClient:
    return personas.client_for("alice")


def managed_clients(
    partner: Partner, count: int, *, start: date, prefix: str = "bulk", mrr: int = 100
) -> None:
    """``count`` clients managed by ``partner`` with an MRR record each, in three bulk inserts."""
    clients = Client.objects.bulk_create(
        Client(name=f"{prefix} {n}", domain=f"{prefix}{n}.example", country="US", currency="USD")
        for n in range(count)
    )
    MrrRecord.objects.bulk_create(
        MrrRecord(client=client, date=start, mrr=mrr) for client in clients
    )
    ManagedAssignment.objects.bulk_create(
        ManagedAssignment(partner=partner, client=client, start=start) for client in clients
    )
