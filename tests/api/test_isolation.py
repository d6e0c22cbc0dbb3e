"""Isolation: carol (Globex) never sees Acme's rows and gets 404 for Acme's ids; bob (Acme)
sees Acme's data. Every endpoint, reads and writes."""

from __future__ import annotations

import pytest

from clients.models import SavedReport, StaticList, StaticListMember

from .conftest import body, content
from .endpoints import API, SUMMARY_URLS, list_urls, object_urls

pytestmark = pytest.mark.django_db
ACME_MARKERS = (b"Acme ", b"acme-", b"Acme Growth Agency")


def _no_acme(data: bytes) -> None:
    for marker in ACME_MARKERS:
        assert marker not in data


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_carols_lists_hold_only_globex_rows(api_for, world, fmt):
    carol = api_for("carol")
    for name, url in list_urls(world.globex).items():
        joiner = "&" if "?" in url else "?"
        response = carol.get(f"{url}{joiner}format={fmt}")
        assert response.status_code == 200, name
        data = content(response)
        _no_acme(data)
        if name not in {"commission payments"}:
            assert b"Globex" in data, name


def test_carols_summaries_are_her_own(api_for, world):
    carol = api_for("carol")
    for name, url in SUMMARY_URLS.items():
        response = carol.get(url)
        assert response.status_code == 200, name
        _no_acme(response.content)
    assert body(carol.get(f"{API}/me/"))["partner"]["name"] == "Globex Digital"


def test_acme_ids_answer_404_to_carol_and_200_to_bob(api_for, world):
    carol, bob = api_for("carol"), api_for("bob")
    for name, url in object_urls(world.acme).items():
        assert carol.get(url).status_code == 404, name
        response = bob.get(url)
        assert response.status_code == 200, name
        assert b"Acme" in content(response), name


def test_carol_cannot_change_acmes_lists_or_reports(api_for, world):
    carol = api_for("carol")
    acme_list, acme_report = world.acme.static_list, world.acme.report
    member = world.acme.clients[0].pk
    assert carol.patch(f"{API}/lists/{acme_list.pk}/", {"name": "x"}).status_code == 404
    assert carol.delete(f"{API}/lists/{acme_list.pk}/").status_code == 404
    add = carol.post(f"{API}/lists/{acme_list.pk}/clients/", {"client_ids": []}, format="json")
    assert add.status_code == 404
    assert carol.delete(f"{API}/lists/{acme_list.pk}/clients/{member}/").status_code == 404
    assert carol.patch(f"{API}/reports/{acme_report.pk}/", {"name": "x"}).status_code == 404
    assert carol.delete(f"{API}/reports/{acme_report.pk}/").status_code == 404
    acme_list.refresh_from_db()
    assert acme_list.name == "Acme list"
    assert StaticListMember.objects.filter(list=acme_list).count() == 3
    assert SavedReport.objects.filter(pk=acme_report.pk, name="Acme report").exists()


def test_acme_client_ids_in_a_body_answer_400_and_change_nothing(api_for, world):
    carol = api_for("carol")
    own = world.globex.static_list
    acme_ids = [c.pk for c in world.acme.clients]
    response = carol.post(
        f"{API}/lists/{own.pk}/clients/",
        {"client_ids": [world.globex.clients[0].pk, *acme_ids]},
        format="json",
    )
    assert response.status_code == 400
    message = body(response)["client_ids"][0]
    assert all(str(i) in message for i in acme_ids)
    assert StaticListMember.objects.filter(list=own).count() == 2

    response = carol.post(
        f"{API}/lists/", {"name": "Sneaky", "client_ids": acme_ids}, format="json"
    )
    assert response.status_code == 400
    assert "client_ids" in body(response)
    assert not StaticList.objects.filter(name="Sneaky").exists()


def test_filters_by_an_acme_client_find_nothing_for_carol(api_for, world):
    carol = api_for("carol")
    acme_client = world.acme.clients[0].pk
    for url in (
        f"{API}/points/ledger/?client={acme_client}",
        f"{API}/deals/?client={acme_client}",
        f"{API}/commissions/lines/?client={acme_client}",
    ):
        response = carol.get(url)
        assert response.status_code == 200
        assert body(response)["count"] == 0
