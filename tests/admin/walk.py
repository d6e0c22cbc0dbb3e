"""The admin permission walk: what each admin route answers to each staff user, the routes from
the URL resolver, the requests sent to each and what they must answer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from auditlog.models import LogEntry as AuditLogEntry
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Model
from django.http.response import HttpResponseBase
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from partners.models import Partner
from tests.admin.world import World, url_of

PERSONAS = ("none", "viewer")
NEW_PASSWORD = "walked-Password-2026"


# --- what each admin route answers ----------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """The (GET, POST) status codes of a route for the staff user without permissions and for
    the one who may only view."""

    none: tuple[int, int]
    viewer: tuple[int, int]


REFUSED = Expect(none=(403, 403), viewer=(403, 403))
READ = Expect(none=(403, 403), viewer=(200, 200))

EXPECTED: dict[str, Expect] = {
    # The admin site's own pages, the same for every staff user.
    "index": Expect((200, 200), (200, 200)),
    "login": Expect((302, 200), (302, 200)),  # signed in: on to the index; a POST: a bad login
    "logout": Expect((405, 302), (405, 302)),  # walked last: the POST signs out
    "password_change": Expect((200, 200), (200, 200)),  # the empty POST: the form's errors
    "password_change_done": Expect((200, 405), (200, 405)),
    "jsi18n": Expect((200, 405), (200, 405)),
    # Site-wide pages that show rows or follow links to them.
    "autocomplete": Expect((403, 405), (200, 405)),  # the GET: every autocomplete field
    "app_list": Expect((404, 404), (200, 200)),  # Django: an app with nothing to show is a 404
    "view_on_site": Expect((404, 404), (404, 404)),  # no registered model has a public page
    "catch_all": Expect((301, 301), (301, 301)),  # ``.../partner`` gains its slash
    # Every model admin's pages.
    "changelist": Expect((403, 403), (200, 403)),  # the POST: each action (see expected_status)
    "add": REFUSED,
    "change": Expect((403, 403), (200, 403)),
    "delete": REFUSED,
    "history": READ,
    "object": Expect((302, 302), (302, 302)),  # ``<id>/`` redirects to the change page
    "import": REFUSED,
    "process_import": REFUSED,
    "export": READ,
    # The custom admin pages.
    "auth_user_password_change": REFUSED,
    "partners_partner_recompute_all": REFUSED,
    "program_rule_change": READ,  # the preview reads; publishing is the next route
    "program_rule_publish": REFUSED,
    "points_ledgerentry_adjust": REFUSED,
    "tiers_tierreview_run": REFUSED,
}
MODEL_VIEWS = {
    "changelist",
    "add",
    "change",
    "delete",
    "history",
    "import",
    "process_import",
    "export",
}
#: What the walk leaves out of the "writes nothing" check: signing out ends the session.
MAY_WRITE = {"logout"}
#: Actions whose superuser POST must write, for the liveness test (the others may find nothing
#: to do: Django's "delete selected" is refused for protected rows, Celery beat's "run" finds no
#: such task, axes finds no expired attempt).
LIVE_ACTIONS = {"recompute_now", "mark_paid_today", "enable_tasks", "disable_tasks"}
LIVE_KINDS = {
    "process_import",
    "auth_user_password_change",
    "partners_partner_recompute_all",
    "program_rule_publish",
    "points_ledgerentry_adjust",
    "tiers_tierreview_run",
}


# --- the routes, from the URL resolver ------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern of the admin site, with the model whose admin serves it (if any)."""

    name: str
    pattern: str
    model: type[Model] | None

    @property
    def kind(self) -> str:
        """The key of the route in ``EXPECTED``: a site page's name, the view of a model admin
        (``change``), ``object`` for its ``<id>/`` redirect, or a custom page's full name."""
        if self.model is None:
            return self.name or "catch_all"
        if not self.name:
            return "object"
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}_"
        view = self.name.removeprefix(prefix)
        return view if self.name.startswith(prefix) and view in MODEL_VIEWS else self.name


def admin_routes() -> list[Route]:
    """Every URL pattern under the ``admin`` namespace; logout comes last."""
    root = next(
        entry
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver) and entry.namespace == "admin"
    )
    models = {f"{m._meta.app_label}/{m._meta.model_name}/": m for m in admin.site._registry}
    routes: list[Route] = []
    for entry in root.url_patterns:
        if isinstance(entry, URLResolver):
            model = models[str(entry.pattern)]
            for leaf in entry.url_patterns:
                assert isinstance(leaf, URLPattern), f"nested include under {entry.pattern}"
                routes.append(Route(leaf.name or "", f"{entry.pattern}{leaf.pattern}", model))
        else:
            assert isinstance(entry, URLPattern)
            routes.append(Route(entry.name or "", str(entry.pattern), None))
    return sorted(routes, key=lambda route: route.kind == "logout")


# --- the requests of each route ---------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """One request of the walk."""

    method: str
    url: str
    data: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def __str__(self) -> str:
        return f"{self.method} {self.url}" + (f" ({self.note})" if self.note else "")


