"""One figure, one value (PROGRAM.md §8a), read off every surface that shows it.

Three partners are set up as deployed: alice's Acme and carol's Globex (the ``personas``) and a
generated partner, Initech, built with the factories. Between them they have clients in USD,
EUR, GBP, AUD, CAD, SGD, JPY and COP, in standard and growth markets, sourced and assisted
deals, a reversed deal and an expired one, managed assignments shared by two and by three
partners, a co-manager joining, an assignment that ended, an MRR upgrade and churns, and enough
clients for Initech that its lists have a second page. The amounts are chosen so that rounding
a sum and summing the rounded parts differ: a client with 7.645 sold and 6.745 managed points
shows 7.65 + 6.75 = 14.40 combined, where its exact 14.39 would round to 14.39; each partner's
total, and a dialog's total, differ the same way. Then the nightly jobs run: ``points_recompute``
for a day four months back and for today, and ``account_metrics_refresh`` for today.

Each test reads every surface that shows one family of figures (a client's points, a partner's
points, the account metrics, the point-change dialogs, what the explain pages are made of),
records each reading under the figure it shows beside a reference computed here from the
ledger or the stored metrics, and fails listing every disagreement: the figure and what each
surface showed, or the total and the parts shown beside it. Pages are parsed with
``html.parser`` through the ``data-*`` attributes the templates carry (``data-figure``,
``data-client``, ``data-partner``, ``data-month``, ``data-deal``, ``data-entry`` ...) and the
column headers of their tables; exports are read back with ``csv`` and openpyxl.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from clients.metrics import account_metrics_refresh
from clients.models import AccountMetrics, Client, Deal, ManagedAssignment, MrrRecord
from core import figures
from partners.models import Membership, Partner
from partners.services import api_token_create, beta_opt_in
from points.models import LedgerEntry
from program import engine
from program.models import Track
from program.rules import rules_load
from recompute.services import points_recompute
from tests.conftest import Personas
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    ClientFactory,
    DealFactory,
    MembershipFactory,
    MrrFactory,
    PartnerFactory,
)
from tests.tiers.helpers import tier_points_feature
from tiers.models import TierReview

pytestmark = pytest.mark.django_db

API = "/api/v1"
CENT = Decimal("0.01")
ZERO = Decimal(0)
PARTNERS = ("acme", "globex", "initech")
POINT_KINDS = ("new_sold", "lost_sold", "new_managed", "lost_managed")
TRACKS = ("sold", "managed")
FILLERS = 52  # Initech's extra clients: 59 in all, so that its lists have a second page

# How a surface writes a figure.
PAGE = "page"  # "1,234.57" (also "US$1,234.57", "85.00%")
PLAIN = "plain"  # "1234.57": API JSON and CSV cells
NUMBER = "number"  # an XLSX numeric cell, a chart coordinate
EXACT = "exact"  # the reference, computed here from the ledger or the stored metrics


# --- reading HTML ---------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass(eq=False)
class Node:
    """An element of a parsed page: its tag, attributes and children (elements and text)."""

    tag: str
    attrs: dict[str, str]
    parent: Node | None = field(default=None, repr=False)
    children: list[Node | str] = field(default_factory=list, repr=False)

    def text(self) -> str:
        """The element's text, whitespace collapsed."""
        parts: list[str] = []

        def walk(node: Node) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def all(self, attr: str | None = None, value: str | None = None, tag: str = "") -> list[Node]:
        """The elements within with attribute ``attr`` (equal to ``value`` if given), of ``tag``
        if given."""
        return [
            node
            for node in self.iter()
            if (not tag or node.tag == tag)
            and (attr is None or attr in node.attrs)
            and (value is None or node.attrs.get(attr or "") == value)
        ]

    def cells(self) -> list[str]:
        """A table row's cells, as text."""
        return [c.text() for c in self.children if isinstance(c, Node) and c.tag in ("th", "td")]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


@dataclass
class Page:
    """A parsed HTML answer, named after the surface it is."""

    surface: str
    root: Node

    @classmethod
    def get(cls, http: HttpClient, surface: str, url: str, **extra: Any) -> Page:
        response = http.get(url, **extra)
        assert response.status_code == 200, f"{surface}: GET {url} answered {response.status_code}"
        builder = _TreeBuilder()
        builder.feed(response.content.decode())
        builder.close()
        return cls(surface, builder.root)

    def one(self, attr: str, value: str | None = None) -> Node:
        found = self.root.all(attr, value)
        what = f"[{attr}={value!r}]" if value is not None else f"[{attr}]"
        assert len(found) == 1, f"{self.surface}: {len(found)} elements {what}, expected one"
        return found[0]

    def figure(self, name: str) -> str:
        """The text of the page's one ``data-figure=name`` element."""
        return self.one("data-figure", name).text()

    def sentence(self, containing: str) -> str:
        """The text of the page's one paragraph containing ``containing``."""
        found = [p.text() for p in self.root.all(tag="p") if containing in p.text()]
        assert len(found) == 1, f"{self.surface}: {len(found)} paragraphs with {containing!r}"
        return found[0]

    def rows(self, row_attr: str, within: Node | None = None) -> list[tuple[str, dict[str, str]]]:
        """The table rows carrying ``row_attr``, in order: the attribute's value, and each
        column's header mapped to the cell's text."""
        rows: list[tuple[str, dict[str, str]]] = []
        for table in (within or self.root).all(tag="table"):
            head = table.all(tag="thead")
            if not head:
                continue
            # a sortable column's header ends in ▲ or ▼
            headers = [th.text().rstrip("▲▼ ") for th in head[0].all(tag="th")]
            for row in table.all(row_attr, tag="tr"):
                cells = row.cells()
                assert len(cells) == len(headers), f"{self.surface}: row {row.attrs} is {cells}"
                rows.append((row.attrs[row_attr], dict(zip(headers, cells, strict=True))))
        return rows

    def table(self, row_attr: str, within: Node | None = None) -> dict[str, dict[str, str]]:
        """``rows`` keyed by the value of ``row_attr``, which must be unique."""
        table: dict[str, dict[str, str]] = {}
        for key, row in self.rows(row_attr, within):
            assert key not in table, f"{self.surface}: two rows [{row_attr}={key!r}]"
            table[key] = row
        return table

    def json_script(self, element_id: str) -> Any:
        return json.loads(self.one("id", element_id).text())


def numbers_in(text: str) -> list[str]:
    """The numbers written in a sentence of a page's text (not its HTML), in order."""
    return re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)


def number(text: str) -> Decimal:
    """A figure as any surface writes it: "1,234.57", "US$1,234.57", "85.00%", "1234.57"."""
    cleaned = text.strip().removeprefix("US$").removesuffix("%").replace(",", "").strip()
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not a figure: {text!r}") from None


