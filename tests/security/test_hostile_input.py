"""Hostile input never gets a 500, never aliases another object, and deletes only what the
caller may delete (the outside review's findings 3, 4, 5 and 7).

- Ids and pages: only ASCII digits for 1 to 2**62 (``core.ids``). Python's ``int()``
  reads '𝟙', '٣', ' 1' and '0_1' as 1 and refuses '¹' (which ``isdigit()`` accepts) and
  numbers of more than 4,300 digits: a path id like that is a 404 and a query parameter a 400
  naming it.
- ``next`` is a URL of this site or the fallback, never a view name for ``reverse()``.
- API bodies: at most 32 levels deep and 1 MiB, and no field an operation does not know.
- A saved report or static list is deleted only by its maker or a super admin.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clients.models import SavedReport, StaticList, StaticListMember
from core.parsers import MAX_BODY_BYTES, MAX_DEPTH, json_depth
from tests.api.conftest import Grown, grow
from tests.api.endpoints import API, list_urls
from tests.conftest import Personas
from tests.tierpage.helpers import opt_in

pytestmark = pytest.mark.django_db

_DIGIT_SETS = {
    "mathematical bold": "𝟎",
    "arabic-indic": "٠",
    "fullwidth": "０",
    "devanagari": "०",
}
#: Strings that crash ``int()`` or that no id has, whatever the object.
CRASHERS = ["¹", "²³", "1" * 5000, "9" * 4301, "1e3", "1.0", "0x1", "-1", "0", "", "one"]


def aliases(number: int) -> list[str]:
    """Spellings of ``number`` that Python's ``int()`` reads as ``number`` but are no id."""
    text = str(number)
    unicode_digits = [
        "".join(chr(ord(zero) + int(digit)) for digit in text) for zero in _DIGIT_SETS.values()
    ]
    return [*unicode_digits, f" {text}", f"{text} ", f"+{text}", f"{text}\n", f"0_{text}"]


def hostile_ids(number: int) -> list[str]:
    return [*aliases(number), *CRASHERS]


def segment(text: str) -> str:
    """``text`` as one path segment (percent-encoded, as a client sends it)."""
    return quote(text, safe="")


@pytest.fixture
def acme(personas: Personas) -> Grown:
    """Acme with clients, a list (made by alice) with members and a report (saved by alice)."""
    grown = grow(personas.acme, 2, prefix="Acme")
    StaticList.objects.filter(pk=grown.static_list.pk).update(created_by=personas.alice.user)
    SavedReport.objects.filter(pk=grown.report.pk).update(created_by=personas.alice.user)
    grown.static_list.refresh_from_db()
    grown.report.refresh_from_db()
    return grown


@pytest.fixture
def session(personas: Personas) -> Callable[[str], HttpClient]:
    """A persona's signed-in browser session (sessions are not throttled)."""
    return personas.client_for


def _json(response: Any) -> Any:
    return json.loads(response.content)


def _snapshot() -> dict[str, Any]:
    return {
        "lists": sorted(StaticList.objects.values_list("pk", "name")),
        "members": sorted(StaticListMember.objects.values_list("list_id", "client_id")),
        "reports": sorted(SavedReport.objects.values_list("pk", "name")),
    }


# --- finding 3: ids in API paths ---------------------------------------------------------------


