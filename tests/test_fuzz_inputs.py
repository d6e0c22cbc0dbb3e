"""Bad input everywhere: every form field and query parameter of the partner pages, fuzzed.

The targets are read from the pages themselves: each page a partner user reaches is rendered,
and every ``<form>`` (its method, action and fields) and every link or htmx ``hx-get`` with a
query string becomes a target, so a new field or filter is fuzzed without being listed here.
Hypothesis fills the fields with hostile values (huge, unicode, control characters, numbers out
of range, malformed dates, SQL and markup) and drops or repeats fields at random. Every answer
must be below 500, and a refused write (4xx) must leave the partner's data exactly as it was.
Oversized bodies and too many fields are refused with 400 before any view runs.

The API is fuzzed the same way: path ids, ``?page=``/``?page_size=``/``?client=`` and JSON
bodies. Every class of input that broke it once is drawn by a strategy and pinned with
``@example``, so the derandomized default run (tests/conftest.py) always covers it: Unicode
digits ('¹', '𝟙', '٣'), numbers of 5,000 digits and JSON nested 1,000 levels deep.
``make fuzz`` draws fresh examples, ten times as many.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clients.models import (
    Client,
    Deal,
    ManagedAssignment,
    SavedReport,
    StaticList,
    StaticListMember,
)
from core.ids import parse_id
from core.parsers import MAX_DEPTH, json_depth
from partners.models import ApiToken, BetaOptIn, Membership
from points.models import LedgerEntry
from recompute.services import points_recompute
from tests.conftest import examples
from tests.factories import AssignmentFactory, ClientFactory, DealFactory, MrrFactory
from tests.tiers.helpers import opt_in

pytestmark = pytest.mark.django_db

CRAWL_FROM = [
    "/partner/dashboard/",
    "/partner/tier/",
    "/partner/tier/calculator/",
    "/partner/clients/",
    "/partner/lists/",
    "/partner/reports/",
    "/partner/commissions/",
    "/partner/commissions/payments/",
    "/partner/settings/",
    "/partner/settings/beta/",
    "/partner/settings/team/",
    "/partner/settings/api-tokens/",
]
# Pages that end the session or act on the browser rather than on data.
SKIP_ACTIONS = ("/accounts/logout/",)
SEEN: Counter[str] = Counter()


@dataclass(frozen=True)
class Target:
    method: str
    path: str
    fields: tuple[str, ...]
    sample: tuple[tuple[str, str], ...]  # the values the page itself offers


class Forms(HTMLParser):
    """The forms, links with query strings and hx-get URLs of one page."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.targets: list[Target] = []
        self._form: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or self.page,
                "fields": [],
                "sample": [],
            }
        elif tag in ("input", "select", "textarea", "button") and self._form and a.get("name"):
            self._form["fields"].append(a["name"])
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self._form["sample"].append((a["name"], a.get("value", "")))
        for url in (a.get("href"), a.get("hx-get")):
            if url and "?" in url and url.startswith(("/", "?")):
                parts = urlsplit(url)
                query = parse_qsl(parts.query, keep_blank_values=True)
                path = parts.path or self.page
                self.targets.append(Target("get", path, tuple(k for k, _ in query), tuple(query)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            form = self._form
            path = urlsplit(form["action"]).path or self.page
            self.targets.append(
                Target(form["method"], path, tuple(form["fields"]), tuple(form["sample"]))
            )
            self._form = None


def crawl(http: Any, extra: list[str]) -> list[Target]:
    """The targets of the pages, then of the partials and dialogs those pages link to."""
    targets: dict[tuple[str, str, tuple[str, ...]], Target] = {}
    pages = [*CRAWL_FROM, *extra]
    visited: set[str] = set()
    while pages:
        page = pages.pop(0)
        if page in visited:
            continue
        visited.add(page)
        response = http.get(page)
        if page in CRAWL_FROM or page in extra:
            assert response.status_code == 200, page
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = Forms(urlsplit(page).path)
        parser.feed(response.content.decode())
        for target in parser.targets:
            if target.method == "get" and target.sample and len(visited) < 60:
                pages.append(f"{target.path}?{urlencode(target.sample)}")
            if target.method not in ("get", "post"):  # <form method="dialog"> sends nothing
                continue
            if target.path.startswith(SKIP_ACTIONS) or not target.path.startswith("/partner/"):
                continue
            key = (target.method, target.path, tuple(sorted(set(target.fields))))
            targets.setdefault(key, target)
    return sorted(targets.values(), key=lambda t: (t.path, t.method, t.fields))


@pytest.fixture
def world(personas):
    """Acme with clients, deals, points, a list and a saved report; alice logged in."""
    client = ClientFactory(name="Fuzz Alpha", country="BR", currency="USD")
    MrrFactory(client=client, date=date(2025, 1, 1), mrr=Decimal("3000"))
    AssignmentFactory(partner=personas.acme, client=client, start=date(2025, 1, 1))
    DealFactory(partner=personas.acme, client=client, closed_on=date(2025, 3, 1))
    points_recompute(on=date(2025, 4, 1))
    static_list = StaticList.objects.create(partner=personas.acme, name="Fuzz list")
    opt_in(personas.alice)  # the Tier Points beta pages and their filters too
    http = personas.client_for("alice")
    extra = [f"/partner/clients/{client.pk}/", f"/partner/lists/{static_list.pk}/"]
    report = SavedReport.objects.filter(partner=personas.acme).first()
    if report is not None:
        extra.append(f"/partner/reports/{report.pk}/")
    return http, crawl(http, extra), personas


def partner_data(personas) -> dict[str, Any]:
    """Everything a partner's write could change, for the 'refused writes change nothing' check."""
    users = get_user_model().objects.filter(membership__partner=personas.acme)
    return {
        "lists": sorted(StaticList.objects.values_list("partner_id", "name").order_by("pk")),
        "members": sorted(
            StaticList.objects.values_list("members__client_id", flat=True).order_by("pk"),
            key=str,
        ),
        "reports": list(SavedReport.objects.order_by("pk").values_list("pk", "name")),
        "memberships": list(Membership.objects.order_by("pk").values_list("pk", "role")),
        "users": list(users.order_by("pk").values_list("pk", "email", "password", "is_active")),
        "partner": list(
            type(personas.acme).objects.order_by("pk").values_list(*_fields(type(personas.acme)))
        ),
        "tokens": list(ApiToken.objects.order_by("pk").values_list(*_fields(ApiToken))),
        "opt_ins": list(BetaOptIn.objects.order_by("pk").values_list(*_fields(BetaOptIn))),
        "ledger": LedgerEntry.objects.count(),
        "clients": Client.objects.count(),
        "deals": Deal.objects.count(),
        "assignments": ManagedAssignment.objects.count(),
    }


def _fields(model: Any) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


#: Spellings of numbers that Python's int() reads (or chokes on) but that are no id: Unicode
#: digits and "other numbers" ('¹' passes str.isdigit() and breaks int()), signs, spaces,
#: underscores, and more digits than int() converts (4,300).
NUMBERY = st.one_of(
    st.integers(min_value=-5, max_value=2**63).map(str),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=999).map(lambda n: f" {n}"),
    st.integers(min_value=0, max_value=999).map(lambda n: f"+{n}"),
    st.integers(min_value=10, max_value=999).map(lambda n: f"{n // 10}_{n % 10}"),
    st.integers(min_value=4300, max_value=6000).map(lambda n: "1" * n),
    st.sampled_from(["¹", "𝟙", "٣", "１", "1" * 5000, "9" * 4301, "1.0", "1e3", "0x1", "", "0"]),
)
HOSTILE = st.one_of(
    NUMBERY,
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e309",
            "NaN",
            "-Infinity",
            "99999999999999999999999999",
            "0.0000000001",
            "2025-02-30",
            "9999-12-31",
            "0000-00-00",
            "2025-13-01",
            "'; DROP TABLE points_ledgerentry; --",
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "%00",
            "\x00",
            "\u202e",
            "a" * 5000,
            "1" * 5000,
            "¹",
            "𝟙",
            "٣",
            "1," * 300,
            "custom",
            "all_time",
            "sold",
            "managed",
            "csv",
            "xlsx",
        ]
    ),
)


