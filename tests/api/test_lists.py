"""Static lists: create (with clients), rename, delete, list, add and remove clients."""

from __future__ import annotations

import csv
import io

import pytest
from rest_framework.test import APIClient

from clients.models import StaticList, StaticListMember
from tests.tierpage.helpers import give_clients

from .conftest import body, content

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def acme_clients(personas):
    return give_clients(personas.acme, 4, prefix="Acme", recompute=False)


def test_create_a_list_with_clients_then_read_it(api_for, acme_clients):
    alice = api_for("alice")
    ids = [c.pk for c in acme_clients[:2]]
    response = alice.post(
        f"{API}/lists/", {"name": "  Key  accounts ", "client_ids": ids}, format="json"
    )
    assert response.status_code == 201
    created = body(response)
    assert created["name"] == "Key accounts"
    assert created["member_count"] == 2
    members = body(alice.get(f"{API}/lists/{created['id']}/clients/"))["results"]
    assert [m["client"]["id"] for m in members] == ids
    assert body(alice.get(f"{API}/lists/"))["results"] == [created]


def test_a_taken_or_blank_name_is_refused(api_for, acme_clients):
    alice = api_for("alice")
    alice.post(f"{API}/lists/", {"name": "Key accounts"}, format="json")
    taken = alice.post(f"{API}/lists/", {"name": "KEY ACCOUNTS"}, format="json")
    assert taken.status_code == 409
    assert "name" in body(taken)
    for name in ("   ", "", "x" * 121, 5):
        response = alice.post(f"{API}/lists/", {"name": name}, format="json")
        assert response.status_code == 400, name
        assert list(body(response)) == ["name"]
    assert StaticList.objects.count() == 1


def test_rename_and_delete(api_for, acme_clients):
    alice = api_for("alice")
    first = body(alice.post(f"{API}/lists/", {"name": "First"}, format="json"))
    alice.post(f"{API}/lists/", {"name": "Second"}, format="json")
    renamed = alice.patch(f"{API}/lists/{first['id']}/", {"name": "Renamed"}, format="json")
    assert renamed.status_code == 200 and body(renamed)["name"] == "Renamed"
    clash = alice.patch(f"{API}/lists/{first['id']}/", {"name": "second"}, format="json")
    assert clash.status_code == 409
    assert alice.delete(f"{API}/lists/{first['id']}/").status_code == 204
    assert alice.get(f"{API}/lists/{first['id']}/").status_code == 404
    assert [r["name"] for r in body(alice.get(f"{API}/lists/"))["results"]] == ["Second"]


def test_adding_clients_never_adds_one_twice(api_for, acme_clients):
    alice = api_for("alice")
    created = body(alice.post(f"{API}/lists/", {"name": "L"}, format="json"))
    url = f"{API}/lists/{created['id']}/clients/"
    ids = [c.pk for c in acme_clients]
    first = alice.post(url, {"client_ids": ids[:3]}, format="json")
    assert body(first) == {"added": 3, "already": 0}
    again = alice.post(url, {"client_ids": ids}, format="json")
    assert body(again) == {"added": 1, "already": 3}
    assert StaticListMember.objects.filter(list_id=created["id"]).count() == 4
    assert body(alice.post(url, {"client_ids": []}, format="json")) == {"added": 0, "already": 0}
    for bad in ({"client_ids": ["1"]}, {"client_ids": [0]}, {}, {"client_ids": "1,2"}):
        response = alice.post(url, bad, format="json")
        assert response.status_code == 400, bad
        assert list(body(response)) == ["client_ids"]


def test_remove_a_client(api_for, acme_clients):
    alice = api_for("alice")
    ids = [c.pk for c in acme_clients[:2]]
    created = body(alice.post(f"{API}/lists/", {"name": "L", "client_ids": ids}, format="json"))
    url = f"{API}/lists/{created['id']}/clients/{ids[0]}/"
    assert alice.delete(url).status_code == 204
    assert alice.delete(url).status_code == 404
    members = body(alice.get(f"{API}/lists/{created['id']}/clients/"))["results"]
    assert [m["client"]["id"] for m in members] == ids[1:]


def test_a_list_downloads_as_the_pages_export(api_for, acme_clients):
    alice = api_for("alice")
    ids = [c.pk for c in acme_clients]
    created = body(
        alice.post(f"{API}/lists/", {"name": "Export me", "client_ids": ids}, format="json")
    )
    response = alice.get(f"{API}/lists/{created['id']}/clients/?format=csv")
    assert 'filename="export-me-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(content(response).decode("utf-8-sig"))))
    assert rows[0] == ["Client ID", "Client", "Domain", "Country", "Currency", "Added on"]
    assert sorted(int(r[0]) for r in rows[1:]) == sorted(ids)


def test_session_writes_need_the_csrf_token(personas, acme_clients):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(personas.alice.user)
    refused = browser.post(f"{API}/lists/", {"name": "No token"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in body(refused)["detail"]
    assert browser.get(f"{API}/lists/").status_code == 200
    assert not StaticList.objects.exists()