def html_pages(http: HttpClient, surface: str, url: str) -> Iterator[Page]:
    """Every page of a paginated list (``?page=``), while its pager offers a next one."""
    index = 1
    while True:
        page = Page.get(http, f"{surface} page {index}", f"{url}?page={index}")
        yield page
        pager = page.root.all("aria-label", "Pages", tag="nav")
        if not pager or "Next" not in pager[0].text():
            return
        index += 1


# --- reading the API and exports ------------------------------------------------------------


def api_json(http: HttpClient | APIClient, surface: str, url: str, **params: Any) -> Any:
    response = http.get(url, params)
    assert response.status_code == 200, f"{surface}: GET {url} answered {response.status_code}"
    return response.json()


def api_pages(http: HttpClient | APIClient, surface: str, url: str) -> list[dict[str, Any]]:
    """Every row of a paginated API list, following ``next``."""
    rows: list[dict[str, Any]] = []
    next_url: str | None = url
    count = 0
    while next_url:
        body = api_json(http, surface, next_url)
        rows += body["results"]
        next_url, count = body["next"], body["count"]
    assert len(rows) == count, f"{surface}: {len(rows)} rows for a count of {count}"
    return rows


def download(response: Any, surface: str, fmt: str) -> list[dict[str, Any]]:
    """The rows of a CSV or XLSX download, each a mapping of header to cell."""
    assert response.status_code == 200, f"{surface}: answered {response.status_code}"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    assert sheet is not None, f"{surface}: no worksheet"
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip([str(h) for h in header], row, strict=True)) for row in rows]


def style_of(fmt: str) -> str:
    return PLAIN if fmt == "csv" else NUMBER


# --- the agreement checker ------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    surface: str
    style: str
    text: str
    value: Decimal


@dataclass
class Agreement:
    """Every reading of every figure. ``problems()`` lists each figure whose readings differ
    (in value on any surface, or in text between surfaces that write figures alike), each
    total that is not the sum of the parts shown beside it, and anything else that differs."""

    readings: dict[str, list[Reading]] = field(default_factory=lambda: defaultdict(list))
    issues: list[str] = field(default_factory=list)

    def read(self, figure: str, surface: str, raw: object, style: str = PAGE) -> None:
        text = "" if raw is None else str(raw).strip()
        try:
            value = number(text)
        except ValueError:
            self.issues.append(f"{figure}: {surface} shows {text!r}, not a figure")
            return
        if value != value.quantize(CENT):
            self.issues.append(f"{figure}: {surface} shows {text!r}, not 2 places")
        self.readings[figure].append(Reading(surface, style, text, value))

    def exact(self, figure: str, source: str, exact: Decimal) -> None:
        """The reference: ``exact`` rounded half-up to 2 places, as §8a shows a figure."""
        self.readings[figure].append(
            Reading(f"{source} (exact {exact})", EXACT, "", figures.shown(exact))
        )

    def adds_up(
        self, surface: str, total: str, total_raw: object, parts: Mapping[str, object]
    ) -> None:
        """The total shown is the sum of the parts as shown beside it."""
        try:
            shown = number(str(total_raw))
            added = sum((number(str(text)) for text in parts.values()), ZERO)
        except ValueError as error:
            self.issues.append(f"{surface}: {total}: {error}")
            return
        if shown != added:
            listed = [f"{name} {str(text)!r}" for name, text in parts.items()]
            more = f" + {len(listed) - 25} more" if len(listed) > 25 else ""
            self.issues.append(
                f"{surface}: {total} shows {str(total_raw)!r}, but "
                f"{' + '.join(listed[:25])}{more} add up to {added}"
            )

    def read_all(
        self,
        figure: Callable[[str], str],
        surface: str,
        texts: Mapping[str, object],
        style: str = PAGE,
    ) -> None:
        """Several figures of one surface, named ``figure(key)``."""
        for what, text in texts.items():
            self.read(figure(what), surface, text, style)

    def points(
        self,
        figure: Callable[[str], str],
        surface: str,
        texts: Mapping[str, object],
        style: str = PAGE,
    ) -> None:
        """Sold, managed and the total shown beside them (``combined`` or ``total``), which
        must be the shown sold + the shown managed."""
        self.read_all(figure, surface, texts, style)
        for total in {"combined", "total"} & set(texts):
            self.adds_up(surface, total, texts[total], {w: texts[w] for w in TRACKS})

    def same(self, what: str, surface: str, got: object, other: str, expected: object) -> None:
        """Anything else two surfaces must agree on: the rows listed, a count, a tier."""
        if got != expected:
            self.issues.append(f"{what}: {surface} has {got!r}, but {other} has {expected!r}")

    def problems(self) -> list[str]:
        found = list(self.issues)
        for figure, readings in self.readings.items():
            differ = len({r.value for r in readings}) > 1 or any(
                len({r.text for r in readings if r.style == style}) > 1 for style in (PAGE, PLAIN)
            )
            if differ:
                listed = "; ".join(
                    f"{r.surface} → {r.value}" if r.style == EXACT else f"{r.surface} {r.text!r}"
                    for r in readings
                )
                found.append(f"{figure} disagrees: {listed}")
        return found

    def check(self, minimum: int) -> None:
        """Fail listing every problem, once enough surfaces were read to mean something."""
        taken = sum(len(r) for r in self.readings.values())
        assert taken >= minimum, f"only {taken} readings taken, expected at least {minimum}"
        problems = self.problems()
        assert not problems, f"{len(problems)} disagreement(s):\n" + "\n".join(problems)


# --- the partners, as deployed --------------------------------------------------------------


@dataclass
class Member:
    partner: Partner
    membership: Membership
    http: HttpClient
    api: HttpClient | APIClient  # a token client, or the browser session


@dataclass
class World:
    today: date
    members: dict[str, Member]
    staff: HttpClient


def login(membership: Membership) -> HttpClient:
    http = HttpClient()
    assert http.login(username=membership.user.username, password=PASSWORD)
    return http


def token_client(membership: Membership) -> APIClient:
    http = APIClient()
    _, key = api_token_create(user=membership.user, name="figures agree")
    http.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return http


