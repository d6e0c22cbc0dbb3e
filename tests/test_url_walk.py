"""Tenant isolation, exhaustively: every URL pattern of the project, for every persona, with
object ids belonging to Acme and to Globex.

For each pattern the walk asserts: anonymous users are sent to log in (pages) or answered 401
(API); a signed-in user without a partner (staff) is refused; a member of the other partner
gets 404 for the object; a standard user cannot reach a super admin's action; the owner gets
the page, partial, export or action, and nothing it receives names the other partner's rows.

``ROUTES`` must name every pattern that ``django.urls`` resolves outside Django admin (which
has its own staff-only tests): a new page that is not added here fails
``test_every_url_pattern_is_walked``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.http.response import HttpResponseBase
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from clients.models import SavedReport, StaticList, StaticListMember
from commissions.models import CommissionPayment
from commissions.services import commissions_accrue, previous_month
from partners.models import BetaFeature, Invitation, Membership
from partners.services import (
    api_token_create,
    beta_opt_in_everyone,
    invitation_create,
    invitation_token,
)
from recompute.services import points_recompute
from tests.conftest import Personas
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    ClientFactory,
    DealFactory,
    MembershipFactory,
    MrrFactory,
    RenewalFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "alice", "bob", "carol", "staff")
MEMBERS = {"alice": "acme", "bob": "acme", "carol": "globex", "dave": "globex"}
#: Words that appear only in one partner's rows: none may reach the other partner.
MARKERS = {
    "acme": ("Zephyr", "zephyr-acme", "Acme Secret", "bob@acme.test", "alice@acme.test"),
    "globex": ("Quokka", "quokka-globex", "Globex Secret", "dave@globex.test"),
}
OTHER = {"acme": "globex", "globex": "acme"}
#: Who may act on an object: any member of its partner, only the super admin who made it, or
#: (a delete of a list or saved report) the member who made it and the partner's super admins.
#: The walk's lists and reports have no maker, so only the super admins may delete them.
OWNERS: dict[str, dict[str, tuple[str, ...]]] = {
    "partner": {"acme": ("alice", "bob"), "globex": ("carol",)},
    "admin": {"acme": ("alice",), "globex": ("carol",)},
    "creator": {"acme": ("alice",), "globex": ("carol",)},
}
#: The answer of a member of the object's partner who is not among its owners: an object of
#: "admin" is not shown to the others at all, one of "creator" is shown but may not be deleted.
REFUSED = {"partner": "404", "admin": "404", "creator": "403"}


# --- the two partners' data ---------------------------------------------------------------------


@dataclass
class Owned:
    """One partner's objects, by the URL parameter they fill."""

    client: int
    static_list: int
    report: int
    payment: int
    membership: int  # a standard user's membership (the team actions' target)
    token: int  # the super admin's API token
    token_key: str
    invitation: int  # an open invitation to the partner
    invitation_token: str


@dataclass
class World:
    personas: Personas
    owned: dict[str, Owned]
    month: str  # a statement month both partners have lines in
    keys: dict[str, str] = field(default_factory=dict)  # persona -> API token key


def _partner_data(personas: Personas, name: str, word: str, user_email: str) -> Owned:
    partner = getattr(personas, name)
    today = timezone.localdate()
    client = ClientFactory(name=f"{word} Client", domain=f"{word.lower()}-{name}.example")
    MrrFactory(client=client, date=today - timedelta(days=400), mrr=Decimal("2000"))
    DealFactory(
        partner=partner,
        client=client,
        name=f"{word} Deal",
        closed_on=today - timedelta(days=120),
        created_on=today - timedelta(days=150),
    )
    AssignmentFactory(partner=partner, client=client, start=today - timedelta(days=100))
    RenewalFactory(client=client, date=today + timedelta(days=30))
    static_list = StaticList.objects.create(partner=partner, name=f"{name.title()} Secret List")
    StaticListMember.objects.create(list=static_list, client=client)
    report = SavedReport.objects.create(
        partner=partner,
        name=f"{name.title()} Secret Report",
        kind=SavedReport.Kind.NEW_SOLD,
        range_preset="last_12_months",
        start=today - timedelta(days=364),
        end=today,
    )
    member = (
        MembershipFactory(partner=partner, user__email=user_email)
        if name == "globex"
        else personas.bob
    )
    admin = personas.alice if name == "acme" else personas.carol
    token, key = api_token_create(user=admin.user, name=f"{word} token")
    invitation = invitation_create(
        partner=partner, by=admin.user, email=f"{word.lower()}-invitee@example.test", role="user"
    )
    # sent an hour ago, so that a resend is due
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    return Owned(
        client=client.pk,
        static_list=static_list.pk,
        report=report.pk,
        payment=0,
        membership=member.pk,
        token=token.pk,
        token_key=key,
        invitation=invitation.pk,
        invitation_token=invitation_token(invitation),
    )


