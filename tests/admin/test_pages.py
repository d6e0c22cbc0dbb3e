"""Django admin (screen A1): the add and change pages, inlines and actions; ledgers read-only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.test import Client as HttpClient
from django.utils import timezone

from clients.models import Client, Deal
from commissions.models import CommissionPayment
from partners.models import Invitation, Partner, UserSession
from points.models import LedgerEntry
from program.models import FxRate, Tier
from tests.admin.registry import (
    EDITABLE,
    MODELS,
    READ_ONLY,
    VIEW_ONLY,
    admin_url,
    model_id,
    some_row,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", EDITABLE, ids=model_id)
def test_add_page_answers_for_editable_models(admin_client: HttpClient, model: type[Model]) -> None:
    assert admin_client.get(admin_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", VIEW_ONLY, ids=model_id)
def test_add_page_is_refused_for_read_only_models(
    admin_client: HttpClient, model: type[Model]
) -> None:
    assert admin_client.get(admin_url(model, "add")).status_code == 403


@pytest.mark.parametrize("model", MODELS, ids=model_id)
def test_change_page_answers(
    admin_client: HttpClient, rows: dict[str, Any], model: type[Model]
) -> None:
    row = some_row(model)
    response = admin_client.get(admin_url(model, "change", row.pk))
    assert response.status_code == 200
    has_save = 'name="_save"' in response.content.decode()
    assert has_save is (model not in READ_ONLY)


@pytest.mark.parametrize("model", VIEW_ONLY, ids=model_id)
def test_read_only_changelists_offer_no_delete_action(
    admin_client: HttpClient, rows: dict[str, Any], model: type[Model]
) -> None:
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()
    request = response.wsgi_request
    assert "delete_selected" not in admin.site.get_model_admin(model).get_actions(request)


def test_ledger_change_page_has_no_save_button(
    admin_client: HttpClient, rows: dict[str, Any]
) -> None:
    entry: LedgerEntry = rows["entry"]
    response = admin_client.get(admin_url(LedgerEntry, "change", entry.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="_save"' not in content
    assert 'name="_continue"' not in content
    assert "deal-won-globex-1" in content
    assert 'name="points"' not in content


def test_ledger_change_post_does_not_modify_the_row(
    admin_client: HttpClient, rows: dict[str, Any]
) -> None:
    entry: LedgerEntry = rows["entry"]
    response = admin_client.post(
        admin_url(LedgerEntry, "change", entry.pk),
        {
            "partner": entry.partner_id,
            "client": entry.client_id,
            "track": "sold",
            "kind": "adjustment",
            "points": "9999",
            "effective_on": "2026-02-01",
            "idempotency_key": "tampered",
            "_save": "Save",
        },
    )
    assert response.status_code == 403
    fresh = LedgerEntry.objects.get(pk=entry.pk)
    assert fresh.points == Decimal("50")
    assert fresh.kind == "deal_won"
    assert fresh.idempotency_key == "deal-won-globex-1"


def test_ledger_delete_url_is_refused(admin_client: HttpClient, rows: dict[str, Any]) -> None:
    entry: LedgerEntry = rows["entry"]
    url = admin_url(LedgerEntry, "delete", entry.pk)
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_ledger_bulk_delete_action_is_refused(
    admin_client: HttpClient, rows: dict[str, Any]
) -> None:
    entry: LedgerEntry = rows["entry"]
    response = admin_client.post(
        admin_url(LedgerEntry, "changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


# --- inlines and actions ----------------------------------------------------------------------


def test_partner_page_has_membership_inline(admin_client: HttpClient, rows: dict[str, Any]) -> None:
    partner: Partner = rows["partner"]
    content = admin_client.get(admin_url(Partner, "change", partner.pk)).content.decode()
    assert 'name="memberships-TOTAL_FORMS"' in content
    assert "jane" in content


def test_user_page_has_membership_inline(admin_client: HttpClient, rows: dict[str, Any]) -> None:
    user = rows["user"]
    response = admin_client.get(admin_url(get_user_model(), "change", user.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="membership-0-partner"' in content
    assert "Acme Agency" in content


def test_client_page_has_mrr_inline_with_one_blank_row(
    admin_client: HttpClient, rows: dict[str, Any]
) -> None:
    client: Client = rows["client"]
    content = admin_client.get(admin_url(Client, "change", client.pk)).content.decode()
    assert 'name="mrr_records-TOTAL_FORMS" value="2"' in content


def test_tier_page_has_requirement_inline(admin_client: HttpClient, rows: dict[str, Any]) -> None:
    tier: Tier = rows["tier"]
    content = admin_client.get(admin_url(Tier, "change", tier.pk)).content.decode()
    assert 'name="requirements-TOTAL_FORMS"' in content


def test_user_add_page_still_answers(admin_client: HttpClient) -> None:
    assert admin_client.get(admin_url(get_user_model(), "add")).status_code == 200


def test_client_and_mrr_can_be_added_in_one_form(admin_client: HttpClient) -> None:
    response = admin_client.post(
        admin_url(Client, "add"),
        {
            "name": "Initech",
            "domain": "initech.example",
            "country": "FR",
            "currency": "EUR",
            "mrr_records-TOTAL_FORMS": "1",
            "mrr_records-INITIAL_FORMS": "0",
            "mrr_records-MIN_NUM_FORMS": "0",
            "mrr_records-MAX_NUM_FORMS": "1000",
            "mrr_records-0-date": "2026-01-01",
            "mrr_records-0-mrr": "450.00",
            "mrr_records-0-tools_used": "2",
            "mrr_records-0-products": "CRM",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client = Client.objects.get(domain="initech.example")
    assert list(client.mrr_records.values_list("mrr", flat=True)) == [Decimal("450.00")]


def test_deal_can_be_added_with_autocomplete_ids(
    admin_client: HttpClient, rows: dict[str, Any]
) -> None:
    response = admin_client.post(
        admin_url(Deal, "add"),
        {
            "name": "New deal",
            "partner": rows["partner"].pk,
            "client": rows["client"].pk,
            "deal_type": "assisted",
            "mrr": "300",
            "stage": "in_flight",
            "created_on": "2026-02-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Deal.objects.filter(name="New deal", stage="in_flight").exists()


def test_fx_rate_is_editable(admin_client: HttpClient) -> None:
    rate = FxRate.objects.order_by("pk").first()
    assert rate is not None
    response = admin_client.post(
        admin_url(FxRate, "change", rate.pk),
        {
            "currency": rate.currency,
            "per_100_usd": "123.5",
            "effective_from": "2030-01-01",
            "status": "published",
        },
    )
    assert response.status_code == 302
    rate.refresh_from_db()
    assert rate.per_100_usd == Decimal("123.5")


def test_mark_payments_paid_action(admin_client: HttpClient, rows: dict[str, Any]) -> None:
    payment: CommissionPayment = rows["payment"]
    response = admin_client.post(
        admin_url(CommissionPayment, "changelist"),
        {"action": "mark_paid_today", "_selected_action": [payment.pk]},
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == CommissionPayment.Status.PAID
    assert payment.paid_on == timezone.localdate()


def test_commission_payment_amount_is_read_only_once_scheduled(
    admin_client: HttpClient, rows: dict[str, Any]
) -> None:
    payment: CommissionPayment = rows["payment"]
    content = admin_client.get(admin_url(CommissionPayment, "change", payment.pk)).content.decode()
    assert 'name="amount"' not in content
    assert 'name="reference"' in content


def test_the_admin_never_shows_an_invitations_nonce_or_a_session_key(
    admin_client: HttpClient, rows: dict[str, Any]
) -> None:
    for model in (Invitation, UserSession):
        row = some_row(model)
        for page in (admin_url(model, "changelist"), admin_url(model, "change", row.pk)):
            content = admin_client.get(page).content.decode()
            assert "secret-nonce" not in content and "secret-session-key" not in content