def test_hostile_api_path_ids_are_404s_and_never_alias_an_object(session, acme):
    alice = session("alice")
    client, static_list, report = acme.clients[0].pk, acme.static_list.pk, acme.report.pk
    routes: list[tuple[str, Callable[[str], str], int]] = [
        ("get", lambda i: f"{API}/clients/{i}/", client),
        ("get", lambda i: f"{API}/clients/{i}/points/", client),
        ("get", lambda i: f"{API}/lists/{i}/", static_list),
        ("patch", lambda i: f"{API}/lists/{i}/", static_list),
        ("delete", lambda i: f"{API}/lists/{i}/", static_list),
        ("get", lambda i: f"{API}/lists/{i}/clients/", static_list),
        ("post", lambda i: f"{API}/lists/{i}/clients/", static_list),
        ("delete", lambda i: f"{API}/lists/{i}/clients/{client}/", static_list),
        ("delete", lambda i: f"{API}/lists/{static_list}/clients/{i}/", client),
        ("get", lambda i: f"{API}/reports/{i}/", report),
        ("patch", lambda i: f"{API}/reports/{i}/", report),
        ("delete", lambda i: f"{API}/reports/{i}/", report),
        ("get", lambda i: f"{API}/reports/{i}/run/", report),
    ]
    bodies = {"patch": {"name": "Renamed"}, "post": {"client_ids": [client]}}
    before = _snapshot()
    wrong = []
    for method, url, real_id in routes:
        for text in hostile_ids(real_id):
            if text == "":
                continue  # an empty segment matches no route at all
            body = json.dumps(bodies.get(method, {}))
            response = alice.generic(
                method.upper(), url(segment(text)), body, content_type="application/json"
            )
            if response.status_code != 404:
                wrong.append((method, url(text[:12]), response.status_code))
    assert wrong == []
    assert _snapshot() == before
    for method, url, real_id in routes:
        if method == "get":
            assert alice.get(url(str(real_id))).status_code == 200, url(str(real_id))


def test_delete_of_a_list_by_a_unicode_digit_id_deletes_nothing(session, acme):
    alice = session("alice")
    static_list, report = acme.static_list.pk, acme.report.pk
    for text in aliases(static_list):
        assert alice.delete(f"{API}/lists/{segment(text)}/").status_code == 404
    for text in aliases(report):
        assert alice.delete(f"{API}/reports/{segment(text)}/").status_code == 404
        assert alice.get(f"{API}/reports/{segment(text)}/").status_code == 404
    assert StaticList.objects.filter(pk=static_list).exists()
    assert SavedReport.objects.filter(pk=report).exists()


def test_hostile_html_path_ids_are_404s(session, acme, personas):
    opt_in(personas.alice)
    alice = session("alice")
    client, static_list, report = acme.clients[0].pk, acme.static_list.pk, acme.report.pk
    pages = [
        ("/partner/clients/{}/", client),
        ("/partner/tier/clients/{}/", client),
        ("/partner/lists/{}/", static_list),
        ("/partner/reports/{}/", report),
    ]
    wrong = []
    for pattern, real_id in pages:
        assert alice.get(pattern.format(real_id)).status_code == 200, pattern
        for text in hostile_ids(real_id):
            if text == "":
                continue
            status = alice.get(pattern.format(segment(text))).status_code
            if status != 404:
                wrong.append((pattern, text[:12], status))
    before = _snapshot()
    for text in aliases(static_list):
        assert alice.post(f"/partner/lists/{segment(text)}/delete/").status_code == 404
    assert _snapshot() == before
    assert wrong == []


# --- finding 3: pages and id filters in query strings ---------------------------------------------

PAGES = ["¹", "𝟙", "٣", "1" * 5000, "0", "-1", " 1", "1 ", "+1", "1_0", "", "abc", "1.0"]


def test_every_paginated_api_list_refuses_a_malformed_page_with_a_400(session, acme):
    alice = session("alice")
    urls = list_urls(acme)
    assert len(urls) == 12
    wrong = []
    for name, url in urls.items():
        joiner = "&" if "?" in url else "?"
        assert alice.get(f"{url}{joiner}page=1").status_code == 200, name
        for parameter in ("page", "page_size"):
            for text in PAGES:
                for export in ("", "&format=csv"):
                    response = alice.get(f"{url}{joiner}{parameter}={quote(text)}{export}")
                    named = response.status_code == 400 and parameter in _json(response)
                    if not named:
                        wrong.append((name, parameter, text[:12], export, response.status_code))
    assert wrong == []


def test_a_page_past_the_last_is_still_a_404(session, acme):
    response = session("alice").get(f"{API}/clients/?page=9999")
    assert response.status_code == 404


def test_a_page_size_above_the_cap_is_capped(session, acme):
    response = session("alice").get(f"{API}/clients/?page_size=99999")
    assert response.status_code == 200 and len(_json(response)["results"]) == 2


