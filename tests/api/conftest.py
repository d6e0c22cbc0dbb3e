"""Fixtures of the API tests: token clients for the personas and partner data of every kind.

``grow(partner, n)`` gives a partner ``n`` more of everything the API lists: clients (managed,
each with a won deal and so ledger entries), renewals, commission lines and payments, a static
list of those clients and a saved report. ``world`` grows Acme by 3 and Globex by 2.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import Client, Deal, MrrRecord, Renewal, SavedReport, StaticList
from clients.services import static_list_add_clients
from commissions.services import commissions_accrue
from partners.models import Partner
from partners.services import api_token_create
from recompute.services import points_recompute
from tests.tierpage.helpers import give_clients

COMMISSION_MONTH = date(2025, 3, 1)


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    cache.clear()


@pytest.fixture
def api_for(personas) -> Callable[[str], APIClient]:
    """An API client authenticated with a fresh personal token of ``name`` (or anonymous)."""

    made: dict[str, APIClient] = {}

    def make(name: str) -> APIClient:
        if name not in made:
            http = made[name] = APIClient()
            if name != "anonymous":
                _, key = api_token_create(user=getattr(personas, name).user, name="tests")
                http.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return made[name]

    return make


@dataclass
class Grown:
    clients: list[Client]
    static_list: StaticList
    report: SavedReport


def grow(partner: Partner, count: int, *, prefix: str) -> Grown:
    """``count`` more clients of ``partner`` with everything the API lists about them."""
    today = timezone.localdate()
    clients = give_clients(partner, count, prefix=prefix, recompute=False)
    MrrRecord.objects.bulk_create(
        MrrRecord(client=c, date=date(2024, 12, 1), mrr=Decimal("500")) for c in clients
    )
    Deal.objects.bulk_create(
        Deal(
            partner=partner,
            client=c,
            name=f"{c.name} renewal",
            deal_type=Deal.DealType.ASSISTED,
            mrr=Decimal("500"),
            stage=Deal.Stage.CLOSED_WON,
            created_on=date(2025, 1, 2),
            closed_on=date(2025, 1, 10),
            shared_selling=True,
        )
        for c in clients
    )
    Renewal.objects.bulk_create(
        Renewal(client=c, date=today + timedelta(days=10), products="Sales Hub") for c in clients
    )
    points_recompute(on=today)
    commissions_accrue(month=COMMISSION_MONTH, restate_months=2)
    static_list, _ = StaticList.objects.get_or_create(partner=partner, name=f"{prefix} list")
    static_list_add_clients(static_list=static_list, client_ids=[c.pk for c in clients])
    report, _ = SavedReport.objects.get_or_create(
        partner=partner,
        name=f"{prefix} report",
        defaults={"kind": "new_sold", "start": today - timedelta(days=29), "end": today},
    )
    return Grown(clients=clients, static_list=static_list, report=report)


@dataclass
class World:
    acme: Grown
    globex: Grown


@pytest.fixture
def world(personas) -> World:
    return World(
        acme=grow(personas.acme, 3, prefix="Acme"),
        globex=grow(personas.globex, 2, prefix="Globex"),
    )


def body(response: Any) -> Any:
    """The JSON of a response (the streamed body of a download is joined)."""
    return json.loads(response.content)


def content(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
