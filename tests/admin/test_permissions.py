"""Django admin permissions, walked URL by URL: staff get only what their permissions allow.

Every route of the admin site is enumerated from the URL resolver under ``admin:`` and needs an
entry in ``EXPECTED`` (``test_every_admin_route_has_an_expectation``): a new admin page or a new
model admin fails the walk until someone decides what it answers. Each route is requested with
GET and with a POST that would write if it were let through (the changelist once per action,
sent as its action form sends it; imports with a file of new rows; confirmations with what a
superuser's dry run returned), as two staff users:

- ``none``, staff without any permission: 403 everywhere except the admin's own pages (index,
  login, logout, password change and its done page, the JavaScript translations), and Django's
  404 for an app index or a "view on site" link that shows nothing;
- ``viewer``, staff who may view every registered model: changelists, change pages, history,
  exports and the rule-change preview answer 200; adds, changes, deletes, imports, actions and
  the custom write pages answer 403 (a list without actions, as the read-only ones are,
  answers an action's POST with the list itself, as Django does).

No request of either may write: every SQL statement of each request is captured and none may
insert, update or delete outside the session table, and the rows of every registered model are
counted before and after the walk. ``test_the_refused_writes_would_write_for_a_superuser`` sends
the same write requests as a superuser, to show that they are real writes, not malformed ones.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Model
from django.http.response import HttpResponseBase
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from import_export.admin import ExportMixin, ImportMixin
from rest_framework.authtoken.models import Token

from clients.models import (
    AccountMetrics,
    Client,
    Deal,
    ManagedAssignment,
    MrrRecord,
    Renewal,
    SavedReport,
    StaticList,
    StaticListMember,
)
from commissions.models import CommissionLine, CommissionPayment, MonthEndRate
from core.admin import ActionPermissionsMixin, ProgramImportExportMixin
from partners.models import (
    ApiToken,
    BetaFeature,
    BetaOptIn,
    Invitation,
    Partner,
    PartnerManagerContact,
    UserSession,
)
from points.models import DailySnapshot, LedgerEntry
from program.models import FxRate, PointRate, RuleStatus, Tier
from recompute.models import RecomputeRun
from tests.conftest import Personas
from tests.factories import ClientFactory, DealFactory, UserFactory
from tiers.models import TierReview, TierReviewResult, TierStanding

pytestmark = pytest.mark.django_db

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


# --- one row of everything, and the users ---------------------------------------------------


def csv_bytes(rows: list[list[str]]) -> bytes:
    """``rows`` as a CSV file."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


@dataclass
class World:
    """One row of every registered model, the users, and what the write requests send."""

    personas: Personas
    users: dict[str, Any]  # none, viewer and superuser
    client: Client
    day: date
    #: per import admin: a file of rows that do not exist yet
    new_rows: dict[type[Model], bytes] = field(default_factory=dict)
    #: per import admin: the confirmation a superuser's dry run of ``new_rows`` returned
    confirmations: dict[type[Model], dict[str, str]] = field(default_factory=dict)
    #: per export admin: the export form, every field ticked, as CSV
    export_forms: dict[type[Model], dict[str, str]] = field(default_factory=dict)
    #: per model admin: the actions a superuser is offered, and Django's "delete selected"
    actions: dict[type[Model], list[str]] = field(default_factory=dict)

    def pk(self, model: type[Model]) -> str:
        """The id of the first row of ``model``, as its admin URLs take it."""
        row = model._default_manager.order_by("pk").first()
        assert row is not None, f"no {model._meta.label} row: add one to the world fixture"
        return str(row.pk)

    def http(self, persona: str) -> HttpClient:
        """An HTTP client signed in as ``persona`` (none, viewer or superuser)."""
        http = HttpClient()
        http.force_login(self.users[persona])
        return http