def build_world(personas: Personas) -> World:
    """The three partners' clients, deals, MRR and assignments, then the nightly jobs.

    Dates are relative to today: ``h`` is the first of the month 14 months back (so each of the
    12 complete months of C$R has history), ``m(k)`` the first of the month ``k`` back. Exact
    points are in the comments: sold = US$ MRR / 100 × rate (sourced 5, assisted 3) × M,
    managed = US$ MRR / 100 × M / managers, with M = 2 in a growth market (BR, CO, IN, SG here)
    and US$ = amount × 100 / R (EUR 88, GBP 74, AUD 154, CAD 130, SGD 129, JPY 14,400,
    COP 408,000).
    """
    today = timezone.localdate()

    def m(k: int) -> date:
        return engine.add_months(today.replace(day=1), -k)

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    h = m(14)
    acme, globex = personas.acme, personas.globex
    initech = cast(Partner, PartnerFactory(name="Initech Partners", country="US"))
    dave = cast(
        Membership,
        MembershipFactory(
            partner=initech, user__email="dave@initech.test", role=Membership.Role.SUPER_ADMIN
        ),
    )

    def client(name: str, country: str, cur: str, *mrr: tuple[date, str], tools: int = 3) -> Client:
        domain = f"{re.sub(r'[^a-z]+', '-', name.lower())}.test"
        made = cast(Client, ClientFactory(name=name, domain=domain, country=country, currency=cur))
        for day, amount in mrr:
            MrrFactory(client=made, date=day, mrr=Decimal(amount), tools_used=tools)
        return made

    def manage(partner: Partner, made: Client, start: date, end: date | None = None) -> None:
        AssignmentFactory(partner=partner, client=made, start=start, end=end)

    def won(
        partner: Partner,
        made: Client,
        amount: str,
        closed_on: date,
        deal_type: str = Deal.DealType.SOURCED,
        reversed_on: date | None = None,
    ) -> None:
        DealFactory(
            partner=partner,
            client=made,
            name=f"{made.name} {deal_type} {closed_on:%Y-%m-%d}",
            deal_type=deal_type,
            mrr=Decimal(amount),
            stage=Deal.Stage.REVERSED if reversed_on else Deal.Stage.CLOSED_WON,
            created_on=closed_on - timedelta(days=7),
            closed_on=closed_on,
            reversed_on=reversed_on,
            shared_selling=True,
        )

    # Shared clients. Vireo Hotels: EUR 880.88 is US$1,001, managed by two: 5.005 each.
    vireo = client("Vireo Hotels", "DE", "EUR", (h, "880.88"), tools=5)
    manage(acme, vireo, h)
    manage(initech, vireo, h)
    won(initech, vireo, "152.68", ago(20))  # US$173.50: 8.675
    # Sertão Agro: COP 3,060,050 is US$750.012255, managed by Acme and Initech (7.500123 each),
    # then by Globex too from 5 days ago (5.000082 each of three).
    sertao = client("Sertão Agro", "BR", "COP", (h, "3060050.00"), tools=2)
    manage(acme, sertao, h)
    manage(initech, sertao, h)
    manage(globex, sertao, ago(5))
    won(globex, sertao, "5036964.00", ago(10))  # US$1,234.55: 123.455

    # Acme.
    blue = client("Blue Wellness", "US", "USD", (h, "600.00"), (ago(5), "674.50"), tools=4)
    manage(acme, blue, h)  # 6.00, then 6.745 after the upgrade
    won(acme, blue, "152.90", ago(3))  # 7.645: 7.65 + 6.75 = 14.40 shown, 14.39 exact
    aster = client("Aster Print", "AU", "AUD")
    won(acme, aster, "1539.23", ago(12))  # US$999.50: 49.975
    acme_big = client("Acme Big Co", "US", "USD", (h, "30000.50"), tools=7)
    manage(acme, acme_big, h)  # 300.005
    won(acme, acme_big, "6000.10", ago(28))  # 300.005
    cobalt = client("Cobalt Ltd", "GB", "GBP", (h, "500.00"), (m(3), "0"), tools=1)
    manage(acme, cobalt, h)  # 6.756757 four months back; churned since
    delta = client("Delta Archive", "US", "USD")
    won(acme, delta, "1000.00", engine.add_months(today, -13) - timedelta(days=10))  # expired

    # Globex.
    ipe = client("Ipê Saúde", "BR", "USD", (h, "168.50"), tools=6)
    manage(globex, ipe, h)  # 3.37
    won(globex, ipe, "76.45", ago(7))  # 7.645
    maple = client("Maple Freight", "CA", "CAD")
    won(globex, maple, "1604.20", ago(9), Deal.DealType.ASSISTED)  # US$1,234: 37.02
    globex_big = client("Globex Big Co", "BR", "USD", (h, "15000.25"), tools=8)
    manage(globex, globex_big, h)  # 300.005
    won(globex, globex_big, "3000.05", ago(20))  # 300.005
    ceiba = client("Ceiba Café", "CO", "COP", (h, "2040000.00"), (m(6), "0"), tools=2)
    manage(globex, ceiba, h)  # churned before either recompute: managed, with no points
    reversed_co = client("Reversed Co", "SG", "SGD")
    won(globex, reversed_co, "1290.00", ago(40), reversed_on=ago(8))  # 100 won, then lost
    jatoba = client("Jatobá Tech", "BR", "USD", (h, "1000.50"), tools=3)
    manage(globex, jatoba, h, end=m(1))  # 20.01 four months back; services ended since

    # Initech.
    umbra = client("Umbra Foods", "US", "USD", (h, "864.00"), tools=3)
    manage(initech, umbra, h)  # 8.64
    won(initech, umbra, "152.70", ago(3))  # 7.635
    kobe = client("Kōbe Denki", "JP", "JPY", (h, "33768.00"), tools=4)
    manage(initech, kobe, h)  # US$234.50: 2.345
    won(initech, kobe, "59256.00", ago(15), Deal.DealType.ASSISTED)  # US$411.50: 12.345
    nordlicht = client("Nordlicht GmbH", "DE", "EUR", (h, "1000.00"), (m(2), "0"), tools=2)
    manage(initech, nordlicht, h)  # 11.363636 four months back; churned since
    initech_big = client("Initech Big Co", "IN", "USD", (h, "15000.25"), tools=9)
    manage(initech, initech_big, h)  # 300.005
    won(initech, initech_big, "3000.05", ago(25))  # 300.005
    spa = client("Vireo Spa", "FR", "EUR")
    won(initech, spa, "153.01", ago(40))  # US$173.875 (8.69375), twice: US$347.75
    won(initech, spa, "153.01", ago(50))
    # Fillers, in bulk: each managed alone at US$100.50 + 10n (1.005 + 0.1n), every third with
    # a sourced deal of US$100.10 + 2n (5.005 + 0.1n).
    fillers = Client.objects.bulk_create(
        Client(name=f"Initech Filler {n:02d}", domain=f"filler-{n}.test", country="US")
        for n in range(FILLERS)
    )
    MrrRecord.objects.bulk_create(
        MrrRecord(client=c, date=m(2), mrr=Decimal("100.50") + 10 * n, tools_used=n % 5)
        for n, c in enumerate(fillers)
    )
    ManagedAssignment.objects.bulk_create(
        ManagedAssignment(partner=initech, client=c, start=m(2)) for c in fillers
    )
    Deal.objects.bulk_create(
        Deal(
            partner=initech,
            client=c,
            name=f"{c.name} sourced",
            deal_type=Deal.DealType.SOURCED,
            mrr=Decimal("100.10") + 2 * n,
            stage=Deal.Stage.CLOSED_WON,
            created_on=ago(9),
            closed_on=ago(2),
        )
        for n, c in enumerate(fillers)
        if n % 3 == 0
    )

    # The nightly jobs: a recompute four months back, today's, then today's account metrics.
    points_recompute(on=m(4))
    points_recompute(on=today)
    account_metrics_refresh(on=today, rules=rules_load())
    # On a review date (15 Jan, 15 Jul) today's recompute has credited the tiers already, and
    # the admin's preview would have no partner left to show: set today's review aside.
    TierReview.objects.filter(date=today).delete()

    # alice and dave read the API with a token, carol with her browser session.
    members = {
        "acme": Member(acme, personas.alice, login(personas.alice), token_client(personas.alice)),
        "globex": Member(globex, personas.carol, login(personas.carol), login(personas.carol)),
        "initech": Member(initech, dave, login(dave), token_client(dave)),
    }
    return World(today=today, members=members, staff=personas.client_for("staff"))


