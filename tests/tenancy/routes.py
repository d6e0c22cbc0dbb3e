"""Every URL pattern of the project outside Django admin, as the URL walk calls it: its kind,
method, object, owner, the data it sends and the answers it may give."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from partners.models import Membership
from tests.tenancy.world import World

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
