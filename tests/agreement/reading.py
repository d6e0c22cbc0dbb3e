"""Reading figures off every surface and checking that the readings agree.

Pages are parsed with ``html.parser`` through the ``data-*`` attributes the templates carry
(``data-figure``, ``data-client``, ``data-partner``, ``data-month``, ``data-deal``,
``data-entry`` ...) and the column headers of their tables; the API is read as JSON and
exports are read back with ``csv`` and openpyxl. An ``Agreement`` records each reading under
the figure it shows beside a reference computed from the ledger or the stored metrics, and
lists every disagreement: the figure and what each surface showed, or the total and the parts
shown beside it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any

from django.test import Client as HttpClient
from openpyxl import load_workbook
from rest_framework.test import APIClient

from core import figures

API = "/api/v1"
CENT = Decimal("0.01")
ZERO = Decimal(0)
POINT_KINDS = ("new_sold", "lost_sold", "new_managed", "lost_managed")
TRACKS = ("sold", "managed")

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