@pytest.fixture
def world(personas: Personas) -> World:
    owned = {
        "acme": _partner_data(personas, "acme", "Zephyr", "bob@acme.test"),
        "globex": _partner_data(personas, "globex", "Quokka", "dave@globex.test"),
    }
    today = timezone.localdate()
    points_recompute(on=today)
    tier_points = BetaFeature.objects.get(key="tier-points")
    for admin in (personas.alice, personas.carol):
        beta_opt_in_everyone(
            partner=admin.partner, by=admin.user, feature=tier_points, terms_accepted=True
        )
    last_month = previous_month(today)
    commissions_accrue(month=last_month, restate_months=3)
    for name, data in owned.items():
        data.payment = CommissionPayment.objects.filter(partner=getattr(personas, name)).first().pk
    return World(
        personas=personas,
        owned=owned,
        month=f"{last_month:%Y-%m}",
        keys={"alice": owned["acme"].token_key, "carol": owned["globex"].token_key},
    )


# --- the routes ---------------------------------------------------------------------------------

Kwargs = Callable[[World, str], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    """How to call one URL pattern and what its callers may get.

    ``kind``: "page" (HTML, partials and downloads behind the login), "api" (DRF: 401 without
    credentials), "account" (any signed-in user), "public".
    ``owned``: the pattern takes an object of one partner (walked with Acme's and Globex's).
    ``owner``: who owns the object: "partner" (every member), "admin" (the super admin's own,
    such as an API token) or "creator" (its maker and the super admins, as for deleting a list
    or a saved report).
    """

    name: str
    kind: str = "page"
    method: str = "get"
    kwargs: Kwargs | None = None
    owned: bool = False
    owner: str = "partner"
    super_admin: bool = False
    data: Callable[[World, str], dict[str, Any]] | None = None
    query: str = ""
    json_body: dict[str, Any] | Callable[[World, str], dict[str, Any]] | None = None
    ok: tuple[int, ...] = (200,)
    htmx: bool = False
    shows_own: bool = False  # the owner's answer names its own rows (the check is not vacuous)


def _id(attribute: str, parameter: str) -> Kwargs:
    return lambda world, owner: {parameter: getattr(world.owned[owner], attribute)}


def _report_post(world: World, owner: str) -> dict[str, Any]:
    return {"kind": "new_sold", "range": "last_12_months"}


SUCCESS_POST = (200, 204, 302)
CALCULATOR_POINTS = {
    "sold_amount": "1000",
    "currency": "USD",
    "market": "BR",
    "deal_type": "sourced",
    "will_manage": False,
    "other_managers": 0,
}
CALCULATOR_CURRENCY = {
    "direction": "points_to_currency",
    "market": "BR",
    "currency": "USD",
    "sold_points": "100",
    "managed_points": "20",
}

ROUTES: list[Route] = [
    Route("home", kind="public", ok=(302,)),
    Route("login", kind="public", ok=(200, 302)),
    Route("logout", kind="public", method="post", ok=(200, 302)),
    Route("password_change", kind="account"),
    Route("password_change_done", kind="account"),
    Route("password_reset", kind="public"),
    Route("password_reset_done", kind="public"),
    Route(
        "password_reset_confirm",
        kind="public",
        kwargs=lambda world, owner: {"uidb64": "MQ", "token": "set-password"},
    ),
    Route("password_reset_complete", kind="public"),
    # Anyone may open an invitation's link; a signed-in account other than the invited one is
    # refused (403), and nothing is written before the invitee accepts.
    Route(
        "invitation-accept",
        kind="public",
        kwargs=lambda world, owner: {"token": world.owned[owner].invitation_token},
        ok=(200, 403),
    ),
    Route("healthz", kind="public", ok=(200, 503)),
    # Partner > Dashboard (D1-D7) and its partials
    Route("partners:dashboard"),
    Route("partners:dashboard-team"),
    Route("partners:dashboard-progression", query="?get_to=platinum", htmx=True),
    Route("partners:dashboard-point-changes", query="?d3-range=last_12_months", htmx=True),
    Route("partners:dashboard-shared-selling", query="?d4-range=last_12_months", htmx=True),
    Route("partners:dashboard-renewals", htmx=True, shows_own=True),
    Route(
        "partners:dashboard-report",
        query="?kind=new_sold&range=last_12_months",
        shows_own=True,
    ),
    Route("partners:dashboard-explain", kwargs=lambda world, owner: {"figure": "sourced"}),
    # Settings (S1-S3)
    Route("partners:settings"),
    Route("partners:settings-beta"),
    Route("partners:settings-beta-feature", kwargs=lambda world, owner: {"key": "tier-points"}),
    Route("partners:settings-team", super_admin=True, shows_own=True),
    Route(
        "partners:settings-team-role",
        method="post",
        kwargs=_id("membership", "membership_id"),
        owned=True,
        super_admin=True,
        data=lambda world, owner: {"role": Membership.Role.SUPER_ADMIN},
        ok=SUCCESS_POST,
    ),
    Route(
        "partners:settings-invitation-resend",
        method="post",
        kwargs=_id("invitation", "invitation_id"),
        owned=True,
        super_admin=True,
        ok=SUCCESS_POST,
    ),
    Route(
        "partners:settings-invitation-revoke",
        method="post",
        kwargs=_id("invitation", "invitation_id"),
        owned=True,
        super_admin=True,
        ok=SUCCESS_POST,
    ),
    Route(
        "partners:settings-team-remove",
        method="post",
        kwargs=_id("membership", "membership_id"),
        owned=True,
        super_admin=True,
        ok=SUCCESS_POST,
    ),
    Route("partners:settings-api-tokens"),
    Route(
        "partners:settings-api-token-revoke",
        method="post",
        kwargs=_id("token", "token_id"),
        owned=True,
        owner="admin",
        ok=SUCCESS_POST,
    ),
    # Partner > Tier (T1-T8)
    Route("tiers:tier"),
    Route("tiers:breakdown", query="?sort=-combined", shows_own=True),
    Route("tiers:breakdown", query="?format=csv", shows_own=True),
    Route("tiers:client", kwargs=_id("client", "client_id"), owned=True, shows_own=True),
    Route("tiers:calculator"),
    # Clients (C1-C3)
    Route("clients:list", shows_own=True),
    Route("clients:record", kwargs=_id("client", "client_id"), owned=True, shows_own=True),
    Route("lists:lists", shows_own=True),
    Route(
        "lists:list-add",
        method="post",
        data=lambda world, owner: {**_report_post(world, owner), "new_list_name": "Fresh list"},
        ok=SUCCESS_POST,
    ),
    Route("lists:list-detail", kwargs=_id("static_list", "list_id"), owned=True, shows_own=True),
    Route(
        "lists:list-rename",
        method="post",
        kwargs=_id("static_list", "list_id"),
        owned=True,
        data=lambda world, owner: {"name": "Renamed list"},
        ok=SUCCESS_POST,
    ),
    Route(
        "lists:list-delete",
        method="post",
        kwargs=_id("static_list", "list_id"),
        owned=True,
        owner="creator",
        ok=SUCCESS_POST,
    ),
    Route(
        "lists:list-remove",
        method="post",
        kwargs=_id("static_list", "list_id"),
        owned=True,
        data=lambda world, owner: {"client": world.owned[owner].client},
        ok=SUCCESS_POST,
    ),
    Route(
        "lists:list-export",
        kwargs=_id("static_list", "list_id"),
        owned=True,
        query="?name=rows&format=csv",
        shows_own=True,
    ),
    Route("lists:reports", shows_own=True),
    Route(
        "lists:report-export",
        method="post",
        data=lambda world, owner: {**_report_post(world, owner), "name": "rows", "format": "csv"},
        shows_own=True,
    ),
    Route(
        "lists:report-save",
        method="post",
        data=lambda world, owner: {**_report_post(world, owner), "name": "Saved again"},
        ok=SUCCESS_POST,
    ),
    Route("lists:report-detail", kwargs=_id("report", "report_id"), owned=True, shows_own=True),
    Route(
        "lists:report-rename",
        method="post",
        kwargs=_id("report", "report_id"),
        owned=True,
        data=lambda world, owner: {"name": "Renamed report"},
        ok=SUCCESS_POST,
    ),
    Route(
        "lists:report-delete",
        method="post",
        kwargs=_id("report", "report_id"),
        owned=True,
        owner="creator",
        ok=SUCCESS_POST,
    ),
    # Commissions (C4)
    Route("commissions:statements"),
    Route("commissions:statements_export", query="?format=csv", shows_own=True),
    Route(
        "commissions:statement",
        kwargs=lambda world, owner: {"month": world.month},
        shows_own=True,
    ),
    Route("commissions:payments"),
    Route("commissions:payment", kwargs=_id("payment", "pk"), owned=True),
    # API: reads
    Route("api-me", kind="api"),
    Route("api-tier-standing", kind="api"),
    Route("api-tier-insights", kind="api", query="?target=platinum"),
    Route("api-tier-breakdown", kind="api", query="?sort=-combined", shows_own=True),
    Route("api-tier-breakdown", kind="api", query="?format=csv", shows_own=True),
    Route("api-tier-breakdown", kind="api", query="?format=xlsx"),
    Route("api-points-history", kind="api"),
    Route("api-point-changes", kind="api", query="?range=last_12_months"),
    Route(
        "api-point-change-rows",
        kind="api",
        kwargs=lambda world, owner: {"kind": "new_sold"},
        query="?range=last_12_months",
        shows_own=True,
    ),
    Route("api-ledger", kind="api", query="?format=csv", shows_own=True),
    Route("api-ledger", kind="api", query="?track=sold"),
    Route("api-clients", kind="api", shows_own=True),
    Route("api-client", kind="api", kwargs=_id("client", "client_id"), owned=True, shows_own=True),
    Route("api-client-points", kind="api", kwargs=_id("client", "client_id"), owned=True),
    Route("api-deals", kind="api", shows_own=True),
    Route("api-deals", kind="api", query="?format=csv", shows_own=True),
    Route("api-renewals", kind="api", shows_own=True),
    Route("api-commission-lines", kind="api", shows_own=True),
    Route("api-commission-payments", kind="api"),
    Route("api-lists", kind="api", shows_own=True),
    Route("api-list", kind="api", kwargs=_id("static_list", "list_id"), owned=True, shows_own=True),
    Route(
        "api-list-clients",
        kind="api",
        kwargs=_id("static_list", "list_id"),
        owned=True,
        shows_own=True,
    ),
    Route("api-reports", kind="api", shows_own=True),
    Route("api-report", kind="api", kwargs=_id("report", "report_id"), owned=True, shows_own=True),
    Route(
        "api-report-run",
        kind="api",
        kwargs=_id("report", "report_id"),
        owned=True,
        shows_own=True,
    ),
    # API: writes
    Route(
        "api-lists",
        kind="api",
        method="post",
        json_body=lambda world, owner: {
            "name": "Fresh list",
            "client_ids": [world.owned[owner].client],
        },
        ok=(201,),
    ),
    Route(
        "api-list",
        kind="api",
        method="patch",
        kwargs=_id("static_list", "list_id"),
        owned=True,
        json_body={"name": "Renamed list"},
    ),
    Route(
        "api-list",
        kind="api",
        method="delete",
        kwargs=_id("static_list", "list_id"),
        owned=True,
        owner="creator",
        ok=(204,),
    ),
    Route(
        "api-list-clients",
        kind="api",
        method="post",
        kwargs=_id("static_list", "list_id"),
        owned=True,
        json_body=lambda world, owner: {"client_ids": [world.owned[owner].client]},
    ),
    Route(
        "api-list-client",
        kind="api",
        method="delete",
        kwargs=lambda world, owner: {
            "list_id": world.owned[owner].static_list,
            "client_id": world.owned[owner].client,
        },
        owned=True,
        ok=(204,),
    ),
    Route(
        "api-reports",
        kind="api",
        method="post",
        json_body={"name": "Fresh report", "kind": "new_sold", "range": "last_30_days"},
        ok=(201,),
    ),
    Route(
        "api-report",
        kind="api",
        method="patch",
        kwargs=_id("report", "report_id"),
        owned=True,
        json_body={"name": "Renamed report"},
    ),
    Route(
        "api-report",
        kind="api",
        method="delete",
        kwargs=_id("report", "report_id"),
        owned=True,
        owner="creator",
        ok=(204,),
    ),
    Route(
        "api-calculator-points",
        kind="api",
        method="post",
        json_body=CALCULATOR_POINTS,
    ),
    Route(
        "api-calculator-currency",
        kind="api",
        method="post",
        json_body=CALCULATOR_CURRENCY,
    ),
    # The schema and its docs describe the API, not any partner's data: public.
    Route("api-schema", kind="public", query="?format=json"),
    Route("api-docs", kind="public"),
]


def _patterns(resolver: URLResolver, namespace: str = "") -> Iterator[str]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = ":".join(n for n in (namespace, pattern.namespace or "") if n)
            yield from _patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_pattern_is_walked() -> None:
    walked = {route.name for route in ROUTES}
    missing = sorted(set(_patterns(get_resolver())) - walked)
    assert missing == [], f"add these URL patterns to ROUTES in {__name__}: {missing}"


def test_no_url_pattern_is_nameless() -> None:
    """A nameless pattern could not be listed in ROUTES, so none may exist outside admin."""

    def nameless(resolver: URLResolver) -> Iterator[str]:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    yield from nameless(pattern)
            elif not pattern.name:
                yield str(pattern.pattern)

    assert list(nameless(get_resolver())) == []


# --- the walk -----------------------------------------------------------------------------------


def _client_for(world: World, persona: str, route: Route) -> HttpClient:
    if route.kind == "api" and persona in world.keys:
        return HttpClient(HTTP_AUTHORIZATION=f"Token {world.keys[persona]}")
    http = HttpClient()
    if persona == "anonymous":
        return http
    if persona == "staff":
        user = UserFactory(email="staff@vendor.example", is_staff=True, is_superuser=True)
    else:
        user = getattr(world.personas, persona).user
    assert http.login(username=user.username, password=PASSWORD)
    return http


def _call(http: HttpClient, route: Route, world: World, owner: str) -> HttpResponseBase:
    kwargs = route.kwargs(world, owner) if route.kwargs else {}
    url = reverse(route.name, kwargs=kwargs) + route.query
    if route.htmx:
        http.defaults["HTTP_HX_REQUEST"] = "true"
    if route.json_body is not None:
        body = route.json_body(world, owner) if callable(route.json_body) else route.json_body
        return http.generic(
            route.method.upper(), url, json.dumps(body), content_type="application/json"
        )
    if route.method == "delete":
        return http.delete(url)
    if route.method == "post":
        return http.post(url, route.data(world, owner) if route.data else {})
    return http.get(url)


def _body(response: HttpResponseBase) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _expected(route: Route, persona: str, owner: str | None) -> str:
    """The answer ``persona`` must get: "login", "401", "403", "404" or "ok"."""
    if route.kind == "public":
        return "ok"
    if persona == "anonymous":
        return "401" if route.kind == "api" else "login"
    if route.kind == "account":
        return "ok"
    if persona == "staff":
        return "403"
    if route.super_admin and persona == "bob":
        return "403"
    if owner is not None and route.owned:
        owners = OWNERS[route.owner][owner]
        if persona not in owners:
            return REFUSED[route.owner] if MEMBERS.get(persona) == owner else "404"
    return "ok"


def _checks(route: Route) -> list[tuple[str, str | None]]:
    owners: tuple[str | None, ...] = ("acme", "globex") if route.owned else (None,)
    return [(persona, owner) for owner in owners for persona in PERSONAS]


def test_the_walk_covers_every_persona_and_object() -> None:
    owned_routes = sum(1 for route in ROUTES if route.owned)
    checks = sum(len(_checks(route)) for route in ROUTES)
    assert checks == len(PERSONAS) * (len(ROUTES) + owned_routes)


def _check(world: World, route: Route, persona: str, owner: str | None) -> list[str]:
    """What is wrong with ``persona``'s call of ``route`` (nothing when it is right)."""
    http = _client_for(world, persona, route)
    expected = _expected(route, persona, owner)
    with transaction.atomic():
        response = _call(http, route, world, owner or MEMBERS.get(persona, "acme"))
        body = _body(response)
        transaction.set_rollback(True)
    status = response.status_code
    problems = []
    if expected == "login":
        location = response.get("Location", "")
        if status != 302 or not location.startswith(reverse("login") + "?next="):
            problems.append(f"expected the login redirect, got {status} {location}")
    elif expected == "ok":
        if status not in route.ok:
            problems.append(f"expected {route.ok}, got {status}: {body[:300]}")
    elif status != int(expected):
        problems.append(f"expected {expected}, got {status}: {body[:300]}")
    member_of = MEMBERS.get(persona)
    if member_of is not None:
        leaked = [word for word in MARKERS[OTHER[member_of]] if word in body]
        if leaked:
            problems.append(f"received {OTHER[member_of]}'s rows: {leaked}")
        if expected == "ok" and route.shows_own and not any(w in body for w in MARKERS[member_of]):
            problems.append(f"does not show {member_of}'s own rows: {body[:300]}")
    return [f"{persona} ({owner or 'no'} object): {problem}" for problem in problems]


@pytest.mark.parametrize(
    "route", ROUTES, ids=[f"{r.method.upper()} {r.name}{r.query}" for r in ROUTES]
)
def test_walk(world: World, route: Route) -> None:
    problems = [
        problem
        for persona, owner in _checks(route)
        for problem in _check(world, route, persona, owner)
    ]
    assert problems == []
