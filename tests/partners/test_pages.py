"""The partner pages of the top navigation: content, tenancy and query counts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commissions.models import CommissionPayment
from core.ids import ID_MESSAGE
from recompute.services import points_recompute
from tests.factories import AssignmentFactory, ClientFactory, DealFactory, MrrFactory

pytestmark = pytest.mark.django_db
PAGES = [
    "partners:dashboard",
    "tiers:tier",
    "clients:list",
    "commissions:statements",
    "partners:settings",
]
# Queries per page, pinned: the same at 5 and at 60 clients.
MAX_QUERIES = {
    "partners:dashboard": 12,
    "tiers:tier": 14,
    "clients:list": 14,
    "commissions:statements": 7,
    "partners:settings": 14,
}


def give_clients(partner, count, prefix="Client"):
    today = timezone.localdate()
    for n in range(count):
        client = ClientFactory(
            name=f"{prefix} {n:03d}", domain=f"{prefix.lower()}{n}.{partner.pk}.test"
        )
        MrrFactory(client=client, date=today - timedelta(days=40), mrr=Decimal("1000"))
        AssignmentFactory(partner=partner, client=client, start=today - timedelta(days=40))
        DealFactory(
            partner=partner, client=client, mrr=Decimal("200"), closed_on=today - timedelta(days=3)
        )
    points_recompute(on=today)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_needs_a_login(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_its_nav_item_as_current(personas, page):
    html = personas.client_for("bob").get(reverse(page)).content.decode()
    assert f'href="{reverse(page)}" aria-current="page"' in html
    assert html.count('aria-current="page"') == 1


@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_the_number_of_clients(personas, page):
    def count_queries(partner_client):
        partner_client.get(reverse(page))  # warms the per-process rule-table cache
        with CaptureQueriesContext(connection) as queries:
            assert partner_client.get(reverse(page)).status_code == 200
        return len(queries)

    alice = personas.client_for("alice")
    give_clients(personas.acme, 5)
    small = count_queries(alice)
    give_clients(personas.acme, 55, prefix="More")
    assert count_queries(alice) == small
    assert small <= MAX_QUERIES[page]


def test_clients_lists_this_partners_points_per_client(personas):
    give_clients(personas.acme, 3)
    html = personas.client_for("alice").get(reverse("clients:list")).content.decode()
    assert html.count("data-client=") == 3
    # 200 USD sourced = 10 sold; 1000 USD managed alone = 10 managed
    cells = [f'<td class="num">{value}</td>' for value in ("10.00", "10.00", "20.00")]
    assert "\n        ".join(cells) in html


def test_clients_search_and_pagination(personas):
    give_clients(personas.acme, 60)
    alice = personas.client_for("alice")
    first = alice.get(reverse("clients:list")).content.decode()
    assert first.count("data-client=") == 50 and "Page 1 of 2" in first
    second = alice.get(reverse("clients:list"), {"page": "2"}).content.decode()
    assert second.count("data-client=") == 10
    found = alice.get(reverse("clients:list"), {"q": "Client 007"}).content.decode()
    assert found.count("data-client=") == 1


@pytest.mark.parametrize("query", [{"page": "99999"}, {"q": "x" * 5000}])
def test_a_page_past_the_end_or_a_long_search_on_the_client_list_answer_200(personas, query):
    assert personas.client_for("alice").get(reverse("clients:list"), query).status_code == 200


@pytest.mark.parametrize("page", ["abc", "-1", "¹", "𝟙", "9" * 5000])
def test_a_malformed_page_on_the_client_list_is_a_400_naming_it(personas, page):
    response = personas.client_for("alice").get(reverse("clients:list"), {"page": page})
    assert response.status_code == 400 and "400.html" in [t.name for t in response.templates]
    assert f"Invalid 'page': {ID_MESSAGE}" in unescape(response.content.decode())


def test_carol_never_sees_acmes_clients_even_a_shared_one(personas):
    give_clients(personas.acme, 3, prefix="Acmeonly")
    shared = ClientFactory(name="Shared Co", domain="shared.test")
    MrrFactory(client=shared, date=timezone.localdate() - timedelta(days=5))
    AssignmentFactory(
        partner=personas.acme, client=shared, start=timezone.localdate() - timedelta(days=5)
    )
    AssignmentFactory(
        partner=personas.globex, client=shared, start=timezone.localdate() - timedelta(days=5)
    )
    points_recompute(on=timezone.localdate())
    for page in PAGES:
        html = personas.client_for("carol").get(reverse(page)).content.decode()
        assert "Acmeonly" not in html and "Acme Growth" not in html
    carol_clients = personas.client_for("carol").get(reverse("clients:list")).content.decode()
    assert carol_clients.count("data-client=") == 1 and "Shared Co" in carol_clients
    # 1000 USD managed by two partners: carol's own half, 5 points
    assert '<td class="num">5.00</td>' in carol_clients


def test_tier_page_shows_what_each_tier_still_needs(personas):
    DealFactory(partner=personas.acme, mrr=Decimal("8000"), closed_on=timezone.localdate())
    points_recompute(on=timezone.localdate())
    html = personas.client_for("alice").get(reverse("tiers:tier")).content.decode()
    assert 'data-figure="sold-points">400.00<' in html
    assert "100.00 total, 0.00 sold, 100.00 managed" in html  # Gold: 500 / 100 / 100


def test_commissions_show_the_last_paid_and_next_scheduled_payment(personas):
    today = timezone.localdate()
    CommissionPayment.objects.create(
        partner=personas.acme,
        quarter_start=date(2025, 1, 1),
        scheduled_on=date(2025, 5, 15),
        currency="USD",
        amount=Decimal("1234.50"),
        status="paid",
        paid_on=date(2025, 5, 15),
        reference="PAY-1",
    )
    CommissionPayment.objects.create(
        partner=personas.acme,
        quarter_start=date(2099, 1, 1),
        scheduled_on=today + timedelta(days=30),
        currency="USD",
        amount=Decimal("99.00"),
    )
    CommissionPayment.objects.create(
        partner=personas.globex,
        quarter_start=date(2025, 1, 1),
        scheduled_on=date(2025, 5, 15),
        currency="USD",
        amount=Decimal("777.77"),
        reference="GLOBEX-SECRET",
    )
    html = personas.client_for("bob").get(reverse("commissions:statements")).content.decode()
    assert "1,234.50 USD" in html and "PAY-1" in html and "99.00 USD" in html
    assert "GLOBEX-SECRET" not in html and "777.77" not in html
    empty = personas.client_for("carol").get(reverse("commissions:statements")).content.decode()
    assert "GLOBEX-SECRET" in empty and "PAY-1" not in empty


def test_settings_lists_only_the_members_of_ones_own_organisation(personas):
    html = personas.client_for("bob").get(reverse("partners:settings")).content.decode()
    assert "alice@acme.test" in html and "bob@acme.test" in html and "carol@globex.test" not in html
    assert 'data-figure="role">User<' in html


def test_password_change_works_and_keeps_the_user_logged_in(personas):
    bob = personas.client_for("bob")
    response = bob.post(
        reverse("password_change"),
        {
            "old_password": "portal-test-password",
            "new_password1": "A-much-better-one-42",
            "new_password2": "A-much-better-one-42",
        },
    )
    assert response.status_code == 302
    assert bob.get(reverse("partners:dashboard")).status_code == 200
    wrong = bob.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "x", "new_password2": "y"},
    )
    assert wrong.status_code == 200 and "error" in wrong.content.decode()
