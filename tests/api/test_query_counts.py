"""Every list endpoint makes the same number of queries at 5 and at 500 rows, as JSON (one
page of up to 500 rows) and as a CSV download."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.models import SavedReport, StaticList
from clients.services import static_list_add_clients
from commissions.models import CommissionLine

from .conftest import content, grow
from .endpoints import list_urls

pytestmark = pytest.mark.django_db
# The most any list endpoint may make, authentication and membership included.
MAX_QUERIES = 12


def _counts(http, urls: dict[str, str], fmt: str) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        joiner = "&" if "?" in url else "?"
        with CaptureQueriesContext(connection) as queries:
            response = http.get(f"{url}{joiner}format={fmt}&page_size=500")
            assert response.status_code == 200, name
            rows = content(response)
        counts[name] = len(queries)
        assert rows
    return counts


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_query_counts_do_not_grow_from_5_to_500_rows(api_for, personas, fmt):
    alice = api_for("alice")
    first = grow(personas.acme, 5, prefix="Few")
    urls = list_urls(first)
    small = _counts(alice, urls, fmt)

    more = grow(personas.acme, 495, prefix="Many")
    static_list_add_clients(static_list=first.static_list, client_ids=[c.pk for c in more.clients])
    today = timezone.localdate()
    StaticList.objects.bulk_create(
        StaticList(partner=personas.acme, name=f"Extra {n}") for n in range(495)
    )
    SavedReport.objects.bulk_create(
        SavedReport(
            partner=personas.acme,
            name=f"Extra {n}",
            kind="new_sold",
            start=today - timedelta(days=9),
            end=today,
        )
        for n in range(495)
    )
    assert CommissionLine.objects.filter(partner=personas.acme).count() >= 500
    large = _counts(alice, urls, fmt)
    if fmt == "json":
        for name in ("breakdown", "clients", "ledger", "deals", "list clients", "report run"):
            url = urls[name]
            joiner = "&" if "?" in url else "?"
            assert alice.get(f"{url}{joiner}page_size=1").json()["count"] >= 500, name

    assert large == small
    assert max(small.values()) <= MAX_QUERIES, small