@pytest.mark.parametrize(
    "url", [f"{API}/deals/", f"{API}/points/ledger/", f"{API}/commissions/lines/"]
)
def test_a_malformed_client_filter_of_the_api_is_a_400_naming_it(session, acme, url):
    alice = session("alice")
    client = acme.clients[0].pk
    assert alice.get(f"{url}?client={client}").status_code == 200
    for text in hostile_ids(client):
        response = alice.get(f"{url}?client={quote(text)}")
        assert response.status_code == 400, text[:12]
        assert list(_json(response)) == ["client"], text[:12]


def test_every_paginated_html_page_refuses_a_malformed_page_with_a_400(session, acme, personas):
    opt_in(personas.alice)
    alice = session("alice")
    pages = [
        "/partner/clients/",
        f"/partner/clients/{acme.clients[0].pk}/",
        f"/partner/lists/{acme.static_list.pk}/",
        "/partner/tier/breakdown/",
    ]
    wrong = []
    for page in pages:
        assert alice.get(page, {"page": "2"}).status_code == 200, page  # past the end: the last
        for text in PAGES:
            response = alice.get(page, {"page": text})
            if response.status_code != 400 or "'page'" not in unescape(response.content.decode()):
                wrong.append((page, text[:12], response.status_code))
    assert wrong == []


def test_the_rule_change_preview_refuses_a_malformed_page_with_a_400(personas):
    staff = personas.client_for("staff")
    url = reverse("admin:program_rule_change")
    assert staff.get(url).status_code == 200
    for text in ("¹", "𝟙", "1" * 5000, "abc"):
        assert staff.get(url, {"page": text}).status_code == 400, text[:12]


def test_a_writing_page_checks_its_page_number_before_the_write(session, acme):
    alice = session("alice")
    before = _snapshot()
    response = alice.post(
        f"/partner/lists/{acme.static_list.pk}/rename/?page=%C2%B9", {"name": "Renamed"}
    )
    assert response.status_code == 400
    assert _snapshot() == before


def test_the_statements_page_explains_a_malformed_client_and_its_export_is_a_400(session, acme):
    alice = session("alice")
    client = acme.clients[0].pk
    assert f"client-{client}" in alice.get(
        "/partner/commissions/export/", {"client": str(client), "format": "csv"}
    ).get("Content-Disposition", "")
    for text in hostile_ids(client):
        if text == "":
            continue
        page = alice.get("/partner/commissions/", {"client": text})
        assert page.status_code == 200, text[:12]
        assert "choose one from the list" in page.content.decode(), text[:12]
        export = alice.get("/partner/commissions/export/", {"client": text, "format": "csv"})
        assert export.status_code == 400, text[:12]
        assert "choose one from the list" in export.content.decode(), text[:12]


@pytest.mark.parametrize("text", ["¹", "𝟙", "٣", " 1", "1_0", "+1", "-1", "1" * 5000, "1201"])
def test_accrue_commissions_refuses_a_malformed_restate_with_a_command_error(text):
    with pytest.raises(CommandError, match="--restate must be a whole number"):
        call_command("accrue_commissions", "--restate", text)


def test_accrue_commissions_takes_zero_months_to_restate(db):
    call_command("accrue_commissions", "--restate", "0")


# --- finding 4: next ---------------------------------------------------------------------------

UNSAFE_NEXT = ["foo", "lists:lists", "//evil.example/x", "https://evil.example/", "/\\evil.example"]
REPORT = {"kind": "new_sold", "range": "last_12_months"}


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_saving_a_report_with_an_unsafe_next_redirects_to_the_report_and_saves_it_once(
    session, personas, target
):
    alice = session("alice")
    response = alice.post("/partner/reports/save/", {**REPORT, "name": "Once", "next": target})
    report = SavedReport.objects.get(name="Once")
    assert response.status_code == 302
    assert response["Location"] == reverse("lists:report-detail", args=[report.pk])
    assert SavedReport.objects.filter(partner=personas.acme).count() == 1


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_adding_to_a_list_with_an_unsafe_next_redirects_to_the_list_and_makes_it_once(
    session, personas, target
):
    alice = session("alice")
    data = {**REPORT, "new_list_name": "Once", "next": target}
    response = alice.post("/partner/lists/add/", data)
    made = StaticList.objects.get(name="Once")
    assert response.status_code == 302
    assert response["Location"] == reverse("lists:list-detail", args=[made.pk])
    assert StaticList.objects.filter(partner=personas.acme).count() == 1
    assert made.created_by == personas.alice.user


