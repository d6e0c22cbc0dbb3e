"""Bad input everywhere in the API: path ids, ``?page=``/``?page_size=``/``?client=`` and JSON
bodies, fuzzed.

Every class of input that broke it once is drawn by a strategy and pinned with ``@example``, so
the derandomized default run (tests/conftest.py) always covers it: Unicode digits ('¹', '𝟙',
'٣'), numbers of 5,000 digits and JSON nested 1,000 levels deep. Every answer must be below
500, no spelling of an id but its own reaches an object, and a refused write leaves the
partner's data exactly as it was. ``make fuzz`` draws fresh examples, ten times as many.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import cache
from hypothesis import example, given
from hypothesis import strategies as st

from clients.models import SavedReport, StaticList, StaticListMember
from core.ids import parse_id
from core.parsers import MAX_DEPTH, json_depth
from tests.factories import AssignmentFactory, ClientFactory, MrrFactory
from tests.fuzzing import NUMBERY, fuzz_settings, partner_data

pytestmark = pytest.mark.django_db


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