def values_for(target: Target) -> st.SearchStrategy[list[tuple[str, str]]]:
    names = sorted(set(target.fields) - {"csrfmiddlewaretoken"})
    hostile = (
        st.lists(st.tuples(st.sampled_from(names), HOSTILE), max_size=6) if names else st.just([])
    )
    offered = st.just(list(target.sample))
    return st.tuples(offered, hostile, st.booleans()).map(
        lambda t: ([] if t[2] else [(k, v) for k, v in t[0] if k != "csrfmiddlewaretoken"]) + t[1]
    )


def send(http: Any, target: Target, data: list[tuple[str, str]], htmx: bool) -> Any:
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    body: dict[str, list[str]] = {}
    for name, value in data:
        body.setdefault(name, []).append(value)
    if target.method == "post":
        return http.post(target.path, body, **headers)
    return http.get(target.path, body, **headers)


def test_the_crawl_finds_the_forms_and_filters_of_the_partner_pages(world):
    _http, targets, _personas = world
    posts = {t.path for t in targets if t.method == "post"}
    gets = {t.path for t in targets if t.method == "get" and t.fields}
    assert len(targets) >= 20
    print(f"fuzz targets: {len(posts)} POST forms, {len(targets)} targets in all")
    assert any("/rename/" in p for p in posts) and any("/lists/" in p for p in posts)
    assert "/partner/settings/team/" in {t.path for t in targets} or any(
        "/settings/" in p for p in posts
    )
    assert any(p.startswith("/partner/tier/") for p in gets)
    assert any(p.startswith("/partner/clients/") for p in gets)