def _site_visits(kind: str, world: World) -> Iterator[Visit]:
    """The requests of a site-wide admin route."""
    if kind == "autocomplete":
        url = reverse("admin:autocomplete")
        for model, model_admin in admin.site._registry.items():
            for name in model_admin.autocomplete_fields:
                query = {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": name,
                }
                yield Visit("GET", f"{url}?{urlencode(query)}", note=f"{model.__name__}.{name}")
        yield Visit("POST", url)
    elif kind == "app_list":
        for label in sorted({m._meta.app_label for m in admin.site._registry}):
            url = reverse("admin:app_list", kwargs={"app_label": label})
            yield from (Visit("GET", url), Visit("POST", url))
    elif kind == "view_on_site":
        for model in admin.site._registry:
            content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
            url = reverse("admin:view_on_site", args=[content_type.pk, world.pk(model)])
            yield from (Visit("GET", url), Visit("POST", url))
    elif kind == "catch_all":
        url = url_of(Partner, "changelist").rstrip("/")
        yield from (Visit("GET", url), Visit("POST", url))
    else:
        url = reverse(f"admin:{kind}")
        yield from (Visit("GET", url), Visit("POST", url))


def _model_visits(route: Route, world: World) -> Iterator[Visit]:
    """The requests of a model admin's route, each POST one that would write if let through."""
    assert route.model is not None
    model, kind = route.model, route.kind
    pk = world.pk(model)
    if kind == "changelist":
        url = url_of(model, "changelist")
        yield Visit("GET", url)
        for action in world.actions[model]:
            form = {"action": action, "index": "0", "select_across": "0", "post": "yes"}
            yield Visit("POST", url, {**form, "_selected_action": [pk]}, note=action)
        return
    if kind == "object":
        url = f"{url_of(model, 'changelist')}{pk}/"
    elif kind in ("change", "delete", "history", "auth_user_password_change"):
        url = reverse(f"admin:{route.name}", args=[pk])
    else:
        url = reverse(f"admin:{route.name}")
    yield Visit("GET", url + _GET_QUERY.get(kind, "").format(day=world.day))
    yield Visit("POST", url, _post_data(kind, model, world))


_GET_QUERY = {"program_rule_change": "?on={day}", "tiers_tierreview_run": "?on={day}"}


def _post_data(kind: str, model: type[Model], world: World) -> dict[str, Any]:
    """What a route's POST sends: what its own form would send to make it write."""
    if kind == "import":
        upload = SimpleUploadedFile("walk.csv", world.new_rows[model])
        return {"resource": "0", "format": "0", "import_file": upload}
    if kind == "process_import":
        return world.confirmations[model]
    if kind == "export":
        return world.export_forms[model]
    if kind == "delete":
        return {"post": "yes"}
    if kind == "auth_user_password_change":
        return {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    if kind == "points_ledgerentry_adjust":
        return {
            "partner": world.personas.acme.pk,
            "client": world.client.pk,
            "track": "sold",
            "points": "5",
            "effective_on": world.day.isoformat(),
            "reason": "Walked",
        }
    if kind == "tiers_tierreview_run":
        return {"on": world.day.isoformat()}
    return {}


def visits(route: Route, world: World) -> Iterator[Visit]:
    """Every request the walk sends for ``route``."""
    if route.model is None:
        yield from _site_visits(route.kind, world)
    else:
        yield from _model_visits(route, world)


# --- sending them -----------------------------------------------------------------------------

_WRITE = re.compile(
    r"""^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+["`]?(\w+)""",
    re.IGNORECASE,
)


def send(http: HttpClient, visit: Visit) -> tuple[HttpResponseBase, set[str]]:
    """Send ``visit``; the response and the tables it wrote, other than the session's."""
    with CaptureQueriesContext(connection) as queries:
        if visit.method == "GET":
            response = http.get(visit.url)
        else:
            response = http.post(visit.url, visit.data)
    written = {m.group(1) for q in queries.captured_queries if (m := _WRITE.match(q["sql"]))}
    return response, written - {"django_session"}


def is_file(response: HttpResponseBase) -> bool:
    """Whether ``response`` is a download (an export), not a page."""
    return str(response.get("Content-Disposition", "")).startswith("attachment")


def row_counts() -> dict[str, int]:
    """The number of rows of every registered model and of the admin's change log."""
    models = [*admin.site._registry, LogEntry]
    return {model._meta.label: model._default_manager.count() for model in models}


def expected_status(route: Route, visit: Visit, persona: str) -> int:
    """What ``visit`` of ``route`` must answer to ``persona``, from ``EXPECTED``: a list without
    any actions (the read-only ones) answers an action's POST with the list itself, as Django
    does, when the user may see the list; the audit log, append-only, refuses it (405)."""
    get_status, post_status = getattr(EXPECTED[route.kind], persona)
    if visit.method == "GET":
        return get_status
    lists = route.kind == "changelist" and route.model is not None and persona == "viewer"
    if lists and route.model is AuditLogEntry:
        return 405
    if lists and admin.site.get_model_admin(route.model).actions is None:
        return 200
    return post_status


def walk(world: World, persona: str) -> tuple[int, list[str]]:
    """Every visit of every admin route as ``persona``: how many, and what went wrong."""
    http = world.http(persona)
    problems: list[str] = []
    sent = 0
    for route in admin_routes():
        for visit in visits(route, world):
            response, written = send(http, visit)
            sent += 1
            expected = expected_status(route, visit, persona)
            if response.status_code != expected:
                problems.append(f"{visit}: {response.status_code}, expected {expected}")
            elif (route.kind, visit.method, expected) == ("export", "POST", 200):
                if not is_file(response):
                    problems.append(f"{visit}: a page, expected the exported file")
            elif is_file(response):
                problems.append(f"{visit}: a file")
            if written and route.kind not in MAY_WRITE:
                problems.append(f"{visit} wrote to {sorted(written)}")
    if http.get(reverse("admin:index")).status_code != 302:
        problems.append("still signed in after the logout")
    return sent, problems
