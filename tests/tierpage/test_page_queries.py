"""Queries per page of the pages ``make bench`` measures: the same at 5 and at 500 clients.

The dashboard and the tier page are pinned in ``test_pages.py``; these are the Tier Points
pages (breakdown, a client's points, calculator), the client record and the API breakdown.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from partners.models import BetaFeature
from partners.services import TIER_POINTS_BETA, beta_opt_in
from tests.partners.test_pages import give_clients

pytestmark = pytest.mark.django_db

# (URL name, query string, whether the URL takes the client id): queries pinned per page.
PAGES = {
    ("tiers:breakdown", "?deal_type=sourced", False): 8,
    ("tiers:breakdown", "?market_type=standard&sort=-managed", False): 8,
    ("tiers:client", "", True): 10,
    ("clients:record", "", True): 12,
    ("tiers:calculator", "", False): 3,
    ("api-tier-breakdown", "?deal_type=sourced", False): 8,
}


@pytest.fixture
def alice(personas):
    feature = BetaFeature.objects.get(key=TIER_POINTS_BETA)
    beta_opt_in(
        partner=personas.acme, user=personas.alice.user, feature=feature, terms_accepted=True
    )
    return personas.client_for("alice")


@pytest.mark.parametrize(("name", "query", "per_client"), list(PAGES))
def test_queries_per_page_do_not_grow_with_the_number_of_clients(
    personas, alice, name, query, per_client
):
    try:
        reverse(name, args=[1] if per_client else [])
    except NoReverseMatch:
        pytest.skip(f"no URL named {name} in this checkout")

    def count(client_id):
        url = reverse(name, args=[client_id] if per_client else []) + query
        alice.get(url)  # the rules cache and the session are warm on a running server
        with CaptureQueriesContext(connection) as queries:
            response = alice.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(queries)

    give_clients(personas.acme, 5)
    first = personas.acme.assignments.order_by("client_id").first().client_id
    small = count(first)
    give_clients(personas.acme, 495, prefix="More")
    assert count(first) == small
    assert small <= PAGES[(name, query, per_client)]