@pytest.fixture
def world(personas: Personas) -> World:
    return build_world(personas)


def exact_points(partner: Partner, on: date) -> dict[str, dict[str, Decimal]]:
    """Each client's exact sold and managed points on ``on`` (by client id as text): the
    ledger summed here."""
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(TRACKS, ZERO))
    for client_id, track, points in LedgerEntry.objects.filter(
        partner=partner, effective_on__lte=on
    ).values_list("client_id", "track", "points"):
        sums[str(client_id)][track] += points
    return sums


# --- a client's points ----------------------------------------------------------------------


def columns(row: Mapping[str, Any], sold: str, managed: str, combined: str = "") -> dict[str, Any]:
    """A row's sold, managed and (if shown) combined figures, under those names."""
    picked = {"sold": row[sold], "managed": row[managed]}
    return picked | {"combined": row[combined]} if combined else picked


@pytest.mark.parametrize("key", PARTNERS)
def test_a_clients_points_have_the_same_digits_on_every_surface(world: World, key: str) -> None:
    """Sold, managed and combined per client, and each of its ledger entries: the Points
    Breakdown (every page, its htmx table, its CSV and XLSX), the side panel (htmx and as a
    page), the client record, the Clients list (every page), and the API's breakdown, clients,
    client and client points, with the lists' CSV and XLSX; combined is the shown sold plus
    the shown managed wherever it is shown."""
    member = world.members[key]
    partner, http, api = member.partner, member.http, member.api
    check = Agreement()
    exact = exact_points(partner, world.today)
    names = {str(pk): name for pk, name in Client.objects.values_list("pk", "name")}

    def of(client_id: object) -> Callable[[str], str]:
        return lambda what: f"{partner.name} / {names[str(client_id)]} / {what}"

    # The breakdown's rows are the partner's clients; the ledger also knows former ones.
    breakdown: dict[str, dict[str, str]] = {}
    pages = list(html_pages(http, "Points Breakdown", reverse("tiers:breakdown")))
    for page in pages:
        breakdown.update(page.table("data-client"))
    assert key != "initech" or len(pages) == 2, "Initech's breakdown must have a second page"
    former = sorted(set(exact) - set(breakdown))
    for client_id in [*breakdown, *former]:
        sold, managed = exact[client_id]["sold"], exact[client_id]["managed"]
        check.exact(of(client_id)("sold"), "ledger", sold)
        check.exact(of(client_id)("managed"), "ledger", managed)
        both = figures.shown(sold) + figures.shown(managed)
        check.exact(of(client_id)("combined"), "ledger, shown sold + shown managed", both)
    labels = ("Sold points", "Managed points", "Combined points")
    for client_id, row in breakdown.items():
        check.points(of(client_id), "breakdown page", columns(row, *labels))
    table = Page.get(http, "breakdown (htmx)", reverse("tiers:breakdown"), HTTP_HX_REQUEST="1")
    for client_id, row in table.table("data-client").items():
        check.points(of(client_id), "breakdown table (htmx)", columns(row, *labels))

    # Each ledger entry's points, newest first as every surface lists them; the sold gains.
    entries: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    gains: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    for entry_id, owner, points, kind in (
        LedgerEntry.objects.filter(partner=partner, effective_on__lte=world.today)
        .order_by("-effective_on", "-id")
        .values_list("id", "client_id", "points", "kind")
    ):
        entries[str(owner)].append((entry_id, points))
        if kind == LedgerEntry.Kind.DEAL_WON:
            gains[str(owner)].append((entry_id, points))

    def read_entries(
        client_id: str,
        surface: str,
        listed: str,
        texts: list[Any],
        style: str = PAGE,
    ) -> None:
        wanted = (entries if listed == "entries" else gains)[client_id]
        check.same(of(client_id)(listed), surface, len(texts), "ledger", len(wanted))
        for (entry_id, points), text in zip(wanted, texts, strict=False):
            check.exact(of(client_id)(f"entry {entry_id}"), "ledger", points)
            check.read(of(client_id)(f"entry {entry_id}"), f"{surface}, {listed}", text, style)

    # The panel (htmx and as a page), the client record, the API's client and client points.
    for client_id in [*breakdown, *former]:
        panel_url = reverse("tiers:client", args=[client_id])
        for surface, url, extra in (
            ("client panel", panel_url, {"HTTP_HX_REQUEST": "1"}),
            ("client panel page", panel_url, {}),
            ("client record", reverse("clients:record", args=[client_id]), {}),
        ):
            page = Page.get(http, f"{surface} of {names[client_id]}", url, **extra)
            shown = {w: page.figure(f"client-{w}") for w in ("sold", "managed", "combined")}
            check.points(of(client_id), surface, shown)
            if surface == "client record":
                rows = page.rows("data-entry")
                ids = [int(entry) for entry, _ in rows]
                expected_ids = [entry for entry, _ in entries[client_id]]
                check.same(of(client_id)("entry ids"), surface, ids, "ledger", expected_ids)
                read_entries(client_id, surface, "entries", [r["Points"] for _, r in rows])
            else:
                ledger = [r["Points"] for _, r in page.rows("data-ledger-entry")]
                read_entries(client_id, surface, "entries", ledger)
                sold_gains = [r["Points"] for _, r in page.rows("data-sold-entry")]
                read_entries(client_id, surface, "sold gains", sold_gains)
        surface = "API client"
        record = api_json(api, surface, f"{API}/clients/{client_id}/")
        check.points(
            of(client_id), surface, columns(record, "sold_points", "managed_points"), PLAIN
        )
        surface = "API client points"
        points = api_json(api, surface, f"{API}/clients/{client_id}/points/")
        check.points(of(client_id), surface, columns(points, *TRACKS, "combined"), PLAIN)
        history = points["history"]
        read_entries(client_id, surface, "entries", [e["points"] for e in history], PLAIN)
        sold_gains = [g["points"] for g in points["sold_entries"]]
        read_entries(client_id, surface, "sold gains", sold_gains, PLAIN)
        if history:  # the newest entry's running balances are the client's figures
            newest = columns(history[0], "sold_after", "managed_after")
            check.points(of(client_id), f"{surface}, newest history entry", newest, PLAIN)

    # The Clients list, every page; the API's breakdown and clients, every page.
    listed: dict[str, dict[str, str]] = {}
    for page in html_pages(http, "Clients list", reverse("clients:list")):
        listed.update(page.table("data-client"))
    check.same("clients", "Clients list", sorted(listed), "breakdown", sorted(breakdown))
    for client_id, row in listed.items():
        texts = columns(row, "Sold points", "Managed points", "Combined")
        check.points(of(client_id), "Clients list", texts)
    for surface, url, parts in (
        ("API breakdown", f"{API}/tier/breakdown/", (*TRACKS, "combined")),
        ("API clients", f"{API}/clients/", TRACKS),
    ):
        api_rows = api_pages(api, surface, url)
        ids_listed = sorted(str(row["id"]) for row in api_rows)
        check.same("clients", surface, ids_listed, "breakdown", sorted(breakdown))
        for row in api_rows:
            check.points(of(row["id"]), surface, columns(row, *parts), PLAIN)

    # Every export: the breakdown page's, the API's breakdown (both name the client, and names
    # are unique here) and the API's clients (by id).
    by_name = {name: client_id for client_id, name in names.items()}
    for name, client, url, param in (
        ("breakdown page", http, reverse("tiers:breakdown"), "export"),
        ("API breakdown", api, f"{API}/tier/breakdown/", "format"),
        ("API clients", api, f"{API}/clients/", "format"),
    ):
        for fmt in ("csv", "xlsx"):
            surface = f"{name} {fmt.upper()}"
            exported = []
            for row in download(client.get(url, {param: fmt}), surface, fmt):
                if name == "API clients":
                    client_id = str(row["Client ID"])
                    texts = columns(row, "Sold points", "Managed points")
                else:
                    client_id = by_name[row["Client"]]
                    texts = columns(row, "Sold", "Managed", "Combined")
                check.points(of(client_id), surface, texts, style_of(fmt))
                exported.append(client_id)
            check.same("clients", surface, sorted(exported), "breakdown", sorted(breakdown))

    # The data does what it is for: some client's combined is not its rounded exact sum.
    assert any(
        figures.shown(s["sold"] + s["managed"])
        != figures.shown(s["sold"]) + figures.shown(s["managed"])
        for s in exact.values()
    ), f"{partner.name}: no client where rounding the sum and summing the rounded parts differ"
    check.check(minimum=len(breakdown) * 40)


