"""One call of the URL walk: a persona's client, the request of a route, the answer it must get
and what is wrong with the answer it got."""

from __future__ import annotations

import json

from django.db import transaction
from django.http.response import HttpResponseBase
from django.test import Client as HttpClient
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.tenancy.routes import Route
from tests.tenancy.world import MARKERS, MEMBERS, OTHER, OWNERS, PERSONAS, REFUSED, World


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


def route_checks(route: Route) -> list[tuple[str, str | None]]:
    owners: tuple[str | None, ...] = ("acme", "globex") if route.owned else (None,)
    return [(persona, owner) for owner in owners for persona in PERSONAS]


def check_route(world: World, route: Route, persona: str, owner: str | None) -> list[str]:
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