def _program_rows(personas: Personas, client: Client, day: date) -> None:
    """A row of every program model that the migrations do not ship."""
    tier, lower = Tier.objects.order_by("-rank")[0], Tier.objects.order_by("rank")[0]
    partner, user = personas.acme, personas.alice.user
    deal = DealFactory(partner=partner, client=client, created_on=day, closed_on=day)
    PartnerManagerContact.objects.create(name="Pat Manager", email="pat@vendor.example")
    MrrRecord.objects.create(client=client, date=day, mrr=Decimal("1000"))
    ManagedAssignment.objects.create(partner=partner, client=client, start=day)
    Renewal.objects.create(client=client, date=day + timedelta(days=30))
    LedgerEntry.objects.create(
        partner=partner,
        client=client,
        deal=deal,
        track="sold",
        kind="deal_won",
        points=Decimal("50"),
        effective_on=day,
        expires_on=day + timedelta(days=365),
        idempotency_key="walk-deal-won",
    )  # the database adds its pair balance
    DailySnapshot.objects.create(
        partner=partner, date=day, sold=Decimal("50"), managed=Decimal(0), total=Decimal("50")
    )
    TierStanding.objects.create(
        partner=partner,
        date=day,
        sold=Decimal("50"),
        managed=Decimal(0),
        total=Decimal("50"),
        performance_tier=tier,
        credited_tier=tier,
    )
    review = TierReview.objects.create(date=day - timedelta(days=90))
    TierReviewResult.objects.create(
        review=review,
        partner=partner,
        tier=tier,
        previous_tier=lower,
        sold=Decimal("50"),
        managed=Decimal(0),
    )
    MonthEndRate.objects.create(currency="EUR", month=date(2026, 1, 1), per_100_usd=Decimal(92))
    payment = CommissionPayment.objects.create(
        partner=partner,
        quarter_start=date(2026, 1, 1),
        scheduled_on=date(2026, 5, 15),
        currency="USD",
        amount=Decimal("200"),
    )
    CommissionLine.objects.create(
        partner=partner,
        client=client,
        month=date(2026, 1, 1),
        mrr=Decimal("1000"),
        mrr_currency="USD",
        share=Decimal("0.2000"),
        fx_per_100_usd=Decimal("100"),
        amount=Decimal("200"),
        currency="USD",
        payment=payment,
        idempotency_key="walk-commission",
    )
    static_list = StaticList.objects.create(partner=partner, name="Walked list")
    StaticListMember.objects.create(list=static_list, client=client)
    SavedReport.objects.create(
        partner=partner, created_by=user, name="Walked", kind="new_sold", start=day, end=day
    )
    BetaOptIn.objects.create(
        feature=BetaFeature.objects.order_by("pk")[0],
        partner=partner,
        user=user,
        terms_accepted_at=timezone.now(),
    )
    ApiToken.objects.create(user=user, name="CI", prefix="walk01", key_digest="0" * 64)
    Invitation.objects.create(
        partner=partner,
        email="walked-invitee@example.test",
        role="user",
        invited_by=user,
        nonce="walk",
        sent_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=7),
    )
    UserSession.objects.create(user=user, session_key="walked-session")
    AccountMetrics.objects.create(partner=partner, on=day, sourced_mrr_12m=Decimal("1000"))
    RecomputeRun.objects.create(on=day, status=RecomputeRun.Status.FINISHED)
    FxRate.objects.create(
        currency="JPY", per_100_usd=Decimal("15000"), effective_from=day, status=RuleStatus.DRAFT
    )  # a draft for "publish" to publish


def _other_apps_rows(user: AbstractBaseUser) -> None:
    """A row of every model that the other installed apps register in admin."""
    Group.objects.create(name="Walked group")
    seen = {"user_agent": "walk", "ip_address": "10.0.0.1", "username": "x", "http_accept": "*/*"}
    AccessAttempt.objects.create(
        **seen, path_info="/", get_data="", post_data="", failures_since_start=1
    )
    AccessLog.objects.create(**seen, path_info="/")
    AccessFailureLog.objects.create(**seen, path_info="/")
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    CrontabSchedule.objects.create(minute="0", hour="3")
    SolarSchedule.objects.create(event="sunrise", latitude=Decimal(0), longitude=Decimal(0))
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    # No such task: a "run selected tasks" let through would find nothing to run.
    PeriodicTask.objects.create(name="walked", task="walk.no_such_task", interval=interval)
    Token.objects.create(user=user)