# --- a partner's points ---------------------------------------------------------------------


@pytest.mark.parametrize("key", PARTNERS)
def test_a_partners_points_have_the_same_digits_on_every_surface(world: World, key: str) -> None:
    """Total, sold and managed points, and what each tier still needs: the dashboard (D1, D2),
    the Tier page (classic, then in the Tier Points beta with its sentence, table, insights and
    charts, and its classic view), the API's standing, insights and points history, and the
    admin's tier-review preview; the total is the shown sold + the shown managed on each."""
    member = world.members[key]
    partner, http, api, today = member.partner, member.http, member.api, world.today
    check = Agreement()

    def figure(what: str) -> str:
        return f"{partner.name} / {what}"

    def needs(tier: str) -> Callable[[str], str]:
        return lambda what: figure(f"{tier} still needs / {what}")

    def on(day: str) -> Callable[[str], str]:
        return lambda what: figure(f"{what} on {day}")

    def three(texts: list[str], order: tuple[str, ...] = ("total", "sold", "managed")) -> Any:
        return dict(zip(order, texts, strict=True))

    exact = exact_points(partner, today)
    sold = sum((s["sold"] for s in exact.values()), ZERO)
    managed = sum((s["managed"] for s in exact.values()), ZERO)
    total = figures.shown(sold) + figures.shown(managed)
    check.exact(figure("sold"), "ledger", sold)
    check.exact(figure("managed"), "ledger", managed)
    check.exact(figure("total"), "ledger, shown sold + shown managed", total)
    # The data does what it is for: the total is not the partner's rounded exact sum.
    assert figures.shown(sold + managed) != total, f"{partner.name}: total rounds alike both ways"

    # The API: the standing names the tiers the pages are read against.
    standing = api_json(api, "API standing", f"{API}/tier/standing/")
    check.points(figure, "API standing", columns(standing, *TRACKS, "total"), PLAIN)
    next_tier = standing["next_tier"]
    assert next_tier, f"{partner.name} is at the highest tier: no tier still needs points"
    check.read_all(needs(next_tier), "API standing", standing["needs_for_next"], PLAIN)
    tiers = {row["name"]: row for row in standing["tiers"]}
    for name, row in tiers.items():
        check.read_all(needs(name), "API standing tiers", row["needs"], PLAIN)
    credited, performance = standing["credited_tier"], standing["performance_tier"]

    insights = api_json(api, "API insights", f"{API}/tier/insights/")
    requirements = {r["key"]: r for r in insights["requirements"]}
    target = insights["target"]["name"]
    for what, requirement in requirements.items():
        check.read(figure(what), "API insights requirements", requirement["reached"], PLAIN)
        check.read(needs(target)(what), "API insights requirements", requirement["needed"], PLAIN)
    check.read_all(needs(next_tier), "API insights, move up", insights["move_up"], PLAIN)
    for what in ("expiring_sold", "projected_sold", "projected_managed"):
        check.read(figure(what.replace("_", " ")), "API insights", insights[what], PLAIN)

    history = api_json(api, "API points history", f"{API}/points/history/")
    latest = history["monthly"][-1]
    check.same("latest snapshot", "API points history", latest["day"], "today", today.isoformat())
    check.points(figure, "API points history, this month", columns(latest, *TRACKS, "total"), PLAIN)
    projection_days = [month["day"] for month in history["projection"]]
    for month in history["projection"]:
        projected = columns(month, *TRACKS, "total")
        check.points(on(month["day"]), "API points history, projection", projected, PLAIN)

    # The dashboard: D1 and D2.
    dashboard = Page.get(http, "dashboard", reverse("partners:dashboard"))
    d1 = {w: dashboard.figure(f"{w}-points") for w in ("total", "sold", "managed")}
    check.points(figure, "dashboard D1", d1)
    check.read(needs(next_tier)("total"), "dashboard D1", dashboard.figure("points-to-next"))
    also = numbers_in(dashboard.sentence("also needs"))
    check.read_all(needs(next_tier), "dashboard D1 sentence", dict(zip(TRACKS, also, strict=True)))
    key_shown = dashboard.one("data-target-tier").attrs["data-target-tier"]
    check.same("D2 target", "dashboard D2", key_shown, "API insights", insights["target"]["key"])
    for item in dashboard.root.all("data-requirement", tag="li"):
        what = item.attrs["data-requirement"]
        check.read(figure(what), "dashboard D2", item.all("data-reached")[0].text())
        needed = item.all("data-needed")
        if needed:
            check.read(needs(target)(what), "dashboard D2", needed[0].text())
        met = requirements[what]["met"]
        check.same(f"{target} {what} met", "dashboard D2", not needed, "API insights", met)
        percent = item.all(tag="progress")[0].text()
        wanted = f"{requirements[what]['percent']}%"
        check.same(f"{target} {what} percent", "dashboard D2", percent, "API insights", wanted)
    tier_names = {"credited-tier": credited, "performance-tier": performance}

    def same_tiers(surface: str, page: Page) -> None:
        for node, name in tier_names.items():
            check.same(node, surface, page.figure(node), "API standing", name)

    same_tiers("dashboard", dashboard)

    def classic(surface: str, url: str) -> None:
        page = Page.get(http, surface, url)
        assert page.root.all("data-mrr-tier"), f"{surface} is not the classic Tier page"
        for what in TRACKS:  # the classic page shows no total
            check.read(figure(what), surface, page.figure(f"{what}-points"))
        for name, row in page.table("data-tier").items():
            cell = row["Still needed"]
            reached = cell == "—"
            check.same(f"{name} reached", surface, reached, "API standing", tiers[name]["reached"])
            if not reached:
                check.read_all(needs(name), surface, three(numbers_in(cell)))
        same_tiers(surface, page)

    classic("Tier page", reverse("tiers:tier"))

    # The Tier Points beta.
    feature = tier_points_feature()
    beta_opt_in(partner=partner, user=member.membership.user, feature=feature, terms_accepted=True)
    beta = Page.get(http, "Tier Points page", reverse("tiers:tier"))
    same_tiers("Tier Points page", beta)
    tp = {w: beta.figure(f"{w}-points") for w in ("total", "sold", "managed")}
    check.points(figure, "Tier Points page", tp)
    sentence = three(numbers_in(beta.figure("adds-up"))[:3], ("sold", "managed", "total"))
    check.points(figure, "Tier Points sentence", sentence)
    for cell in beta.root.all("data-need", tag="td"):
        assert cell.parent is not None
        track, yours, _ = cell.parent.cells()
        what = "total" if track == "Combined" else track.lower()
        check.read(figure(what), "Tier Points table", yours)
        check.read(needs(next_tier)(cell.attrs["data-need"]), "Tier Points table", cell.text())
    insight = {node.attrs["data-insight"]: node.text() for node in beta.root.all("data-insight")}
    check.read_all(needs(next_tier), "Tier Points insights", three(numbers_in(insight["move-up"])))
    maintains = numbers_in(insight["maintain"]) != []
    wanted_maintain = insights["maintain"] is not None
    check.same("maintain", "Tier Points insights", maintains, "API insights", wanted_maintain)
    expiring = numbers_in(insight["expiring"])[0]
    check.read(figure("expiring sold"), "Tier Points insights", expiring)
    projected = three(numbers_in(insight["projected"]), ("projected sold", "projected managed"))
    check.read_all(figure, "Tier Points insights", projected)
    projected_tier = insight["projected"].split(": ", 1)[1].split(" (")[0]
    wanted_tier = insights["projected_tier"]
    check.same(
        "projected tier", "Tier Points insights", projected_tier, "API insights", wanted_tier
    )
    bars = beta.json_script("tier-progress-figure")["data"][0]
    for track, label, length in zip(bars["y"], bars["text"], bars["x"], strict=True):
        what = "total" if track == "Combined" else track.lower()
        check.read(figure(what), "Tier Points bar chart, label", label)
        check.read(figure(what), "Tier Points bar chart, length", length, NUMBER)
    over_time = {trace["name"]: trace for trace in beta.json_script("over-time-figure")["data"]}
    for what in ("total", "sold", "managed"):
        trace = over_time[what.capitalize()]
        last_day = trace["x"][-1]
        check.same("chart's last day", "Tier Points over-time chart", last_day, "today", str(today))
        check.read(figure(what), "Tier Points over-time chart, today", trace["y"][-1], NUMBER)
        ahead = over_time[f"{what.capitalize()} (projected)"]
        days = ahead["x"][1:]  # the first point is today's, where the projection starts
        check.same("projected days", "Tier Points over-time chart", days, "API", projection_days)
        for day, y in zip(days, ahead["y"][1:], strict=True):
            check.read(on(day)(what), "Tier Points over-time chart, projection", y, NUMBER)
    note = beta.sentence("dashed lines project").split(": ")[-1]
    check.read(on(projection_days[2])("total"), "Tier Points over-time note", numbers_in(note)[0])
    median = {
        "Tier Points page": number(beta.figure("median-tools")),
        "API insights": Decimal(insights["median_tool_usage"]),
    }
    stored = AccountMetrics.objects.get(partner=partner, on=today).median_tool_usage
    for surface, value in median.items():
        check.same("median tool usage", surface, value, "stored metrics", stored)
    classic("Tier page, classic view in the beta", f"{reverse('tiers:tier')}?view=classic")

    # The admin's tier-review preview for today, as a staff superuser.
    url = f"{reverse('admin:tiers_tierreview_run')}?on={today.isoformat()}"
    rows = Page.get(world.staff, "admin tier-review preview", url).table("data-partner")
    assert str(partner.pk) in rows, f"admin tier-review preview: no row for {partner.name}"
    row = rows[str(partner.pk)]
    check.points(figure, "admin tier-review preview", columns(row, "Sold", "Managed", "Total"))
    to = row["To"].lstrip("↑↓ ")
    check.same("performance tier", "admin tier-review preview", to, "API standing", performance)
    check.check(minimum=70)


