"""Every URL pattern of the project as a concrete path, for the tests that must cover them all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter
from django.urls.resolvers import RegexPattern, RoutePattern

SAMPLES = {
    IntConverter: "1",
    SlugConverter: "sample",
    StringConverter: "sample",
    PathConverter: "x",
}
_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*(?:\([^()]*\)[^()]*)*)\)")


@dataclass(frozen=True)
class Route:
    path: str
    name: str
    callback: object


def _regex_sample(regex: str) -> str:
    """A path matching a regex route: named groups filled with a value their pattern accepts."""

    def fill(match: re.Match[str]) -> str:
        body = match.group("body")
        if body.startswith(r"\d{4}-\d{2}"):
            return "2026-01"
        if body.startswith(r"\d"):
            return "1"
        return "sample"

    text = _GROUP.sub(fill, regex).lstrip("^").rstrip("$").replace(r"\Z", "")
    text = re.sub(r"\(\?:([^()|]*)\)\??", r"\1", text)
    return text.replace("\\", "")


def _piece(pattern: object) -> str:
    if isinstance(pattern, RoutePattern):
        route = str(pattern._route)
        for name, converter in pattern.converters.items():
            route = re.sub(rf"<(?:\w+:)?{name}>", SAMPLES.get(type(converter), "1"), route)
        return route
    assert isinstance(pattern, RegexPattern)
    return _regex_sample(pattern._regex)


def routes(resolver: URLResolver | None = None, prefix: str = "/") -> Iterator[Route]:
    """Every leaf pattern of the URLconf, as a path with sample arguments."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        piece = _piece(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routes(entry, prefix + piece)
        elif isinstance(entry, URLPattern):
            yield Route(prefix + piece, entry.name or "", entry.callback)
