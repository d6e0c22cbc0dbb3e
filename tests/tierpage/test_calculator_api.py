"""The calculator API (PROGRAM.md §10): examples, field errors, authentication, tenancy."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partners.services import api_token_create, api_token_revoke
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
POINTS = "/api/v1/calculator/points/"
CURRENCY = "/api/v1/calculator/currency/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


@pytest.fixture
def token(personas):
    _, key = api_token_create(user=personas.alice.user, name="tests")
    return key


def post(url, body, key=None, http=None):
    http = http or HttpClient()
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    raw = body if isinstance(body, str) else json.dumps(body)
    return http.post(url, raw, content_type="application/json", **headers)


def test_the_issue_example_eur_1000_in_germany_managed_with_one_other(token):
    body = {
        "sold_amount": "1000",
        "currency": "EUR",
        "market": "DE",
        "deal_type": "sourced",
        "will_manage": True,
        "other_managers": 1,
    }
    response = post(POINTS, body, token)
    assert response.status_code == 200
    assert response.json() == {
        "sold_points": "56.82",
        "managed_points": "5.68",
        "total_points": "62.50",
        "usd_equivalent": "1136.36",
        "multiplier": "1",
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a growth market doubles: US$1,000 sourced in Brazil = 1000/100 * 5 * 2
        (
            {"sold_amount": "1000", "currency": "USD", "market": "BR"},
            {
                "sold_points": "100.00",
                "managed_points": "0.00",
                "total_points": "100.00",
                "usd_equivalent": "1000.00",
                "multiplier": "2",
            },
        ),
        # assisted earns 3; managing alone adds the managed rate, 1
        (
            {
                "sold_amount": "1000",
                "currency": "usd",
                "market": "us",
                "deal_type": "assisted",
                "will_manage": True,
            },
            {
                "sold_points": "30.00",
                "managed_points": "10.00",
                "total_points": "40.00",
                "usd_equivalent": "1000.00",
                "multiplier": "1",
            },
        ),
        # managed points split among 1 + 3 managers, in yen
        (
            {
                "sold_amount": "144000",
                "currency": "JPY",
                "market": "JP",
                "will_manage": True,
                "other_managers": 3,
            },
            {
                "sold_points": "50.00",
                "managed_points": "2.50",
                "total_points": "52.50",
                "usd_equivalent": "1000.00",
                "multiplier": "1",
            },
        ),
        # total is the sum of the rounded figures
        (
            {
                "sold_amount": "1",
                "currency": "GBP",
                "market": "GB",
                "will_manage": True,
                "other_managers": 2,
            },
            {
                "sold_points": "0.07",
                "managed_points": "0.00",
                "total_points": "0.07",
                "usd_equivalent": "1.35",
                "multiplier": "1",
            },
        ),
    ],
)
def test_points_tab_examples(token, body, expected):
    response = post(POINTS, body, token)
    assert response.status_code == 200 and response.json() == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "direction": "points_to_currency",
                "market": "BR",
                "currency": "USD",
                "sold_points": "100",
                "managed_points": "20",
            },
            {"sold_value": "1000.00", "managed_value": "1000.00"},
        ),
        (
            {
                "direction": "currency_to_points",
                "market": "BR",
                "currency": "USD",
                "sold_value": "1000",
                "managed_value": "1000",
            },
            {"sold_points": "100.00", "managed_points": "20.00"},
        ),
        # EUR in a standard market: 88 EUR = US$100 = 5 sold or 1 managed point
        (
            {
                "direction": "currency_to_points",
                "market": "FR",
                "currency": "EUR",
                "sold_value": "88",
                "managed_value": "880",
            },
            {"sold_points": "5.00", "managed_points": "10.00"},
        ),
        (
            {
                "direction": "points_to_currency",
                "market": "FR",
                "currency": "eur",
                "sold_points": "5",
            },
            {"sold_value": "88.00", "managed_value": "0.00"},
        ),
    ],
)
def test_currency_tab_examples(token, body, expected):
    response = post(CURRENCY, body, token)
    assert response.status_code == 200 and response.json() == expected


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"sold_amount", "currency", "market"}),
        ({"sold_amount": "-1", "currency": "USD", "market": "US"}, {"sold_amount"}),
        ({"sold_amount": "abc", "currency": "USD", "market": "US"}, {"sold_amount"}),
        ({"sold_amount": "NaN", "currency": "USD", "market": "US"}, {"sold_amount"}),
        ({"sold_amount": "1000000000001", "currency": "USD", "market": "US"}, {"sold_amount"}),
        ({"sold_amount": "1e999999", "currency": "USD", "market": "US"}, {"sold_amount"}),
        ({"sold_amount": "10", "currency": "XYZ", "market": "US"}, {"currency"}),
        ({"sold_amount": "10", "currency": "USD", "market": "ZZ"}, {"market"}),
        ({"sold_amount": "10", "currency": "USD", "market": "USA"}, {"market"}),
        (
            {"sold_amount": "10", "currency": "USD", "market": "US", "other_managers": 101},
            {"other_managers"},
        ),
        (
            {"sold_amount": "10", "currency": "USD", "market": "US", "other_managers": -1},
            {"other_managers"},
        ),
        (
            {"sold_amount": "10", "currency": "USD", "market": "US", "deal_type": "resold"},
            {"deal_type"},
        ),
        ({"sold_amount": "10", "currency": ["USD"], "market": {"a": 1}}, {"currency", "market"}),
    ],
)
def test_bad_points_input_answers_400_with_an_error_per_field(token, body, fields):
    response = post(POINTS, body, token)
    assert response.status_code == 400
    assert set(response.json()) == fields


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"direction", "currency", "market"}),
        ({"direction": "both", "currency": "USD", "market": "US"}, {"direction"}),
        (
            {
                "direction": "points_to_currency",
                "currency": "USD",
                "market": "US",
                "sold_points": "-5",
            },
            {"sold_points"},
        ),
        (
            {
                "direction": "currency_to_points",
                "currency": "USD",
                "market": "US",
                "managed_value": "1e13",
            },
            {"managed_value"},
        ),
    ],
)
def test_bad_currency_input_answers_400_with_an_error_per_field(token, body, fields):
    response = post(CURRENCY, body, token)
    assert response.status_code == 400
    assert set(response.json()) == fields


@pytest.mark.parametrize("raw", ["{bad", "[1, 2]", '"text"', "null", "1e999"])
def test_bodies_that_are_not_an_object_answer_400(token, raw):
    assert post(POINTS, raw, token).status_code == 400


def test_without_credentials_the_answer_is_401_with_the_token_challenge():
    response = post(POINTS, {})
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_a_revoked_or_unknown_token_is_refused(personas, token):
    assert post(POINTS, {}, "not-a-token").status_code == 401
    assert api_token_revoke(
        user=personas.alice.user, token_id=personas.alice.user.api_tokens.get().pk
    )
    assert post(POINTS, {}, token).status_code == 401


def test_a_token_of_a_user_without_a_partner_is_forbidden(db):
    _, key = api_token_create(user=UserFactory(), name="outsider")
    assert (
        post(POINTS, {"sold_amount": "1", "currency": "USD", "market": "US"}, key).status_code
        == 403
    )


def test_session_authentication_needs_the_csrf_token(personas):
    http = HttpClient(enforce_csrf_checks=True)
    assert http.login(username=personas.bob.user.username, password=PASSWORD)
    body = {"sold_amount": "1000", "currency": "USD", "market": "BR"}
    assert post(POINTS, body, http=http).status_code == 403
    http.get(reverse("tiers:tier"))
    csrf = http.cookies["csrftoken"].value
    response = http.post(
        POINTS, json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 200 and response.json()["sold_points"] == "100.00"


def test_the_schema_documents_both_endpoints_and_the_token_scheme(personas):
    response = personas.client_for("alice").get("/api/schema/", {"format": "json"})
    schema = response.json()
    assert "/api/v1/calculator/points/" in schema["paths"]
    assert "/api/v1/calculator/currency/" in schema["paths"]
    assert "apiToken" in schema["components"]["securitySchemes"]
    assert "PointsCalculatorInput" in schema["components"]["schemas"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
KEYS = [
    "sold_amount",
    "currency",
    "market",
    "deal_type",
    "will_manage",
    "other_managers",
    "direction",
    "sold_points",
    "managed_points",
    "sold_value",
    "managed_value",
]
PLAUSIBLE = st.one_of(
    JSON,
    st.sampled_from(
        [
            "USD",
            "eur",
            "BR",
            "de",
            "sourced",
            "assisted",
            "points_to_currency",
            "currency_to_points",
            "1000",
            "-1",
            "1e12",
            "0.005",
            "NaN",
            "Infinity",
        ]
    ),
)
BODIES = st.one_of(JSON, st.dictionaries(st.sampled_from(KEYS), PLAUSIBLE, max_size=len(KEYS)))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=BODIES, url=st.sampled_from([POINTS, CURRENCY]))
def test_any_json_body_gets_200_or_400_and_never_500(token, body, url):
    cache.clear()
    response = post(url, body, token)
    assert response.status_code in (200, 400), response.content
