"""One figure, one value (PROGRAM.md §8a): a partner's account metrics, the point-change
dialogs and what the explain pages are made of, read off every surface that shows them.

Each test reads every surface that shows one family of figures for each partner of
``world.py``, and fails listing every disagreement (``reading.Agreement``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import cast
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from clients.models import AccountMetrics, Client, Deal, MrrRecord
from core import figures
from partners.models import Partner
from points.models import LedgerEntry
from program import engine
from program.models import Track
from program.rules import rules_load
from tests.agreement.reading import (
    API,
    PLAIN,
    POINT_KINDS,
    ZERO,
    Agreement,
    Page,
    api_json,
    api_pages,
    download,
    style_of,
)
from tests.agreement.world import PARTNERS, World

pytestmark = pytest.mark.django_db


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