def test_a_safe_next_is_followed(session):
    response = session("alice").post(
        "/partner/reports/save/", {**REPORT, "name": "Back", "next": "/partner/reports/?x=1"}
    )
    assert response.status_code == 302 and response["Location"] == "/partner/reports/?x=1"


def test_a_list_chosen_by_a_unicode_digit_id_is_refused(session, acme):
    alice = session("alice")
    before = _snapshot()
    for text in aliases(acme.static_list.pk):
        response = alice.post("/partner/lists/add/", {**REPORT, "list": text})
        assert response.status_code == 400, text
    assert _snapshot() == before


# --- finding 5: deep and large JSON ---------------------------------------------------------------


def _writes(grown: Grown) -> list[tuple[str, str, dict[str, Any]]]:
    """Every API write with a body, and a body it accepts."""
    client = grown.clients[0].pk
    return [
        ("post", f"{API}/lists/", {"name": "Fresh list", "client_ids": [client]}),
        ("patch", f"{API}/lists/{grown.static_list.pk}/", {"name": "Renamed list"}),
        ("post", f"{API}/lists/{grown.static_list.pk}/clients/", {"client_ids": [client]}),
        ("post", f"{API}/reports/", {**REPORT, "name": "Fresh report"}),
        ("patch", f"{API}/reports/{grown.report.pk}/", {"name": "Renamed report"}),
        (
            "post",
            f"{API}/calculator/points/",
            {"sold_amount": "1000", "currency": "USD", "market": "US", "deal_type": "sourced"},
        ),
        (
            "post",
            f"{API}/calculator/currency/",
            {"direction": "points_to_currency", "market": "US", "currency": "USD"},
        ),
    ]


def _send(http: HttpClient, method: str, url: str, text: str) -> Any:
    cache.clear()  # the calculator's throttle counts every call
    return http.generic(method.upper(), url, text, content_type="application/json")


def test_every_api_write_accepts_its_sample_body(session, acme):
    alice = session("alice")
    for method, url, sample in _writes(acme):
        response = _send(alice, method, url, json.dumps(sample))
        assert response.status_code in (200, 201), (url, response.content[:300])


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
def test_json_nested_too_deeply_is_a_400_on_every_api_write(session, acme, depth):
    alice = session("alice")
    bodies = [
        "[" * depth + "]" * depth,
        '{"name": ' + '{"a": ' * (depth - 1) + "1" + "}" * depth,
    ]
    before = _snapshot()
    for method, url, _sample in _writes(acme):
        for text in bodies:
            response = _send(alice, method, url, text)
            assert response.status_code == 400, url
            assert "nested too deeply" in _json(response)["detail"], url
    assert _snapshot() == before


def test_json_nested_up_to_the_limit_is_parsed(session, acme):
    body = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    response = _send(session("alice"), "post", f"{API}/lists/", body)
    assert response.status_code == 400
    assert "nested too deeply" not in response.content.decode()


def test_a_body_over_the_size_limit_is_a_400(session, acme):
    text = json.dumps({"name": "x" * MAX_BODY_BYTES})
    response = _send(session("alice"), "post", f"{API}/lists/", text)
    assert response.status_code == 400
    assert str(MAX_BODY_BYTES) in _json(response)["detail"]


def test_the_depth_count_skips_brackets_inside_strings():
    assert json_depth('{"a": "[[[[{{{{", "b": ["\\"[[["]}') == 2
    assert json_depth("17") == 0
    assert json_depth("[" * 5000) == 5000


# --- finding 7: unknown fields, and who may delete ------------------------------------------


def test_an_unknown_field_is_a_400_naming_it_on_every_api_write(session, acme):
    alice = session("alice")
    before = _snapshot()
    for method, url, sample in _writes(acme):
        body = {**sample, "unknown_field": 1, "created_by": "bob@acme.test"}
        response = _send(alice, method, url, json.dumps(body))
        assert response.status_code == 400, url
        errors = _json(response)
        assert errors["unknown_field"] == ["Unknown field."], url
        assert errors["created_by"] == ["Unknown field."], url
    assert _snapshot() == before


