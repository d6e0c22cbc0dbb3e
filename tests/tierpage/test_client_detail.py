"""The client detail (T6): own figures only, active and expired sold points, tenancy."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Deal
from program import engine
from recompute.services import points_recompute
from tests.factories import AssignmentFactory, ClientFactory, DealFactory, MrrFactory

from .helpers import give_clients, opt_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(personas):
    """A client Acme sold to twice (one gain now expired) and manages with Globex."""
    today = timezone.localdate()
    client = ClientFactory(name="Shared Co")
    long_ago = engine.add_months(today, -13)
    MrrFactory(client=client, date=long_ago, mrr=Decimal("2000"))
    AssignmentFactory(partner=personas.acme, client=client, start=today - timedelta(days=30))
    AssignmentFactory(partner=personas.globex, client=client, start=today - timedelta(days=30))
    DealFactory(
        partner=personas.acme,
        client=client,
        name="Old deal",
        mrr=Decimal("400"),
        created_on=long_ago,
        closed_on=long_ago,
    )
    DealFactory(
        partner=personas.acme,
        client=client,
        name="New deal",
        mrr=Decimal("600"),
        created_on=today - timedelta(days=2),
        closed_on=today - timedelta(days=2),
    )
    DealFactory(
        partner=personas.globex,
        client=client,
        name="Globex secret deal",
        mrr=Decimal("9000"),
        deal_type=Deal.DealType.ASSISTED,
        created_on=today,
        closed_on=today,
    )
    points_recompute(on=long_ago)
    points_recompute(on=today)
    opt_in(personas.alice)
    opt_in(personas.carol)
    return client


def url(client):
    return reverse("tiers:client", args=[client.pk])


def test_every_sold_entry_is_marked_active_or_expired_with_its_expiry(personas, shared):
    today = timezone.localdate()
    html = personas.client_for("alice").get(url(shared)).content.decode()
    assert html.count('data-sold-entry="active"') == 1
    assert html.count('data-sold-entry="expired"') == 1
    expiry = engine.sold_expiry(today - timedelta(days=2))
    assert f"{expiry:%-d %b %Y}" in html
    # active sold: US$600 sourced = 30; managed: US$2,000 split with one co-manager = 10
    assert 'data-figure="client-sold">30.00<' in html
    assert 'data-figure="client-managed">10.00<' in html
    assert "1 other partner manages it too" in html
    assert "Old deal" in html and "New deal" in html


def test_never_another_partners_figures_only_the_number_of_co_managers(personas, shared):
    alice = personas.client_for("alice").get(url(shared)).content.decode()
    assert "Globex" not in alice and "9,000" not in alice and "secret" not in alice
    carol = personas.client_for("carol").get(url(shared)).content.decode()
    assert "Acme" not in carol and "Old deal" not in carol and "New deal" not in carol
    assert 'data-figure="client-managed">10.00<' in carol
    assert "1 other partner manages it too" in carol


def test_carol_gets_404_for_an_acme_client(personas):
    acme_client = give_clients(personas.acme, 1, prefix="Acmeonly")[0]
    opt_in(personas.carol)
    response = personas.client_for("carol").get(url(acme_client))
    assert response.status_code == 404
    assert "Acmeonly" not in response.content.decode()
    assert personas.client_for("carol").get("/partner/tier/clients/999999/").status_code == 404


def test_the_htmx_request_gets_the_side_panel_only(personas, shared):
    response = personas.client_for("alice").get(url(shared), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith("<dialog open") and "<html" not in html
    assert '<form method="dialog">' in html


def test_the_full_page_works_without_javascript(personas, shared):
    html = personas.client_for("alice").get(url(shared)).content.decode()
    assert "<html" in html and "Points Breakdown" in html and '<form method="dialog">' not in html


def test_users_not_in_the_beta_see_a_clients_points_and_ledger_entries(personas, shared):
    """The beta changes the Tier page only: a client's ledger is open to every user."""
    response = personas.client_for("bob").get(url(shared))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ledger entries" in html and "Globex secret deal" not in html


def test_client_detail_queries_do_not_grow_from_5_to_500_clients(personas):
    opt_in(personas.alice)
    alice = personas.client_for("alice")
    first = give_clients(personas.acme, 5)[0]

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert alice.get(url(first)).status_code == 200
        return len(queries)

    small = count()
    give_clients(personas.acme, 495, prefix="More")
    assert count() == small