def _new_rows(personas: Personas, client: Client) -> dict[type[Model], bytes]:
    """Per import admin, a file of rows that do not exist yet (so an import would add them)."""
    partner = personas.acme.name
    return {
        Partner: csv_bytes(
            [
                ["name", "external_id", "country", "payout_currency", "certified_until"],
                ["Walked Partner", "WALK-1", "US", "USD", "2030-01-31"],
            ]
        ),
        Client: csv_bytes(
            [["name", "domain", "country", "currency"], ["Walked", "walked.example", "US", "USD"]]
        ),
        MrrRecord: csv_bytes(
            [["client_domain", "date", "mrr"], [client.domain, "2024-02-01", "10"]]
        ),
        Deal: csv_bytes(
            [
                ["partner", "client_domain", "deal_type", "mrr", "stage", "created_on"],
                [partner, client.domain, "assisted", "10", "created", "2024-02-01"],
            ]
        ),
        ManagedAssignment: csv_bytes(
            [["partner", "client_domain", "start"], [partner, client.domain, "2024-02-01"]]
        ),
        Renewal: csv_bytes(
            [
                ["client_domain", "date", "status"],
                [client.domain, "2024-02-01", Renewal.Status.UPCOMING],
            ]
        ),
    }


def _view_permissions() -> list[Permission]:
    """The view permission of every registered model (proxies have their own)."""
    permissions = []
    for model in admin.site._registry:
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        codename = f"view_{model._meta.model_name}"
        permissions.append(Permission.objects.get(content_type=content_type, codename=codename))
    return permissions


def url_of(model: type[Model], view: str, *args: str) -> str:
    """The URL of one of ``model``'s admin views."""
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _staff_users() -> dict[str, Any]:
    """Staff without permissions, staff who may view every registered model, a superuser."""
    viewer = UserFactory(email="viewer@vendor.example", is_staff=True)
    viewer.user_permissions.set(_view_permissions())
    return {
        "none": UserFactory(email="nobody@vendor.example", is_staff=True),
        "viewer": viewer,
        "superuser": UserFactory(email="root@vendor.example", is_staff=True, is_superuser=True),
    }


def _prepare_writes(world: World) -> None:
    """What the walk's POSTs send, as a superuser's pages offer it: each admin's actions, each
    import's confirmation of a dry run of new rows, each export's form."""
    root = world.http("superuser")
    request = RequestFactory().get("/")
    request.user = world.users["superuser"]
    for model, model_admin in admin.site._registry.items():
        world.actions[model] = sorted({*model_admin.get_actions(request), "delete_selected"})
        if isinstance(model_admin, ImportMixin):
            assert model in world.new_rows, f"no file of new rows for {model._meta.label}"
            upload = SimpleUploadedFile("walk.csv", world.new_rows[model])
            preview = root.post(
                url_of(model, "import"), {"resource": "0", "format": "0", "import_file": upload}
            )
            form = preview.context["confirm_form"]
            assert form is not None, preview.context.get("row_error_list")
            world.confirmations[model] = {name: str(value) for name, value in form.initial.items()}
        if isinstance(model_admin, ExportMixin):
            fields = root.get(url_of(model, "export")).context["form"].fields
            options = ("resource", "format", "export_items")
            ticked = {name: "on" for name in fields if name not in options}
            world.export_forms[model] = {**ticked, "resource": "0", "format": "0"}