# --- a partner's account metrics ------------------------------------------------------------


def usd_on(client_id: int, day: date) -> Decimal:
    """A client's US$ MRR on ``day`` (its latest record on or before it), converted here."""
    record = (
        MrrRecord.objects.filter(client_id=client_id, date__lte=day)
        .select_related("client")
        .order_by("-date")
        .first()
    )
    if record is None:
        return ZERO
    return record.mrr * 100 / rules_load().fx_rate(record.client.currency, day)


@pytest.mark.parametrize("key", PARTNERS)
def test_a_partners_account_metrics_agree_on_every_surface(world: World, key: str) -> None:
    """The rolling 12-month sourced MRR and amount and the 12-month average C$R: the dashboard,
    both explain pages (and one month's clients) and the API standing, against the day's
    stored AccountMetrics; each month of the C$R page is the stored month, each deal of the
    sourced page one counted, at its US$ MRR."""
    member = world.members[key]
    partner, http, api, today = member.partner, member.http, member.api, world.today
    check = Agreement()
    names = dict(Client.objects.values_list("pk", "name"))

    def figure(what: str) -> str:
        return f"{partner.name} / {what}"

    stored = AccountMetrics.objects.get(partner=partner, on=today)
    assert stored.csr_12m is not None, f"{partner.name}: no C$R to compare"
    check.exact(figure("sourced MRR"), "stored metrics", stored.sourced_mrr_12m)
    check.exact(figure("sourced amount"), "stored metrics × 12", stored.sourced_mrr_12m * 12)
    check.exact(figure("C$R %"), "stored metrics", stored.csr_12m * 100)
    months = {m["month"][:7]: m for m in stored.csr_months}
    average = engine.csr_average(
        Decimal(m["retained_mrr"]) / Decimal(m["start_mrr"])
        for m in stored.csr_months
        if Decimal(m["start_mrr"]) > 0
    )
    assert average is not None
    check.exact(figure("C$R %"), "stored months, averaged here", average * 100)

    def metrics(surface: str, page: Page, *shown: str) -> None:
        for what, name in (
            ("sourced MRR", "sourced-mrr-12m"),
            ("sourced amount", "sourced-amount-12m"),
            ("C$R %", "csr-12m"),
        ):
            if name in shown:
                check.read(figure(what), surface, page.figure(name))

    every = ("sourced-mrr-12m", "sourced-amount-12m", "csr-12m")
    metrics("dashboard D1", Page.get(http, "dashboard", reverse("partners:dashboard")), *every)
    standing = api_json(api, "API standing", f"{API}/tier/standing/")
    check.read(figure("sourced MRR"), "API standing", standing["sourced_mrr_12m"], PLAIN)
    check.read(figure("sourced amount"), "API standing", standing["sourced_amount_12m"], PLAIN)
    check.read(figure("C$R %"), "API standing", standing["csr_percent"], PLAIN)

    # The sourced explain page: its figures, and a row for each deal counted, at its US$ MRR.
    sourced = Page.get(
        http, "sourced explain page", reverse("partners:dashboard-explain", args=["sourced"])
    )
    metrics("sourced explain page", sourced, "sourced-mrr-12m", "sourced-amount-12m")
    counted = {
        str(deal.pk): deal
        for deal in Deal.objects.filter(partner=partner, deal_type=Deal.DealType.SOURCED)
        .closed_won()
        .closed_between(engine.add_months(today, -12) + timedelta(days=1), today)
        .select_related("client")
        if deal.reversed_on is None or deal.reversed_on > today
    }
    deals = sourced.table("data-deal")
    check.same("sourced deals", "sourced explain page", sorted(deals), "deals", sorted(counted))
    for deal_id, row in deals.items():
        if (deal := counted.get(deal_id)) is not None:
            rate = rules_load().fx_rate(deal.client.currency, cast(date, deal.closed_on))
            check.exact(figure(f"{deal} US$ MRR"), "the deal converted here", deal.mrr * 100 / rate)
            check.read(figure(f"{deal} US$ MRR"), "sourced explain page", row["MRR (US$)"])

    # The C$R explain page: its average, and each month as stored.
    csr_url = reverse("partners:dashboard-explain", args=["csr"])
    csr = Page.get(http, "C$R explain page", csr_url)
    metrics("C$R explain page", csr, "csr-12m")
    shown_months = csr.table("data-month")
    check.same("C$R months", "C$R explain page", sorted(shown_months), "stored", sorted(months))
    for month, row in shown_months.items():
        if (data := months.get(month)) is None:
            continue
        start, retained = Decimal(data["start_mrr"]), Decimal(data["retained_mrr"])
        counted_clients = int(row["Clients counted"])
        check.same(
            f"C$R {month} clients", "C$R explain page", counted_clients, "stored", data["clients"]
        )
        check.exact(figure(f"C$R {month} start MRR"), "stored metrics", start)
        check.read(
            figure(f"C$R {month} start MRR"), "C$R explain page", row["MRR at the start (US$)"]
        )
        check.exact(figure(f"C$R {month} retained MRR"), "stored metrics", retained)
        check.read(
            figure(f"C$R {month} retained MRR"),
            "C$R explain page",
            row["Still paying next month (US$)"],
        )
        if start > 0:
            check.exact(figure(f"C$R {month} %"), "stored metrics", retained / start * 100)
            check.read(figure(f"C$R {month} %"), "C$R explain page", row["C$R"])
        else:
            check.same(f"C$R {month} %", "C$R explain page", row["C$R"], "stored metrics", "—")
        churned = sorted(names[c] for c in data["churned_ids"])
        shown_churned = [] if row["Churned"] == "—" else sorted(row["Churned"].split(", "))
        check.same(f"C$R {month} churned", "C$R explain page", shown_churned, "stored", churned)

    # One month's clients: the first month a client churned.
    month = next(m for m, data in months.items() if data["churned_ids"])
    surface = f"C$R explain page for {month}"
    page = Page.get(http, surface, f"{csr_url}?month={month}")
    metrics(surface, page, "csr-12m")
    clients = page.table("data-client", page.one("id", "month-clients"))
    data = months[month]
    check.same(f"C$R {month} clients", surface, len(clients), "stored metrics", data["clients"])
    churned_ids = sorted(int(c) for c, row in clients.items() if row["Next month"] == "churned")
    wanted = sorted(data["churned_ids"])
    check.same(f"C$R {month} churned", surface, churned_ids, "stored metrics", wanted)
    first = date.fromisoformat(f"{month}-01")
    for client_id, row in clients.items():
        what = figure(f"C$R {month} / {names[int(client_id)]} start MRR")
        check.exact(what, "its MRR record converted here", usd_on(int(client_id), first))
        check.read(what, surface, row["MRR at the start (US$)"])
    start_shown = page.table("data-month")[month]["MRR at the start (US$)"]
    check.read(figure(f"C$R {month} start MRR"), surface, start_shown)
    check.check(minimum=40)


