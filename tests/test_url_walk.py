"""Tenant isolation, exhaustively: every URL pattern of the project, for every persona, with
object ids belonging to Acme and to Globex.

For each pattern the walk asserts: anonymous users are sent to log in (pages) or answered 401
(API); a signed-in user without a partner (staff) is refused; a member of the other partner
gets 404 for the object; a standard user cannot reach a super admin's action; the owner gets
the page, partial, export or action, and nothing it receives names the other partner's rows.

``ROUTES`` (tests/tenancy/routes.py) must name every pattern that ``django.urls`` resolves
outside Django admin (which has its own staff-only tests): a new page that is not added there
fails ``test_every_url_pattern_is_walked``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from commissions.models import CommissionPayment
from commissions.periods import previous_month
from commissions.services import commissions_accrue
from partners.models import BetaFeature
from partners.services import beta_opt_in_everyone
from recompute.services import points_recompute
from tests.conftest import Personas
from tests.tenancy.checks import check_route, route_checks
from tests.tenancy.routes import ROUTES, Route
from tests.tenancy.world import PERSONAS, World, partner_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas: Personas) -> World:
    owned = {
        "acme": partner_data(personas, "acme", "Zephyr", "bob@acme.test"),
        "globex": partner_data(personas, "globex", "Quokka", "dave@globex.test"),
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
    assert missing == [], f"add these URL patterns to ROUTES in tests/tenancy/routes.py: {missing}"


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


def test_the_walk_covers_every_persona_and_object() -> None:
    owned_routes = sum(1 for route in ROUTES if route.owned)
    checks = sum(len(route_checks(route)) for route in ROUTES)
    assert checks == len(PERSONAS) * (len(ROUTES) + owned_routes)


@pytest.mark.parametrize(
    "route", ROUTES, ids=[f"{r.method.upper()} {r.name}{r.query}" for r in ROUTES]
)
def test_walk(world: World, route: Route) -> None:
    problems = [
        problem
        for persona, owner in route_checks(route)
        for problem in check_route(world, route, persona, owner)
    ]
    assert problems == []