@pytest.fixture
def world(personas: Personas) -> Iterator[World]:
    """One row of every registered model, the users, and what the walk's POSTs send; removes
    the files that the refused confirmations leave in the import folder."""
    day = timezone.localdate() - timedelta(days=10)
    client = ClientFactory(name="Walked Client", domain="walked-client.example")
    _program_rows(personas, client, day)
    _other_apps_rows(personas.bob.user)
    world = World(personas, _staff_users(), client, day, new_rows=_new_rows(personas, client))
    missing = [m._meta.label for m in admin.site._registry if not m._default_manager.exists()]
    assert not missing, f"no row of {missing}: add one to the world fixture"
    _prepare_writes(world)
    yield world
    for confirmation in world.confirmations.values():
        Path(tempfile.gettempdir(), confirmation["import_file_name"]).unlink(missing_ok=True)


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
    does, when the user may see the list."""
    get_status, post_status = getattr(EXPECTED[route.kind], persona)
    if visit.method == "GET":
        return get_status
    lists = route.kind == "changelist" and route.model is not None and persona == "viewer"
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


# --- the walk ---------------------------------------------------------------------------------


def test_every_admin_route_has_an_expectation() -> None:
    kinds = {route.kind for route in admin_routes()}
    assert kinds - EXPECTED.keys() == set(), "admin routes the walk does not know"
    assert EXPECTED.keys() - kinds == set(), "expectations of routes that no longer exist"


def test_import_and_export_permission_codes_are_set() -> None:
    # Unset, django-import-export lets every staff user import and export every model.
    assert settings.IMPORT_EXPORT_IMPORT_PERMISSION_CODE == "add"
    assert settings.IMPORT_EXPORT_EXPORT_PERMISSION_CODE == "view"


def test_every_admin_guards_its_actions_and_every_import_is_the_programs() -> None:
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, ActionPermissionsMixin), model._meta.label
        if isinstance(model_admin, ImportMixin):
            assert isinstance(model_admin, ProgramImportExportMixin), model._meta.label


@pytest.mark.parametrize("persona", PERSONAS)
def test_staff_reach_only_what_their_permissions_allow_and_write_nothing(
    world: World, persona: str
) -> None:
    before = row_counts()
    sent, problems = walk(world, persona)
    assert problems == []
    assert row_counts() == before
    assert sent >= 2 * len(admin_routes())  # a GET and a POST of each, or more


def test_the_refused_writes_would_write_for_a_superuser(world: World) -> None:
    http = world.http("superuser")
    silent = []
    for route in admin_routes():
        for visit in visits(route, world):
            live = route.kind in LIVE_KINDS or visit.note in LIVE_ACTIONS
            if visit.method != "POST" or not live:
                continue
            response, written = send(http, visit)
            if response.status_code not in (200, 302) or not written - {"django_admin_log"}:
                silent.append(f"{visit}: {response.status_code}, wrote {sorted(written)}")
    assert silent == []


# --- import and export ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_staff_without_add_and_change_cannot_import_clients(world: World, persona: str) -> None:
    http = world.http(persona)
    before = Client.objects.count()
    assert http.get(url_of(Client, "import")).status_code == 403
    upload = SimpleUploadedFile("clients.csv", world.new_rows[Client])
    dry_run = {"resource": "0", "format": "0", "import_file": upload}
    assert http.post(url_of(Client, "import"), dry_run).status_code == 403
    confirm = world.confirmations[Client]
    assert http.get(url_of(Client, "process_import")).status_code == 403
    assert http.post(url_of(Client, "process_import"), confirm).status_code == 403
    assert Client.objects.count() == before
    assert not Client.objects.filter(domain="walked.example").exists()


def test_import_needs_both_add_and_change(world: World) -> None:
    user = UserFactory(email="adder@vendor.example", is_staff=True)
    client_type = ContentType.objects.get_for_model(Client)
    user.user_permissions.set(Permission.objects.filter(content_type=client_type))
    http = HttpClient()
    http.force_login(user)
    assert http.get(url_of(Client, "import")).status_code == 200
    user.user_permissions.remove(Permission.objects.get(codename="change_client"))
    assert http.get(url_of(Client, "import")).status_code == 403
    assert (
        http.post(url_of(Client, "process_import"), world.confirmations[Client]).status_code == 403
    )
    assert not Client.objects.filter(domain="walked.example").exists()


def test_staff_without_the_view_permission_cannot_export(world: World) -> None:
    http = world.http("none")
    url = url_of(Client, "export") + "?format=csv"
    assert http.get(url).status_code == 403
    assert http.post(url, world.export_forms[Client]).status_code == 403


def read_csv(content: bytes) -> list[list[str]]:
    """An exported CSV file's rows."""
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("persona", ["viewer", "superuser"])
def test_clients_export_with_the_format_in_the_query_reads_back(world: World, persona: str) -> None:
    http = world.http(persona)
    url = url_of(Client, "export") + "?format=csv"
    page = http.get(url)
    assert page.status_code == 200
    response = http.post(url, world.export_forms[Client])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    rows = read_csv(response.content)
    assert rows[0] == ["name", "domain", "country", "currency"]
    expected = [[c.name, c.domain, c.country.code, c.currency] for c in Client.objects.all()]
    assert sorted(rows[1:]) == sorted(expected)
    assert ["Walked Client", "walked-client.example", "US", "USD"] in rows


