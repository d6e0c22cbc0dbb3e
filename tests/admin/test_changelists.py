"""Django admin (screen A1): every model registered, searchable, filterable and sortable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Model
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client, Deal
from commissions.models import CommissionLine, CommissionPayment
from partners.models import Membership, Partner, PartnerManagerContact
from points.models import LedgerEntry, PairBalance
from program.models import Tier
from tests.admin.registry import DAY, MODELS, admin_url, model_id
from tiers.models import TierStanding

pytestmark = pytest.mark.django_db

# --- registration -----------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_every_model_is_registered(model: type[Model]) -> None:
    assert admin.site.is_registered(model)
    model_admin = admin.site.get_model_admin(model)
    assert model_admin.list_display != ("__str__",), "give it useful columns"


@pytest.mark.parametrize("model", [Partner, Client, PartnerManagerContact, Deal], ids=model_id)
def test_autocomplete_targets_are_searchable(model: type[Model]) -> None:
    assert admin.site.get_model_admin(model).search_fields


# --- changelists: search, filters, sorting, date hierarchy ------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_changelist_answers_with_a_search(
    admin_client: HttpClient, rows: dict[str, Any], model: type[Model]
) -> None:
    url = admin_url(model, "changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "x"}).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_changelist_answers_with_every_filter_choice(
    admin_client: HttpClient, rows: dict[str, Any], model: type[Model]
) -> None:
    url = admin_url(model, "changelist")
    response = admin_client.get(url)
    assert response.status_code == 200
    changelist = response.context["cl"]
    tried = 0
    for spec in changelist.filter_specs:
        for choice in spec.choices(changelist):
            filtered = admin_client.get(url + choice["query_string"])
            # An unknown lookup would redirect to ``?e=1`` instead.
            assert filtered.status_code == 200, (spec.title, choice["query_string"])
            tried += 1
    assert tried >= len(changelist.filter_specs)


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_changelist_sorts_by_every_column(
    admin_client: HttpClient, rows: dict[str, Any], model: type[Model]
) -> None:
    url = admin_url(model, "changelist")
    changelist = admin_client.get(url).context["cl"]
    for index in range(len(changelist.list_display)):
        for order in (str(index), f"-{index}"):
            assert admin_client.get(url, {"o": order}).status_code == 200, order


@pytest.mark.parametrize(
    "model",
    [m for m in MODELS if admin.site.get_model_admin(m).date_hierarchy],
    ids=model_id,
)
def test_date_hierarchy_drills_down(
    admin_client: HttpClient, rows: dict[str, Any], model: type[Model]
) -> None:
    field = admin.site.get_model_admin(model).date_hierarchy
    url = admin_url(model, "changelist")
    response = admin_client.get(url, {f"{field}__year": DAY.year})
    assert response.status_code == 200
    response = admin_client.get(url, {f"{field}__year": DAY.year, f"{field}__month": 1})
    assert response.status_code == 200


def test_models_with_a_date_have_a_date_hierarchy() -> None:
    for model in MODELS:
        has_date = any(field.get_internal_type() == "DateField" for field in model._meta.fields)
        if has_date:
            assert admin.site.get_model_admin(model).date_hierarchy, model._meta.label


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        (Partner, "acme", 1),
        (Partner, "jane@acme.example", 1),
        (Client, "globex.example", 1),
        (Client, "Globex", 1),
        (Deal, "globex.example", 1),
        (Membership, "jane@acme.example", 1),
        (LedgerEntry, "deal-won-globex-1", 1),
        (LedgerEntry, "Acme", 1),
        (LedgerEntry, "nobody-has-this", 0),
        (PairBalance, "Acme", 1),
        (CommissionLine, "commission-globex-2026-01", 1),
        (TierStanding, "Acme", 1),
        (PartnerManagerContact, "pat@vendor.example", 1),
    ],
)
def test_search_finds_rows(
    admin_client: HttpClient, rows: dict[str, Any], model: type[Model], query: str, expected: int
) -> None:
    response = admin_client.get(admin_url(model, "changelist"), {"q": query})
    assert response.status_code == 200
    assert response.context["cl"].result_count == expected


def test_user_search_by_email(admin_client: HttpClient, rows: dict[str, Any]) -> None:
    User = get_user_model()
    response = admin_client.get(admin_url(User, "changelist"), {"q": "jane@acme.example"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert "Acme Agency" in response.content.decode()


def test_partner_list_shows_the_latest_credited_tier(
    admin_client: HttpClient, rows: dict[str, Any]
) -> None:
    tier: Tier = rows["tier"]
    url = admin_url(Partner, "changelist")
    response = admin_client.get(url)
    assert tier.name in response.content.decode()
    assert admin_client.get(url, {"credited_tier": tier.rank}).context["cl"].result_count == 1
    other = Tier.objects.exclude(pk=tier.pk).first()
    assert other is not None
    assert admin_client.get(url, {"credited_tier": other.rank}).context["cl"].result_count == 0


def test_autocomplete_finds_partners_and_clients(
    admin_client: HttpClient, rows: dict[str, Any]
) -> None:
    url = reverse("admin:autocomplete")
    for field, term, name in (("partner", "acm", "Acme Agency"), ("client", "glo", "Globex")):
        response = admin_client.get(
            url,
            {"app_label": "clients", "model_name": "deal", "field_name": field, "term": term},
        )
        assert response.status_code == 200
        assert [r["text"] for r in response.json()["results"]] == [name]


def test_related_record_links_open_filtered_changelists(
    admin_client: HttpClient, rows: dict[str, Any]
) -> None:
    partner: Partner = rows["partner"]
    response = admin_client.get(
        admin_url(LedgerEntry, "changelist"), {"partner__id__exact": partner.pk}
    )
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    payment: CommissionPayment = rows["payment"]
    response = admin_client.get(
        admin_url(CommissionLine, "changelist"), {"payment__id__exact": payment.pk}
    )
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize(
    "model", [Partner, Client, Deal, LedgerEntry, TierStanding, CommissionLine], ids=model_id
)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client: HttpClient, rows: dict[str, Any], model: type[Model]
) -> None:
    url = admin_url(model, "changelist")
    admin_client.get(url)  # warm the session and the content types
    with CaptureQueriesContext(connection) as one_row:
        admin_client.get(url)
    more_rows(rows, 5)
    with CaptureQueriesContext(connection) as six_rows:
        response = admin_client.get(url)
    assert response.context["cl"].result_count >= 6
    assert len(six_rows) == len(one_row)


def more_rows(rows: dict[str, Any], count: int) -> None:
    for n in range(count):
        partner = Partner.objects.create(name=f"Partner {n}", country="US")
        client = Client.objects.create(
            name=f"Client {n}", domain=f"client{n}.example", country="US", currency="USD"
        )
        deal = Deal.objects.create(
            partner=partner,
            client=client,
            deal_type="sourced",
            mrr=Decimal("10"),
            created_on=DAY,
            stage="created",
        )
        LedgerEntry.objects.create(
            partner=partner,
            client=client,
            deal=deal,
            track="sold",
            kind="deal_won",
            points=Decimal("1"),
            effective_on=DAY,
            idempotency_key=f"more-{n}",
        )
        TierStanding.objects.create(
            partner=partner,
            date=DAY,
            sold=Decimal("1"),
            managed=Decimal("0"),
            total=Decimal("1"),
            performance_tier=rows["tier"],
            credited_tier=rows["tier"],
        )
        CommissionLine.objects.create(
            partner=partner,
            client=client,
            month=date(2026, 1, 1),
            mrr=Decimal("10"),
            mrr_currency="USD",
            share=Decimal("1"),
            fx_per_100_usd=Decimal("100"),
            amount=Decimal("2"),
            currency="USD",
            payment=rows["payment"],
            idempotency_key=f"more-line-{n}",
        )