# --- the point-change dialogs ---------------------------------------------------------------


def ledger_rows(partner: Partner, kind: str, start: date, end: date) -> dict[int, list[Decimal]]:
    """Each client's entries behind a point-change figure, exact, as computed here."""
    track = Track.SOLD if kind.endswith("sold") else Track.MANAGED
    entries = LedgerEntry.objects.filter(
        partner=partner, track=track, effective_on__gte=start, effective_on__lte=end
    )
    entries = (
        entries.filter(points__gt=0) if kind.startswith("new") else entries.filter(points__lt=0)
    )
    rows: dict[int, list[Decimal]] = defaultdict(list)
    for client_id, points in entries.values_list("client_id", "points"):
        rows[client_id].append(points)
    return rows


@pytest.mark.parametrize("preset", ["last_30_days", "last_12_months"])
@pytest.mark.parametrize("key", PARTNERS)
def test_a_point_change_figure_is_the_sum_of_its_dialogs_rows_everywhere(
    world: World, key: str, preset: str
) -> None:
    """New and lost sold and managed points (D3) over a range: the dashboard's figure, its
    dialog (htmx and as a page), the API's figures and rows with the rows' CSV and XLSX, and
    the dialog's unsummarized CSV and XLSX export. A figure is the sum of its dialog's rows as
    shown, a row a client's exact sum shown, an exported entry its exact points shown."""
    member = world.members[key]
    partner, http, api = member.partner, member.http, member.api
    check = Agreement()
    names = dict(Client.objects.values_list("pk", "name"))
    dashboard_url = f"{reverse('partners:dashboard')}?d3-range={preset}"
    dashboard = Page.get(http, f"dashboard ({preset})", dashboard_url)
    changes = api_json(api, "API point changes", f"{API}/points/changes/", range=preset)
    start, end = (date.fromisoformat(changes["range"][k]) for k in ("start", "end"))
    rows_seen = 0

    def row_of(figure: str, client: object) -> str:
        return f"{figure} / {names[int(str(client))]}"

    def entries_are(
        figure: str, exact: dict[int, list[Decimal]], surface: str, counts: Mapping[int, int]
    ) -> None:
        wanted = {c: len(p) for c, p in exact.items()}
        check.same(f"{figure} entries per client", surface, dict(counts), "ledger", wanted)

    for kind in POINT_KINDS:
        figure = f"{partner.name} / {kind} {start}–{end}"
        exact = ledger_rows(partner, kind, start, end)
        rows_shown = sum((figures.shown(abs(sum(p))) for p in exact.values()), ZERO)
        check.exact(figure, "ledger, the clients' rows as shown, summed", rows_shown)
        for owner, points in exact.items():
            check.exact(row_of(figure, owner), "ledger", abs(sum(points)))
        link = dashboard.one("data-figure", kind)
        check.read(figure, "dashboard D3", link.text())
        asked = parse_qs(urlsplit(link.attrs["href"]).query)
        days = [asked["start"][0], asked["end"][0]]
        check.same(f"{kind} days", "dashboard D3 link", days, "API", [str(start), str(end)])
        check.read(figure, "API point changes", changes[kind], PLAIN)

        # The dialog, as htmx asks for it and as a page of its own.
        for surface, extra in (("dialog", {"HTTP_HX_REQUEST": "1"}), ("dialog page", {})):
            dialog = Page.get(http, f"{kind} {surface}", link.attrs["href"], **extra)
            rows = dialog.table("data-client")
            total = dialog.sentence(" · total ").split(" · total ")[1].removesuffix(" points")
            check.read(figure, f"{surface}, its total", total)
            parts = {r["Client"]: r["Points"] for r in rows.values()}
            check.adds_up(f"{kind} {surface}", "total", total, parts)
            for client_id, row in rows.items():
                check.read(row_of(figure, client_id), surface, row["Points"])
            entries_are(
                figure, exact, surface, {int(c): int(r["Ledger entries"]) for c, r in rows.items()}
            )
            rows_seen += len(rows)

        # The API's rows behind the figure, and their exports.
        surface = f"API {kind} rows"
        api_rows = api_pages(api, surface, f"{API}/points/changes/{kind}/?range={preset}")
        parts = {r["client_name"]: r["points"] for r in api_rows}
        check.adds_up(surface, "the API's figure", changes[kind], parts)
        for row in api_rows:
            check.read(row_of(figure, row["client"]), surface, row["points"], PLAIN)
        entries_are(figure, exact, surface, {r["client"]: r["entries"] for r in api_rows})
        for fmt in ("csv", "xlsx"):
            surface = f"API {kind} rows {fmt.upper()}"
            response = api.get(f"{API}/points/changes/{kind}/", {"range": preset, "format": fmt})
            exported = download(response, surface, fmt)
            for row in exported:
                check.read(row_of(figure, row["Client ID"]), surface, row["Value"], style_of(fmt))
            entries_are(
                figure, exact, surface, {int(r["Client ID"]): int(r["Entries"]) for r in exported}
            )

        # The dialog's unsummarized export: one row per ledger entry, posted from its form.
        [form] = dialog.root.all("data-action", "export", tag="form")
        fields = {
            node.attrs["name"]: node.attrs.get("value", "")
            for node in form.all(tag="input")
            if node.attrs.get("type") == "hidden" and node.attrs["name"] != "csrfmiddlewaretoken"
        }
        for fmt in ("csv", "xlsx"):
            surface = f"{kind} dialog's unsummarized {fmt.upper()}"
            response = http.post(form.attrs["action"], {**fields, "name": kind, "format": fmt})
            per_client: dict[int, list[Decimal]] = defaultdict(list)
            for entry in download(response, surface, fmt):
                exact_entry = Decimal(str(entry["Exact points"]))
                what = f"{figure} / entry {entry['Entry ID']}"
                check.exact(what, f"{surface}, its Exact points", exact_entry)
                check.read(what, surface, entry["Points"], style_of(fmt))
                per_client[int(entry["Client ID"])].append(exact_entry)
            entries_are(figure, exact, surface, {c: len(p) for c, p in per_client.items()})
            for owner, points in per_client.items():
                check.exact(
                    row_of(figure, owner), f"{surface}, Exact points summed", abs(sum(points))
                )
    assert rows_seen, f"{partner.name}: no point changes over {preset}"
    check.check(minimum=20)


