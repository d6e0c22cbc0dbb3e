"""One figure, one value (PROGRAM.md §8a): a client's points and a partner's points, read off
every surface that shows them.

Each test reads every surface that shows one family of figures for each partner of
``world.py``, and fails listing every disagreement (``reading.Agreement``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from clients.models import AccountMetrics, Client
from core import figures
from partners.services import beta_opt_in
from points.models import LedgerEntry
from tests.agreement.reading import (
    API,
    NUMBER,
    PAGE,
    PLAIN,
    TRACKS,
    ZERO,
    Agreement,
    Page,
    api_json,
    api_pages,
    download,
    html_pages,
    number,
    numbers_in,
    style_of,
)
from tests.agreement.world import PARTNERS, World, exact_points
from tests.tierpage.helpers import tier_points_feature

pytestmark = pytest.mark.django_db


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