def test_export_options_in_the_query_keep_the_filters(world: World) -> None:
    ClientFactory(name="Brazil Co", domain="br.example", country="BR")
    http = world.http("superuser")
    url = url_of(Client, "export") + "?country=BR&format=csv&resource=0"
    response = http.post(url, world.export_forms[Client])
    assert read_csv(response.content)[1:] == [["Brazil Co", "br.example", "BR", "USD"]]


@pytest.mark.parametrize("model", [Partner, Client, MrrRecord, Deal, ManagedAssignment, Renewal])
def test_every_export_page_answers_with_the_format_in_the_query(
    world: World, model: type[Model]
) -> None:
    http = world.http("superuser")
    url = url_of(model, "export") + "?format=csv"
    assert http.get(url).status_code == 200
    response = http.post(url, world.export_forms[model])
    assert response.status_code == 200
    assert len(read_csv(response.content)) >= 2


def test_an_export_with_a_filter_the_list_has_not_goes_back_to_the_list(world: World) -> None:
    http = world.http("superuser")
    response = http.get(url_of(Deal, "export") + "?no_such_field=1")
    assert response.status_code == 302
    assert response["Location"] == url_of(Deal, "changelist") + "?e=1"


# --- what the list pages offer ----------------------------------------------------------------


def test_view_only_staff_are_offered_export_but_no_import_or_write_action(world: World) -> None:
    http = world.http("viewer")
    page = http.get(url_of(Partner, "changelist")).content.decode()
    assert url_of(Partner, "export") in page
    assert url_of(Partner, "import") not in page
    assert reverse("admin:partners_partner_recompute_all") not in page
    assert 'value="recompute_now"' not in page
    payments = http.get(url_of(CommissionPayment, "changelist")).content.decode()
    assert 'value="mark_paid_today"' not in payments
    tasks = http.get(url_of(PeriodicTask, "changelist")).content.decode()
    assert 'value="run_tasks"' not in tasks


def test_a_refused_action_answers_403_and_an_unchosen_one_is_djangos_message(
    world: World,
) -> None:
    payment = CommissionPayment.objects.get()
    form = {"index": "0", "_selected_action": [payment.pk]}
    viewer = world.http("viewer")
    url = url_of(CommissionPayment, "changelist")
    assert viewer.post(url, {**form, "action": "mark_paid_today"}).status_code == 403
    assert viewer.post(url, {**form, "action": ""}).status_code == 200
    root = world.http("superuser")
    assert root.post(url, {**form, "action": ""}).status_code == 302  # "No action selected"
    payment.refresh_from_db()
    assert payment.status == CommissionPayment.Status.SCHEDULED


def test_publishing_rules_needs_the_change_permission_on_every_rule_table(world: World) -> None:
    user = UserFactory(email="rates@vendor.example", is_staff=True)
    point_rate = ContentType.objects.get_for_model(PointRate)
    user.user_permissions.set(Permission.objects.filter(content_type=point_rate))
    http = HttpClient()
    http.force_login(user)
    assert http.get(reverse("admin:program_rule_change")).status_code == 403
    assert http.post(reverse("admin:program_rule_publish")).status_code == 403
    assert FxRate.objects.filter(status=RuleStatus.DRAFT).exists()
