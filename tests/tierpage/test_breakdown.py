"""The Points Breakdown (T5): filters, sort, pages, exports, tenancy and query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from clients.models import Deal
from core.ids import ID_MESSAGE
from recompute.services import points_recompute
from tests.factories import AssignmentFactory, ClientFactory, DealFactory, MrrFactory

from .helpers import give_clients, opt_in

pytestmark = pytest.mark.django_db
URL = "/partner/tier/breakdown/"


@pytest.fixture
def alice(personas):
    opt_in(personas.alice)
    return personas.client_for("alice")


@pytest.fixture
def mixed(personas):
    """Two US clients won sourced, one Brazilian won assisted, one Brazilian only managed."""
    today = timezone.localdate()
    give_clients(personas.acme, 2, prefix="Sourced US", recompute=False)
    give_clients(
        personas.acme,
        1,
        prefix="Assisted BR",
        country="BR",
        deal_type=Deal.DealType.ASSISTED,
        recompute=False,
    )
    managed_only = ClientFactory(name="Managed BR", country="BR")
    MrrFactory(client=managed_only, date=today - timedelta(days=40), mrr=Decimal("500"))
    AssignmentFactory(partner=personas.acme, client=managed_only, start=today - timedelta(days=40))
    points_recompute(on=today)


def cells(*values):
    return "\n          ".join(f'<td class="num">{v}</td>' for v in values)


def names(html):
    return re.findall(r'hx-target="#client-panel"[^>]*>([^<]+)</a>', html)


def test_one_row_per_client_with_sold_managed_and_combined(alice, mixed):
    html = alice.get(URL).content.decode()
    assert html.count("data-client=") == 4
    # US$200 sourced = 10 sold; US$1,000 managed alone = 10 managed
    assert cells("10.00", "10.00", "20.00") in html
    # Brazil doubles: US$200 assisted = 12 sold, US$1,000 managed = 20 managed
    assert cells("12.00", "20.00", "32.00") in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"deal_type": "sourced"}, ["Sourced US 000", "Sourced US 001"]),
        ({"deal_type": "assisted"}, ["Assisted BR 000"]),
        ({"market_type": "growth"}, ["Assisted BR 000", "Managed BR"]),
        ({"market_type": "standard"}, ["Sourced US 000", "Sourced US 001"]),
        ({"market_type": "growth", "deal_type": "sourced"}, []),
    ],
)
def test_filters_by_deal_type_and_market_type(alice, mixed, query, expected):
    html = alice.get(URL, {**query, "sort": "client"}).content.decode()
    assert names(html) == expected


def test_sorts_by_any_column_both_ways(alice, mixed):
    combined = names(alice.get(URL, {"sort": "-combined"}).content.decode())
    # 32 (assisted in Brazil), 20, 20 (sourced in the US), 10 (US$500 managed in Brazil)
    assert combined == ["Assisted BR 000", "Sourced US 000", "Sourced US 001", "Managed BR"]
    by_name = names(alice.get(URL, {"sort": "-client"}).content.decode())
    assert by_name == sorted(by_name, reverse=True)
    by_managed = names(alice.get(URL, {"sort": "managed"}).content.decode())
    # 10, 10, 10 (ties by name), then 20
    assert by_managed == ["Managed BR", "Sourced US 000", "Sourced US 001", "Assisted BR 000"]


def test_fifty_rows_a_page(alice, personas):
    give_clients(personas.acme, 60)
    first = alice.get(URL).content.decode()
    assert first.count("data-client=") == 50 and "Page 1 of 2" in first
    second = alice.get(URL, {"page": "2"}).content.decode()
    assert second.count("data-client=") == 10


def test_the_htmx_request_gets_only_the_table(alice, mixed):
    response = alice.get(URL, {"market_type": "growth"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="breakdown-table"') and "<html" not in html
    assert html.count("data-client=") == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_has_exactly_the_filtered_rows(alice, mixed, fmt):
    response = alice.get(URL, {"market_type": "growth", "sort": "client", "export": fmt})
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(body)).active
        rows = [
            [f"{v:.2f}" if isinstance(v, int | float) else str(v) for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    assert rows[0] == ["Client", "Domain", "Country", "Market type", "Sold", "Managed", "Combined"]
    assert [r[0] for r in rows[1:]] == ["Assisted BR 000", "Managed BR"]
    assert rows[1][3:] == ["Growth", "12.00", "20.00", "32.00"]
    assert 'filename="points-breakdown-' in response["Content-Disposition"]


@pytest.mark.parametrize(
    "query",
    [
        {"deal_type": "resold"},
        {"market_type": "emerging"},
        {"sort": "name; DROP TABLE"},
        {"sort": "-secret"},
        {"export": "pdf"},
    ],
)
def test_bad_filters_answer_400_with_a_message(alice, mixed, query):
    response = alice.get(URL, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot be applied" in html and "data-client=" not in html


def test_a_page_past_the_last_shows_the_last(alice, mixed):
    assert alice.get(URL, {"page": "99999"}).status_code == 200


@pytest.mark.parametrize("page", ["abc", "-1", "0", "", " 2", "¹", "𝟙", "1" * 5000])
def test_a_malformed_page_number_is_a_400_naming_it(alice, mixed, page):
    response = alice.get(URL, {"page": page})
    assert response.status_code == 400 and "400.html" in [t.name for t in response.templates]
    assert f"Invalid 'page': {ID_MESSAGE}" in unescape(response.content.decode())
    assert "data-client=" not in response.content.decode()


def test_users_not_in_the_beta_see_the_breakdown_without_the_beta_banner(personas, mixed):
    """The beta changes the Tier page only: the breakdown explains everyone's points."""
    response = personas.client_for("bob").get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-client=") == 4
    assert "Preview Tier Points" not in html and "beta-banner" not in html


def test_carol_never_sees_acmes_rows_or_figures_even_for_a_shared_client(personas):
    today = timezone.localdate()
    give_clients(personas.acme, 3, prefix="Acmeonly", recompute=False)
    shared = ClientFactory(name="Shared Co")
    MrrFactory(client=shared, date=today - timedelta(days=5), mrr=Decimal("1000"))
    AssignmentFactory(partner=personas.acme, client=shared, start=today - timedelta(days=5))
    AssignmentFactory(partner=personas.globex, client=shared, start=today - timedelta(days=5))
    DealFactory(partner=personas.acme, client=shared, mrr=Decimal("4000"), closed_on=today)
    points_recompute(on=today)
    opt_in(personas.carol)
    carol = personas.client_for("carol")
    html = carol.get(URL).content.decode()
    assert "Acmeonly" not in html and "Acme Growth" not in html
    assert names(html) == ["Shared Co"]
    assert "200.00" not in html  # Acme's sold points on the shared client
    assert '<td class="num">0.00</td>\n          <td class="num">5.00</td>' in html
    export = b"".join(carol.get(URL, {"export": "csv"}).streaming_content).decode()
    assert "Acmeonly" not in export and "200.00" not in export


def _count(http, **params):
    with CaptureQueriesContext(connection) as queries:
        response = http.get(URL, params)
        assert response.status_code == 200
        if params.get("export"):
            b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"deal_type": "sourced", "market_type": "standard", "sort": "sold"}, {"export": "csv"}],
    ids=["plain", "filtered", "export"],
)
def test_breakdown_queries_do_not_grow_from_5_to_500_clients(alice, personas, params):
    give_clients(personas.acme, 5)
    small = _count(alice, **params)
    give_clients(personas.acme, 495, prefix="More")
    assert _count(alice, **params) == small
