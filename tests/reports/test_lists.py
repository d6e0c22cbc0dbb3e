"""C2, static lists: the lists page, a list's page, rename, delete, remove a client, export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from clients.models import StaticList
from clients.services import static_list_add_clients, static_list_create

from .factories import bulk_clients, bulk_list

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def acme_list(personas, scenario):
    static_list = static_list_create(partner=personas.acme, name="Key accounts")
    static_list_add_clients(
        static_list=static_list, client_ids=[scenario.alpha.pk, scenario.bravo.pk]
    )
    return static_list


def detail(static_list):
    return reverse("lists:list-detail", args=[static_list.pk])


def test_lists_page_shows_each_list_with_its_size(personas, acme_list):
    html = personas.client_for("bob").get(reverse("lists:lists")).content.decode()
    assert "Key accounts" in html
    assert f'href="{detail(acme_list)}"' in html
    assert '<td class="num">2</td>' in html


def test_list_page_shows_its_clients_linking_to_their_records(personas, scenario, acme_list):
    html = personas.client_for("alice").get(detail(acme_list)).content.decode()
    assert "Alpha Corp" in html and "Bravo Ltda" in html and "Charlie Inc" not in html
    assert reverse("clients:record", args=[scenario.alpha.pk]) in html


def test_rename_a_list(personas, acme_list):
    alice = personas.client_for("alice")
    url = reverse("lists:list-rename", args=[acme_list.pk])
    response = alice.post(url, {"name": "  Top   accounts "})
    assert response.status_code == 302
    acme_list.refresh_from_db()
    assert acme_list.name == "Top accounts"
    response = alice.post(url, {"name": "Best"}, headers=HTMX)
    assert response.content.decode().lstrip().startswith('<header class="object-header"')
    assert "Best" in response.content.decode()


@pytest.mark.parametrize("name", ["", "   ", "x" * 121, "other"])
def test_a_bad_or_taken_name_is_a_form_error(personas, acme_list, name):
    static_list_create(partner=personas.acme, name="Other")
    response = personas.client_for("alice").post(
        reverse("lists:list-rename", args=[acme_list.pk]), {"name": name}
    )
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    acme_list.refresh_from_db()
    assert acme_list.name == "Key accounts"


def test_the_same_name_is_fine_for_another_partner(personas, acme_list):
    response = personas.client_for("carol").post(
        reverse("lists:list-add"),
        {"kind": "new_sold", "range": "last_30_days", "new_list_name": "Key accounts"},
    )
    assert response.status_code == 302
    assert StaticList.objects.filter(name="Key accounts").count() == 2


def test_remove_a_client_from_a_list(personas, scenario, acme_list):
    alice = personas.client_for("alice")
    url = reverse("lists:list-remove", args=[acme_list.pk])
    response = alice.post(url, {"client": scenario.alpha.pk}, headers=HTMX)
    assert response.status_code == 200
    assert "Alpha Corp" not in response.content.decode()
    assert list(acme_list.members.values_list("client_id", flat=True)) == [scenario.bravo.pk]
    assert alice.post(url, {"client": scenario.alpha.pk}).status_code == 404
    for bad in ("", "abc", "-1", "99999999999999999999999"):
        assert alice.post(url, {"client": bad}).status_code == 404


def test_delete_a_list(personas, acme_list):
    response = personas.client_for("alice").post(reverse("lists:list-delete", args=[acme_list.pk]))
    assert response.status_code == 302 and response.url == reverse("lists:lists")
    assert not StaticList.objects.exists()


def test_export_a_list_as_csv_and_xlsx(personas, scenario, acme_list):
    scenario.bravo.name = "+Bravo"
    scenario.bravo.save()
    alice = personas.client_for("alice")
    url = reverse("lists:list-export", args=[acme_list.pk])
    response = alice.get(url, {"name": "Key accounts", "format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="key-accounts.csv"'
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Client ID", "Client", "Domain", "Country", "Currency", "Added on"]
    assert [r[1] for r in rows[1:]] == ["'+Bravo", "Alpha Corp"]
    xlsx = alice.get(url, {"name": "k", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert sheet.max_row == 3


@pytest.mark.parametrize(
    "params", [{}, {"name": "", "format": "csv"}, {"name": "ok", "format": "doc"}, {"name": "%%"}]
)
def test_bad_list_export_is_a_400(personas, acme_list, params):
    response = personas.client_for("alice").get(
        reverse("lists:list-export", args=[acme_list.pk]), params
    )
    assert response.status_code == 400
    assert "Content-Disposition" not in response


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [
        ("get", "lists:list-detail", {}),
        ("get", "lists:list-export", {"name": "x", "format": "csv"}),
        ("post", "lists:list-rename", {"name": "Mine now"}),
        ("post", "lists:list-delete", {}),
        ("post", "lists:list-remove", {"client": "0"}),
    ],
)
def test_carol_gets_404_for_acmes_list(personas, scenario, acme_list, method, name, data):
    carol = personas.client_for("carol")
    data = dict(data)
    if name == "lists:list-remove":
        data["client"] = scenario.alpha.pk
    response = getattr(carol, method)(reverse(name, args=[acme_list.pk]), data)
    assert response.status_code == 404
    acme_list.refresh_from_db()
    assert acme_list.name == "Key accounts" and acme_list.members.count() == 2


def test_carol_sees_none_of_acmes_lists(personas, acme_list):
    html = personas.client_for("carol").get(reverse("lists:lists")).content.decode()
    assert "Key accounts" not in html and "Acme" not in html


def test_unknown_list_ids_are_404(personas, acme_list):
    alice = personas.client_for("alice")
    assert alice.get("/partner/lists/0/").status_code == 404
    assert alice.get("/partner/lists/987654321/").status_code == 404
    assert alice.get("/partner/lists/abc/").status_code == 404
    assert alice.get("/partner/lists/99999999999999999999999/").status_code == 404


@pytest.mark.parametrize("page", ["lists:lists", "lists:list-detail"])
def test_list_pages_query_count_is_the_same_at_5_and_500_clients(personas, page):
    on = timezone.localdate() - timedelta(days=3)
    alice = personas.client_for("alice")
    static_list = bulk_list(
        partner=personas.acme, clients=bulk_clients(partner=personas.acme, count=5, on=on)
    )
    url = reverse(page, args=[static_list.pk] if page == "lists:list-detail" else [])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert alice.get(url).status_code == 200
        return len(queries)

    small = count()
    bulk_list(
        partner=personas.acme,
        clients=bulk_clients(partner=personas.acme, count=495, on=on, prefix="More"),
    )
    assert count() == small
    assert small <= 12
