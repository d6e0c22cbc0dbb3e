"""Django admin (screen A1): every model registered, searchable, filterable; ledgers read-only."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Model
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import (
    AccountMetrics,
    Client,
    Deal,
    ManagedAssignment,
    MrrRecord,
    Renewal,
    SavedReport,
    StaticList,
    StaticListMember,
)
from commissions.models import CommissionLine, CommissionPayment, MonthEndRate
from partners.models import (
    ApiToken,
    BetaFeature,
    BetaOptIn,
    Invitation,
    Membership,
    Partner,
    PartnerManagerContact,
    UserSession,
)
from points.models import DailySnapshot, LedgerEntry, PairBalance
from program.models import FxRate, Tier
from recompute.models import RecomputeRun
from tiers.models import TierReview, TierReviewResult, TierStanding

pytestmark = pytest.mark.django_db

DAY = date(2026, 1, 15)
APP_LABELS = ("partners", "clients", "points", "tiers", "commissions")
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


@pytest.fixture
def rows() -> dict[str, Any]:
    """One row of every model of the five apps (tiers and rule tables come from migrations)."""
    tiers = list(Tier.objects.order_by("rank"))
    lower, upper = tiers[0], tiers[1]
    pdm = PartnerManagerContact.objects.create(name="Pat Manager", email="pat@vendor.example")
    partner = Partner.objects.create(name="Acme Agency", country="US", pdm=pdm)
    user = get_user_model().objects.create_user(
        username="jane", email="jane@acme.example", password="secret-pass-123"
    )
    membership = Membership.objects.create(
        user=user, partner=partner, role=Membership.Role.SUPER_ADMIN
    )
    client = Client.objects.create(
        name="Globex", domain="globex.example", country="DE", currency="USD"
    )
    mrr = MrrRecord.objects.create(client=client, date=DAY, mrr=Decimal("1000"), tools_used=3)
    deal = Deal.objects.create(
        partner=partner,
        client=client,
        name="Globex expansion",
        deal_type=Deal.DealType.SOURCED,
        mrr=Decimal("1000"),
        created_on=DAY,
        stage=Deal.Stage.CLOSED_WON,
        closed_on=DAY,
    )
    assignment = ManagedAssignment.objects.create(partner=partner, client=client, start=DAY)
    renewal = Renewal.objects.create(client=client, date=DAY + timedelta(days=30))
    entry = LedgerEntry.objects.create(
        partner=partner,
        client=client,
        deal=deal,
        track="sold",
        kind="deal_won",
        points=Decimal("50"),
        effective_on=DAY,
        expires_on=DAY + timedelta(days=365),
        idempotency_key="deal-won-globex-1",
    )
    snapshot = DailySnapshot.objects.create(
        partner=partner, date=DAY, sold=Decimal("50"), managed=Decimal("10"), total=Decimal("60")
    )
    standing = TierStanding.objects.create(
        partner=partner,
        date=DAY,
        sold=Decimal("50"),
        managed=Decimal("10"),
        total=Decimal("60"),
        performance_tier=upper,
        credited_tier=upper,
    )
    review = TierReview.objects.create(date=DAY)
    result = TierReviewResult.objects.create(
        review=review,
        partner=partner,
        tier=upper,
        previous_tier=lower,
        sold=Decimal("50"),
        managed=Decimal("10"),
    )
    rate = MonthEndRate.objects.create(
        currency="EUR", month=date(2026, 1, 1), per_100_usd=Decimal("92")
    )
    payment = CommissionPayment.objects.create(
        partner=partner,
        quarter_start=date(2026, 1, 1),
        scheduled_on=date(2026, 5, 15),
        currency="USD",
        amount=Decimal("200"),
    )
    line = CommissionLine.objects.create(
        partner=partner,
        client=client,
        month=date(2026, 1, 1),
        mrr=Decimal("1000"),
        mrr_currency="USD",
        share=Decimal("0.2000"),
        fx_per_100_usd=Decimal("100"),
        amount=Decimal("200"),
        currency="USD",
        payment=payment,
        idempotency_key="commission-globex-2026-01",
    )
    static_list = StaticList.objects.create(partner=partner, name="Top clients")
    StaticListMember.objects.create(list=static_list, client=client)
    SavedReport.objects.create(
        partner=partner, created_by=user, name="New sold", kind="new_sold", start=DAY, end=DAY
    )
    feature, _ = BetaFeature.objects.get_or_create(
        key="admin-test-beta", defaults={"name": "Admin test beta", "terms": "Be kind."}
    )
    BetaOptIn.objects.create(
        feature=feature, partner=partner, user=user, terms_accepted_at=timezone.now()
    )
    ApiToken.objects.create(user=user, name="CI", prefix="abc123", key_digest="0" * 64)
    Invitation.objects.create(
        partner=partner,
        email="newhire@acme.example",
        role=Membership.Role.USER,
        invited_by=user,
        nonce="secret-nonce",
        sent_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=7),
    )
    UserSession.objects.create(user=user, session_key="secret-session-key")
    AccountMetrics.objects.create(
        partner=partner, on=DAY, sourced_mrr_12m=Decimal("1000"), csr_12m=Decimal("0.9")
    )
    RecomputeRun.objects.create(
        on=DAY,
        partner_ids=[partner.pk],
        requested_by=user,
        status=RecomputeRun.Status.FINISHED,
        summary={"on": DAY.isoformat(), "entries_appended": 2, "standings_written": 1},
    )
    return {
        "tier": upper,
        "pdm": pdm,
        "partner": partner,
        "user": user,
        "membership": membership,
        "client": client,
        "mrr": mrr,
        "deal": deal,
        "assignment": assignment,
        "renewal": renewal,
        "entry": entry,
        "snapshot": snapshot,
        "standing": standing,
        "review": review,
        "result": result,
        "rate": rate,
        "payment": payment,
        "line": line,
    }


def some_row(model: type[Model]) -> Model:
    row = model._default_manager.order_by("pk").first()
    assert row is not None, f"no {model._meta.label} row"
    return row


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


# --- add and change pages ---------------------------------------------------------------------


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