def test_an_unknown_field_is_named_beside_the_other_field_errors(session, acme):
    response = _send(session("alice"), "post", f"{API}/lists/", json.dumps({"nmae": "Typo"}))
    assert response.status_code == 400
    assert _json(response) == {"nmae": ["Unknown field."], "name": ["This field is required."]}


def test_bob_cannot_delete_alices_report_or_list(session, acme):
    bob = session("bob")
    report, static_list = acme.report.pk, acme.static_list.pk
    assert bob.delete(f"{API}/reports/{report}/").status_code == 403
    assert bob.delete(f"{API}/lists/{static_list}/").status_code == 403
    assert bob.post(f"/partner/reports/{report}/delete/").status_code == 403
    assert bob.post(f"/partner/lists/{static_list}/delete/").status_code == 403
    assert SavedReport.objects.filter(pk=report).exists()
    assert StaticList.objects.filter(pk=static_list).exists()
    # The pages do not offer what would be refused, and do offer it to its maker.
    report_page, list_page = f"/partner/reports/{report}/", f"/partner/lists/{static_list}/"
    assert f"{report_page}delete/" not in _page(bob, report_page)
    assert f"{list_page}delete/" not in _page(bob, list_page)
    assert f"{report_page}delete/" in _page(session("alice"), report_page)
    assert f"{list_page}delete/" in _page(session("alice"), list_page)


def _page(http: HttpClient, url: str) -> str:
    response = http.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_bob_may_still_rename_alices_list_and_change_its_clients(session, acme):
    bob = session("bob")
    url = f"{API}/lists/{acme.static_list.pk}/"
    client = acme.clients[0].pk
    assert _send(bob, "patch", url, json.dumps({"name": "Bob's name"})).status_code == 200
    assert bob.delete(f"{url}clients/{client}/").status_code == 204
    added = _send(bob, "post", f"{url}clients/", json.dumps({"client_ids": [client]}))
    assert added.status_code == 200


def test_a_member_deletes_what_they_made_and_a_super_admin_deletes_anything(session, personas):
    bob, alice = session("bob"), session("alice")
    made = _send(bob, "post", f"{API}/reports/", json.dumps({**REPORT, "name": "Bob's"}))
    bobs_list = _send(bob, "post", f"{API}/lists/", json.dumps({"name": "Bob's list"}))
    assert made.status_code == bobs_list.status_code == 201
    assert SavedReport.objects.get(name="Bob's").created_by == personas.bob.user
    assert StaticList.objects.get(name="Bob's list").created_by == personas.bob.user
    assert bob.delete(f"{API}/reports/{_json(made)['id']}/").status_code == 204
    assert alice.delete(f"{API}/lists/{_json(bobs_list)['id']}/").status_code == 204


def test_a_list_with_no_known_maker_is_deleted_by_super_admins_only(session, personas):
    legacy = StaticList.objects.create(partner=personas.acme, name="From before")
    assert session("bob").post(f"/partner/lists/{legacy.pk}/delete/").status_code == 403
    assert session("alice").post(f"/partner/lists/{legacy.pk}/delete/").status_code == 302
    assert not StaticList.objects.filter(pk=legacy.pk).exists()


def test_another_partners_super_admin_still_gets_a_404(session, acme):
    carol = session("carol")
    assert carol.delete(f"{API}/reports/{acme.report.pk}/").status_code == 404
    assert carol.post(f"/partner/lists/{acme.static_list.pk}/delete/").status_code == 404


def test_a_report_with_no_known_maker_is_deleted_by_super_admins_only(session, personas):
    today = timezone.localdate()
    orphan = SavedReport.objects.create(
        partner=personas.acme,
        name="Orphan",
        kind="new_sold",
        start=today - timedelta(days=1),
        end=today,
        created_by=None,
    )
    assert session("bob").delete(f"{API}/reports/{orphan.pk}/").status_code == 403
    assert session("alice").delete(f"{API}/reports/{orphan.pk}/").status_code == 204
