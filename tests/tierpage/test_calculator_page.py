"""The calculator sidebar and page (T8): htmx answers as the user types, and without JavaScript."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.tierpage.helpers import give_clients

pytestmark = pytest.mark.django_db
URL = "/partner/tier/calculator/"


def points_query(**fields):
    return {"tab": "points", **{f"points-{k}": v for k, v in fields.items()}}


def test_the_points_tab_answers_a_typed_amount_with_an_htmx_partial(personas):
    response = personas.client_for("alice").get(
        URL,
        points_query(sold_amount="1000", currency="USD", market="BR", deal_type="sourced"),
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="points-result"') and "<html" not in html
    assert 'data-result="sold_points">100.00<' in html
    assert 'data-result="total_points">100.00<' in html
    assert "growth market, points ×2" in html


def test_the_issue_example_on_the_page(personas):
    html = (
        personas.client_for("bob")
        .get(
            URL,
            points_query(
                sold_amount="1000",
                currency="EUR",
                market="DE",
                deal_type="sourced",
                will_manage="on",
                other_managers="1",
            ),
        )
        .content.decode()
    )
    assert 'data-result="sold_points">56.82<' in html
    assert 'data-result="managed_points">5.68<' in html
    assert 'data-result="total_points">62.50<' in html
    assert "US$ 1,136.36 a month" in html


def test_the_currency_tab_converts_both_ways(personas):
    alice = personas.client_for("alice")
    to_money = alice.get(
        URL,
        {
            "tab": "currency",
            "currency-direction": "points_to_currency",
            "currency-market": "BR",
            "currency-currency": "USD",
            "currency-sold_points": "100",
            "currency-managed_points": "20",
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'data-result="sold_value">1,000.00 USD<' in to_money
    assert 'data-result="managed_value">1,000.00 USD<' in to_money
    to_points = alice.get(
        URL,
        {
            "tab": "currency",
            "currency-direction": "currency_to_points",
            "currency-market": "BR",
            "currency-currency": "USD",
            "currency-sold_value": "1000",
            "currency-managed_value": "",
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'data-result="sold_points">100.00<' in to_points
    assert 'data-result="managed_points">0.00<' in to_points


def test_the_sidebar_loads_both_tabs_with_the_partners_market(personas):
    html = personas.client_for("carol").get(URL, HTTP_HX_REQUEST="true").content.decode()
    assert "data-calculator" in html and "<html" not in html
    assert 'id="calc-panel-points"' in html and 'id="calc-panel-currency"' in html
    assert '<option value="BR" selected>' in html  # Globex is Brazilian


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"sold_amount": "abc", "currency": "USD", "market": "US"}, "Enter a number"),
        ({"sold_amount": "-5", "currency": "USD", "market": "US"}, "Enter 0 or more"),
        ({"sold_amount": "1e13", "currency": "USD", "market": "US"}, "at most 10^12"),
        ({"sold_amount": "5", "currency": "XXX", "market": "US"}, "Unknown currency XXX"),
        ({"sold_amount": "5", "currency": "USD", "market": "QQ"}, "Unknown country QQ"),
        (
            {"sold_amount": "5", "currency": "USD", "market": "US", "other_managers": "101"},
            "less than or equal to 100",
        ),
    ],
)
def test_bad_input_shows_a_field_error_and_no_figures(personas, fields, message):
    response = personas.client_for("alice").get(URL, points_query(**fields), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html and "data-result" not in html


def test_the_full_page_works_without_javascript(personas):
    response = personas.client_for("alice").get(
        URL, points_query(sold_amount="1000", currency="USD", market="BR")
    )
    html = response.content.decode()
    assert "<html" in html and 'data-result="sold_points">100.00<' in html
    assert 'action="/partner/tier/calculator/"' in html


def test_the_calculator_needs_a_partner_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_calculator_queries_do_not_grow_from_5_to_500_clients(personas):
    alice = personas.client_for("alice")
    query = points_query(sold_amount="1000", currency="USD", market="BR")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert alice.get(URL, query).status_code == 200
        return len(queries)

    give_clients(personas.acme, 5)
    small = count()
    give_clients(personas.acme, 495, prefix="More")
    assert count() == small