def fuzz_settings(count: int) -> settings:
    """``count`` examples (more under ``make fuzz``), derandomized by the default profile of
    tests/conftest.py so that every run tries the same cases."""
    return settings(
        max_examples=examples(count),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@fuzz_settings(300)
@given(data=st.data())
def test_no_input_gets_a_500_and_a_refused_write_changes_nothing(world, data):
    http, targets, personas = world
    target = data.draw(st.sampled_from(targets), label="target")
    values = data.draw(values_for(target), label="values")
    htmx = data.draw(st.booleans(), label="htmx")
    before = partner_data(personas) if target.method == "post" else None

    response = send(http, target, values, htmx)

    SEEN[f"{target.method} {response.status_code // 100}xx"] += 1
    SEEN[f"{target.method} {target.path}"] += 1
    assert response.status_code < 500, (target, values)
    if before is not None and response.status_code >= 400:
        assert partner_data(personas) == before, (target, values)


@pytest.mark.parametrize("path", ["/partner/lists/add/", "/partner/reports/save/"])
def test_an_oversized_body_is_refused_before_the_view(world, path):
    http, _targets, personas = world
    before = partner_data(personas)
    too_big = "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = http.post(path, {"name": too_big, "new_list_name": too_big})
    assert response.status_code == 400
    assert partner_data(personas) == before


def test_too_many_fields_are_refused(world):
    http, _targets, personas = world
    before = partner_data(personas)
    fields = {f"f{n}": "1" for n in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    assert http.post("/partner/lists/add/", fields).status_code == 400
    assert http.get("/partner/clients/", fields).status_code == 400
    assert partner_data(personas) == before


def test_a_name_over_its_max_length_is_refused_and_changes_nothing(world):
    http, _targets, personas = world
    static_list = StaticList.objects.get(name="Fuzz list")
    before = partner_data(personas)
    limit = StaticList._meta.get_field("name").max_length
    assert limit is not None
    response = http.post(f"/partner/lists/{static_list.pk}/rename/", {"name": "n" * (limit + 1)})
    assert response.status_code == 400
    assert partner_data(personas) == before
    assert http.get(f"/partner/lists/{static_list.pk}/").status_code == 200


def test_the_fuzzing_reached_reads_and_refused_writes():
    """Runs after the fuzz test in this module: its cases covered both kinds of request."""
    if not SEEN:
        pytest.skip("the fuzz test did not run in this session")
    print(f"fuzz cases by method and status: {dict(SEEN)}")
    assert SEEN["get 2xx"] > 0 and SEEN["post 4xx"] > 0


# --- the API: path ids, paging and id filters, JSON bodies -------------------------------------

API = "/api/v1"
#: Each route with the one id that is fuzzed (``{id}``) and the object kind it names.
API_OBJECT_ROUTES = [
    ("get", "/clients/{id}/", "client"),
    ("get", "/clients/{id}/points/", "client"),
    ("get", "/lists/{id}/", "list"),
    ("patch", "/lists/{id}/", "list"),
    ("delete", "/lists/{id}/", "list"),
    ("get", "/lists/{id}/clients/", "list"),
    ("post", "/lists/{id}/clients/", "list"),
    ("delete", "/lists/{id}/clients/{client}/", "list"),
    ("delete", "/lists/{list}/clients/{id}/", "client"),
    ("get", "/reports/{id}/", "report"),
    ("patch", "/reports/{id}/", "report"),
    ("delete", "/reports/{id}/", "report"),
    ("get", "/reports/{id}/run/", "report"),
]
API_LIST_ROUTES = [
    "/tier/breakdown/",
    "/points/changes/new_sold/?range=last_30_days",
    "/points/ledger/",
    "/clients/",
    "/deals/",
    "/renewals/",
    "/commissions/lines/",
    "/commissions/payments/",
    "/lists/",
    "/lists/{list}/clients/",
    "/reports/",
    "/reports/{report}/run/",
]
ID_FILTERED = ("/points/ledger/", "/deals/", "/commissions/lines/")
API_WRITES = [
    ("post", "/lists/", {"name": "Fuzz new list", "client_ids": ["{client}"]}),
    ("patch", "/lists/{list}/", {"name": "Fuzz renamed list"}),
    ("post", "/lists/{list}/clients/", {"client_ids": ["{client}"]}),
    ("post", "/reports/", {"name": "Fuzz new report", "kind": "new_sold", "range": "last_30_days"}),
    ("patch", "/reports/{report}/", {"name": "Fuzz renamed report"}),
    ("post", "/calculator/points/", {"sold_amount": "10", "currency": "USD", "market": "US"}),
    (
        "post",
        "/calculator/currency/",
        {"direction": "points_to_currency", "market": "US", "currency": "USD"},
    ),
]
#: Ways of writing a real id that int() reads as that id: none may reach the object.
_ZEROS = {"bold": "𝟎", "arabic-indic": "٠", "fullwidth": "０", "devanagari": "०"}


def _digits_from(zero: str) -> Callable[[str], str]:
    """Write ASCII digits with the digits of another script, whose zero is ``zero``."""
    return lambda text: "".join(chr(ord(zero) + int(digit)) for digit in text)


ALIASES: dict[str, Callable[[str], str]] = {
    **{name: _digits_from(zero) for name, zero in _ZEROS.items()},
    "space": lambda t: f" {t}",
    "plus": lambda t: f"+{t}",
    "underscore": lambda t: f"0_{t}",
    "newline": lambda t: f"{t}\n",
}
#: An id as sent: ("literal", text) as drawn, or ("alias", name) of the real object's id.
SPELLINGS = st.one_of(
    NUMBERY.map(lambda text: ("literal", text)),
    st.sampled_from(sorted(ALIASES)).map(lambda name: ("alias", name)),
)


def nested(depth: int, kind: str) -> str:
    """JSON nested ``depth`` levels deep: arrays, or objects under the key "name"."""
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"name": ' * depth + "1" + "}" * depth


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
BODIES = st.one_of(
    st.tuples(st.integers(min_value=1, max_value=3000), st.sampled_from(["array", "object"])).map(
        lambda t: nested(*t)
    ),
    JSON_VALUES.map(json.dumps),
    st.dictionaries(st.sampled_from(["name", "kind", "range", "client_ids", "x"]), JSON_VALUES).map(
        json.dumps
    ),
    st.text(max_size=50),
    st.sampled_from(["", "[", '{"name": "\\', "1" * 5000, "[" * 100_000]),
)


@pytest.fixture
def api_world(personas):
    """Acme's client on a list (made by alice) and alice's saved report; alice's session (the
    API throttles tokens, not sessions)."""
    client = ClientFactory(name="Fuzz API client")
    MrrFactory(client=client, date=date(2025, 1, 1), mrr=Decimal("900"))
    AssignmentFactory(partner=personas.acme, client=client, start=date(2025, 1, 1))
    static_list = StaticList.objects.create(
        partner=personas.acme, name="Fuzz API list", created_by=personas.alice.user
    )
    StaticListMember.objects.create(list=static_list, client=client)
    report = SavedReport.objects.create(
        partner=personas.acme,
        name="Fuzz API report",
        kind=SavedReport.Kind.NEW_SOLD,
        start=date(2025, 1, 1),
        end=date(2025, 3, 31),
        created_by=personas.alice.user,
    )
    ids = {"client": client.pk, "list": static_list.pk, "report": report.pk}
    return personas.client_for("alice"), ids, personas


def _fill(template: str, ids: dict[str, int], **extra: str) -> str:
    return API + template.format(**{**{k: str(v) for k, v in ids.items()}, **extra})


def _call(http: Any, method: str, url: str, body: str = "") -> Any:
    cache.clear()  # the calculator's throttle counts every call, sessions included
    return http.generic(method.upper(), url, body, content_type="application/json")


@fuzz_settings(150)
@given(route=st.sampled_from(API_OBJECT_ROUTES), spelling=SPELLINGS)
@example(route=("get", "/clients/{id}/", "client"), spelling=("literal", "¹"))
@example(route=("delete", "/lists/{id}/", "list"), spelling=("alias", "bold"))
@example(route=("get", "/reports/{id}/", "report"), spelling=("alias", "bold"))
@example(route=("patch", "/lists/{id}/", "list"), spelling=("alias", "arabic-indic"))
@example(route=("get", "/lists/{id}/clients/", "list"), spelling=("literal", "٣"))
@example(route=("delete", "/reports/{id}/", "report"), spelling=("literal", "1" * 5000))
def test_no_api_path_id_gets_a_500_or_reaches_an_object_by_an_alias(api_world, route, spelling):
    http, ids, personas = api_world
    method, template, kind = route
    how, value = spelling
    text = ALIASES[value](str(ids[kind])) if how == "alias" else value
    body = {"patch": '{"name": "Fuzz alias"}', "post": json.dumps({"client_ids": [ids["client"]]})}
    before = partner_data(personas)

    response = _call(
        http, method, _fill(template, ids, id=quote(text, safe="")), body.get(method, "")
    )

    assert response.status_code < 500, (route, text[:20])
    if parse_id(text) is None:
        assert response.status_code == 404, (route, text[:20])
        assert partner_data(personas) == before, (route, text[:20])


@fuzz_settings(150)
@given(
    route=st.sampled_from(API_LIST_ROUTES),
    name=st.sampled_from(["page", "page_size", "client"]),
    text=NUMBERY,
    export=st.booleans(),
)
@example(route="/clients/", name="page", text="¹", export=False)
@example(route="/reports/", name="page", text="𝟙", export=True)
@example(route="/lists/", name="page_size", text="٣", export=False)
@example(route="/deals/", name="page", text="1" * 5000, export=False)
@example(route="/commissions/lines/", name="client", text="¹", export=True)
@example(route="/points/ledger/", name="client", text="𝟙", export=False)
def test_no_api_page_or_id_filter_gets_a_500_or_an_alias(api_world, route, name, text, export):
    http, ids, _personas = api_world
    if name == "client" and route not in ID_FILTERED:
        name = "page"
    url = _fill(route, ids)
    query = f"{name}={quote(text, safe='')}" + ("&format=csv" if export else "")

    response = _call(http, "get", f"{url}{'&' if '?' in url else '?'}{query}")

    assert response.status_code < 500, (route, name, text[:20])
    if parse_id(text) is None:
        assert response.status_code == 400, (route, name, text[:20])
        assert name in json.loads(response.content), (route, name, text[:20])


@fuzz_settings(150)
@given(route=st.sampled_from(API_WRITES), body=BODIES, extra=st.booleans())
@example(route=API_WRITES[0], body=nested(1000, "array"), extra=False)
@example(route=API_WRITES[1], body=nested(1000, "object"), extra=False)
@example(route=API_WRITES[5], body=nested(1000, "array"), extra=False)
@example(route=API_WRITES[3], body="", extra=True)
def test_no_api_body_gets_a_500_and_a_refused_write_changes_nothing(api_world, route, body, extra):
    """``extra``: send the route's valid body with an unknown field instead of ``body``."""
    http, ids, personas = api_world
    method, template, sample = route
    if extra:
        filled = json.loads(json.dumps(sample).replace('"{client}"', str(ids["client"])))
        body = json.dumps({**filled, "unknown_field": body})
    before = partner_data(personas)

    response = _call(http, method, _fill(template, ids), body)

    assert response.status_code < 500, (route, body[:60])
    if extra:
        assert response.status_code == 400, (route, body[:60])
        assert json.loads(response.content)["unknown_field"] == ["Unknown field."]
    if json_depth(body) > MAX_DEPTH:
        assert response.status_code == 400, (route, body[:60])
        assert "nested too deeply" in json.loads(response.content)["detail"]
    if response.status_code >= 400:
        assert partner_data(personas) == before, (route, body[:60])