# --- what the explain pages are made of -----------------------------------------------------


@pytest.mark.parametrize("key", PARTNERS)
def test_an_explain_pages_total_is_the_sum_of_its_rows_as_shown(world: World, key: str) -> None:
    """§8a: a total shown beside its rows is the sum of the rows as shown. The sourced explain
    page lists each deal's US$ MRR under the rolling 12-month sourced MRR; the C$R page of a
    month (each of the 12) lists each client's start MRR beside the month's start and
    still-paying MRR."""
    member = world.members[key]
    partner, http = member.partner, member.http
    check = Agreement()
    url = reverse("partners:dashboard-explain", args=["sourced"])
    sourced = Page.get(http, "sourced explain page", url)
    check.adds_up(
        "sourced explain page",
        "the rolling 12-month sourced MRR",
        sourced.figure("sourced-mrr-12m"),
        {row["Deal"]: row["MRR (US$)"] for row in sourced.table("data-deal").values()},
    )
    stored = AccountMetrics.objects.get(partner=partner, on=world.today)
    csr_url = reverse("partners:dashboard-explain", args=["csr"])
    for data in stored.csr_months:
        if not data["clients"]:
            continue
        month = data["month"][:7]
        surface = f"C$R explain page for {month}"
        page = Page.get(http, surface, f"{csr_url}?month={month}")
        clients = page.table("data-client", page.one("id", "month-clients")).values()
        row = page.table("data-month")[month]
        start = {r["Client"]: r["MRR at the start (US$)"] for r in clients}
        kept = {
            r["Client"]: r["MRR at the start (US$)"]
            for r in clients
            if r["Next month"] != "churned"
        }
        check.adds_up(surface, "the month's start MRR", row["MRR at the start (US$)"], start)
        check.adds_up(surface, "the MRR still paying", row["Still paying next month (US$)"], kept)
    problems = check.problems()
    assert not problems, f"{len(problems)} disagreement(s):\n" + "\n".join(problems)
